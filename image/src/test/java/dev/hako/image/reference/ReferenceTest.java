package dev.hako.image.reference;

import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReferenceTest {
    static final String D = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void normalizesDockerStyle() {
        assertThat(Reference.parse("busybox").toString()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(Reference.parse("busybox").familiar()).isEqualTo("busybox:latest");
        assertThat(Reference.parse("user/app:1.0").toString()).isEqualTo("docker.io/user/app:1.0");
        assertThat(Reference.parse("index.docker.io/library/alpine").toString()).isEqualTo("docker.io/library/alpine:latest");
        assertThat(Reference.parse("docker.io/alpine").repository()).isEqualTo("library/alpine");
        assertThat(Reference.parse("busybox").apiHost()).isEqualTo("registry-1.docker.io");
        assertThat(Reference.parse("quay.io/a/b/c:t").repository()).isEqualTo("a/b/c");
        assertThat(Reference.parse("localhost/app").registry()).isEqualTo("localhost");
        assertThat(Reference.parse("localhost:5000/app:x").familiar()).isEqualTo("localhost:5000/app:x");
    }

    @Test
    void hostPortTagAndDigest() {
        Reference r = Reference.parse("127.0.0.1:5000/ns/repo:v1@" + D);
        assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
        assertThat(r.repository()).isEqualTo("ns/repo");
        assertThat(r.tag()).isEqualTo("v1");
        assertThat(r.digest()).isEqualTo(Digest.parse(D));
        assertThat(r.manifestReference()).isEqualTo(D);
        assertThat(r.toString()).isEqualTo("127.0.0.1:5000/ns/repo:v1@" + D);
        Reference byDigest = Reference.parse("busybox@" + D);
        assertThat(byDigest.tag()).isNull();
        assertThat(byDigest.toString()).isEqualTo("docker.io/library/busybox@" + D);
        assertThat(Reference.parseLoose("busybox").tag()).isNull();
        assertThat(Reference.parse("[::1]:5000/x").registry()).isEqualTo("[::1]:5000");
        assertThat(Reference.isQualified("busybox")).isFalse();
        assertThat(Reference.isQualified("foo/bar")).isFalse();
        assertThat(Reference.isQualified("example.com/bar")).isTrue();
        assertThat(Reference.parseUnder("quay.io", "x/y:1").toString()).isEqualTo("quay.io/x/y:1");
        assertThat(Reference.parseUnder("docker.io", "x").toString()).isEqualTo("docker.io/library/x:latest");
    }

    @Test
    void clearErrors() {
        assertThatThrownBy(() -> Reference.parse("")).hasMessageContaining("empty image name");
        assertThatThrownBy(() -> Reference.parse("Busybox")).hasMessageContaining("must be lowercase");
        assertThatThrownBy(() -> Reference.parse("busybox:bad tag")).hasMessageContaining("bad tag \"bad tag\"");
        assertThatThrownBy(() -> Reference.parse("busybox:-x")).hasMessageContaining("bad tag");
        assertThatThrownBy(() -> Reference.parse("busybox@sha256:123")).hasMessageContaining("3 characters, want 64");
        assertThatThrownBy(() -> Reference.parse("a//b")).hasMessageContaining("bad path component \"\"");
        assertThatThrownBy(() -> Reference.parse("a/b_-c")).hasMessageContaining("bad path component \"b_-c\"");
        assertThatThrownBy(() -> Reference.parse("host:99999/x")).hasMessageContaining("bad port \"99999\"");
        assertThatThrownBy(() -> Reference.parse("-host.com/x")).hasMessageContaining("bad registry host");
        assertThatThrownBy(() -> Reference.parse("x".repeat(300))).hasMessageContaining("longer than 255");
        assertThatThrownBy(() -> Reference.parse("x:" + "t".repeat(129))).hasMessageContaining("bad tag");
        assertThatThrownBy(() -> Reference.parseUnder("quay.io", "docker.io/x")).hasMessageContaining("already names a registry");
        assertThat(Reference.parse("a/b__c-d.e/f--g:T_1.x-y")).isNotNull();
    }
}
