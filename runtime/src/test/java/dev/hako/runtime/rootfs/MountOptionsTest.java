package dev.hako.runtime.rootfs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.hako.runtime.rootfs.MountFlags.*;
import static org.assertj.core.api.Assertions.assertThat;

class MountOptionsTest {

    @Test
    void flagOptionsSetAndClearInOrder() {
        var o = MountOptions.parse(List.of("nosuid", "noexec", "nodev", "ro", "rw", "relatime"));
        assertThat(o.flags()).isEqualTo(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME);
        assertThat(o.isReadonly()).isFalse();
        assertThat(MountOptions.parse(List.of("rw", "ro")).isReadonly()).isTrue();
        assertThat(MountOptions.parse(List.of("nosuid", "suid", "nodev", "dev", "noexec", "exec")).flags()).isZero();
    }

    @Test
    void everyFlagWord() {
        assertThat(MountOptions.parse(List.of("sync")).flags()).isEqualTo(MS_SYNCHRONOUS);
        assertThat(MountOptions.parse(List.of("sync", "async")).flags()).isZero();
        assertThat(MountOptions.parse(List.of("dirsync")).flags()).isEqualTo(MS_DIRSYNC);
        assertThat(MountOptions.parse(List.of("remount")).flags()).isEqualTo(MS_REMOUNT);
        assertThat(MountOptions.parse(List.of("mand")).flags()).isEqualTo(MS_MANDLOCK);
        assertThat(MountOptions.parse(List.of("noatime")).flags()).isEqualTo(MS_NOATIME);
        assertThat(MountOptions.parse(List.of("noatime", "atime")).flags()).isZero();
        assertThat(MountOptions.parse(List.of("nodiratime")).flags()).isEqualTo(MS_NODIRATIME);
        assertThat(MountOptions.parse(List.of("relatime", "norelatime")).flags()).isZero();
        assertThat(MountOptions.parse(List.of("strictatime")).flags()).isEqualTo(MS_STRICTATIME);
        assertThat(MountOptions.parse(List.of("strictatime", "nostrictatime")).flags()).isZero();
        assertThat(MountOptions.parse(List.of("lazytime")).flags()).isEqualTo(MS_LAZYTIME);
        assertThat(MountOptions.parse(List.of("nosymfollow")).flags()).isEqualTo(MS_NOSYMFOLLOW);
        assertThat(MountOptions.parse(List.of("defaults")).flags()).isZero();
    }

    @Test
    void bindAndRbind() {
        var b = MountOptions.parse(List.of("bind", "ro"));
        assertThat(b.isBind()).isTrue();
        assertThat(b.isRecursiveBind()).isFalse();
        var r = MountOptions.parse(List.of("rbind"));
        assertThat(r.isRecursiveBind()).isTrue();
        assertThat(r.flags()).isEqualTo(MS_BIND | MS_REC);
    }

    @Test
    void propagationKeepsOrderAndRecursion() {
        var o = MountOptions.parse(List.of("rprivate", "shared", "rslave", "unbindable", "runbindable", "private",
                "slave", "rshared"));
        assertThat(o.propagation()).containsExactly(MS_REC | MS_PRIVATE, MS_SHARED, MS_REC | MS_SLAVE, MS_UNBINDABLE,
                MS_REC | MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_REC | MS_SHARED);
        assertThat(o.flags()).isZero();
        assertThat(o.data()).isEmpty();
    }

    @Test
    void recursiveAttributesGoToMountSetattr() {
        var o = MountOptions.parse(List.of("rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"));
        assertThat(o.attrSet()).isEqualTo(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW);
        assertThat(o.attrClr()).isZero();
        assertThat(o.flags()).isZero();
        var c = MountOptions.parse(List.of("rro", "rrw", "rsuid", "rdev", "rexec"));
        assertThat(c.attrSet()).isZero();
        assertThat(c.attrClr()).isEqualTo(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    }

    @Test
    void recursiveAtimeClearsTheWholeAtimeField() {
        var o = MountOptions.parse(List.of("rnoatime"));
        assertThat(o.attrSet()).isEqualTo(MOUNT_ATTR_NOATIME);
        assertThat(o.attrClr()).isEqualTo(MOUNT_ATTR__ATIME);
        var s = MountOptions.parse(List.of("rnoatime", "rstrictatime"));
        assertThat(s.attrSet()).isEqualTo(MOUNT_ATTR_STRICTATIME);
        var a = MountOptions.parse(List.of("rnoatime", "ratime"));
        assertThat(a.attrSet()).isEqualTo(MOUNT_ATTR_RELATIME);
        assertThat(a.attrClr()).isEqualTo(MOUNT_ATTR__ATIME);
    }

    @Test
    void unknownOptionsBecomeDataInOrder() {
        var o = MountOptions.parse(List.of("nosuid", "mode=755", "size=65536k", "newinstance", "gid=5"));
        assertThat(o.flags()).isEqualTo(MS_NOSUID);
        assertThat(o.data()).isEqualTo("mode=755,size=65536k,newinstance,gid=5");
    }

    @Test
    void idmapAndTmpcopyup() {
        var o = MountOptions.parse(List.of("rbind", "idmap"));
        assertThat(o.idmap()).isTrue();
        assertThat(o.recursiveIdmap()).isFalse();
        assertThat(MountOptions.parse(List.of("ridmap")).recursiveIdmap()).isTrue();
        assertThat(MountOptions.parse(List.of("tmpcopyup")).tmpcopyup()).isTrue();
        assertThat(MountOptions.parse(List.of("tmpcopyup")).data()).isEmpty();
        assertThat(MountOptions.parse(null).flags()).isZero();
    }
}
