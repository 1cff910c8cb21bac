package dev.hako.runtime.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Test support for the interop tests: running commands, the hako-runtime binary, busybox fixtures, cleanup. */
final class Peers {
    private Peers() {}

    static final Path PROJECT = Path.of(System.getProperty("hako.projectDir", "/work/main"));

    record Result(int code, String out, String err) {
        String describe() { return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err; }
    }

    /** Runs a command with stdin from /dev/null and stdout/stderr to files (a container may inherit them). */
    static Result run(Path work, Duration timeout, List<String> cmd) throws IOException, InterruptedException {
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path out = work.resolve("out-" + tag), err = work.resolve("err-" + tag);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", cmd));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }

    static Result run(Path work, List<String> cmd) throws IOException, InterruptedException {
        return run(work, Duration.ofSeconds(120), cmd);
    }

    static String uniqueName(String area) {
        return "hako-test-" + area + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    }

    /**
     * The hako-runtime to test: bin/hako-runtime when the packaged jar is at least as new as the compiled
     * classes; otherwise (a `mvn test` before `package`) a wrapper in {@code work} running the freshly
     * compiled classes with the launcher's JVM flags, so the test never runs stale code.
     */
    static Path hakoRuntime(Path work) throws IOException {
        Path jar = PROJECT.resolve("runtime/target/hako-runtime.jar");
        if (Files.exists(jar) && !newerThan(PROJECT.resolve("runtime/target/classes"), Files.getLastModifiedTime(jar))
                && !newerThan(PROJECT.resolve("kernel/target/classes"), Files.getLastModifiedTime(jar))) {
            return PROJECT.resolve("bin/hako-runtime");
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String exe = System.getProperty("hako.executor", "");
        Path w = work.resolve("hako-runtime");
        Files.writeString(w, "#!/bin/sh\nexec '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
                + " --enable-native-access=ALL-UNNAMED -Dhako.executor='" + exe + "' -cp '" + cp + "'"
                + " dev.hako.runtime.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
        return w;
    }

    private static boolean newerThan(Path dir, FileTime t) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).compareTo(t) > 0;
                } catch (IOException e) {
                    return true;
                }
            });
        }
    }

    /** A busybox root filesystem made offline by scripts/busybox-rootfs.sh. */
    static void busyboxRootfs(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.getParent());
        Result r = run(dir.getParent(), List.of("bash", PROJECT.resolve("scripts/busybox-rootfs.sh").toString(), dir.toString()));
        if (r.code != 0) throw new AssertionError("busybox-rootfs.sh: " + r.describe());
    }

    /** Lazily unmounts everything still mounted under {@code dir} (deepest first), so it can be removed. */
    static void unmountUnder(Path dir) throws IOException, InterruptedException {
        String prefix = dir.toRealPath().toString() + "/";
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4].replace("\\040", " ");
            if (mp.startsWith(prefix)) points.add(mp);
        }
        points.sort((a, b) -> b.length() - a.length());
        for (String mp : points) run(dir.getParent(), List.of("umount", "-l", mp));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
