package dev.hako.image.content;

import dev.hako.kernel.crypto.OpenSslProvider;
import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.Test;

import java.security.Security;

import static org.assertj.core.api.Assertions.assertThat;

/** hako's digests (blobs, DiffIDs) come from OpenSSL, found on the class path, without installing it in the JVM. */
class DigestProviderTest {
    @Test
    void digestsUseOpenSslWithoutChangingTheJvmsProviders() {
        assertThat(Digest.messageDigest(Digest.SHA256).getProvider().getName()).isEqualTo(OpenSslProvider.NAME);
        assertThat(Digest.messageDigest(Digest.SHA512).getProvider().getName()).isEqualTo(OpenSslProvider.NAME);
        assertThat(Digest.sha256("abc".getBytes()).encoded())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Security.getProvider(OpenSslProvider.NAME)).isNull();
    }
}
