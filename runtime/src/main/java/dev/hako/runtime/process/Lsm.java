package dev.hako.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which Linux security modules can label processes on this host. */
public final class Lsm {
    private Lsm() {}

    public static boolean apparmorEnabled() {
        try {
            return ProcFs.read(Path.of("/sys/module/apparmor/parameters/enabled")).trim().equals("Y");
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean selinuxEnabled() {
        return Files.exists(Path.of("/sys/fs/selinux/enforce"));
    }
}
