package dev.hako.cli;

import dev.hako.cli.format.Units;
import dev.hako.cli.format.Formatter;
import dev.hako.engine.ContainerView;
import dev.hako.engine.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code hako info} / {@code hako system info}: docker info's shape (its field names for --format). hako is
 * daemonless, so the "server" is this process's view of --root: the containers and images stored there.
 */
@Command(name = "info", description = "Display system-wide information")
public final class InfoCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = {"-f", "--format"}, description = "Format output using a Go template, or 'json'") String format;

    @Override
    public void run() {
        Main main = (Main) spec.root().userObject();
        Map<String, Object> info = info(main);
        PrintWriter out = spec.commandLine().getOut();
        if (format != null && !format.isEmpty()) {
            out.print(Formatter.renderOne(format, info));
            out.flush();
            return;
        }
        out.println("Client:");
        out.println(" Version:    " + Version.version());
        out.println(" Context:    default");
        out.println(" Debug Mode: " + main.debug);
        out.println();
        out.println("Server:");
        out.println(" Containers: " + info.get("Containers"));
        out.println("  Running: " + info.get("ContainersRunning"));
        out.println("  Paused: " + info.get("ContainersPaused"));
        out.println("  Stopped: " + info.get("ContainersStopped"));
        out.println(" Images: " + info.get("Images"));
        out.println(" Server Version: " + info.get("ServerVersion"));
        out.println(" Storage Driver: " + info.get("Driver"));
        @SuppressWarnings("unchecked")
        List<List<String>> status = (List<List<String>>) info.get("DriverStatus");
        for (List<String> kv : status) out.println("  " + kv.get(0) + ": " + kv.get(1));
        out.println(" Logging Driver: " + info.get("LoggingDriver"));
        out.println(" Cgroup Driver: " + info.get("CgroupDriver"));
        out.println(" Cgroup Version: " + info.get("CgroupVersion"));
        out.println(" Runtimes: hako-runtime");
        out.println(" Default Runtime: " + info.get("DefaultRuntime"));
        out.println(" Security Options:");
        out.println("  seccomp");
        out.println("   Profile: builtin");
        out.println(" Kernel Version: " + info.get("KernelVersion"));
        out.println(" Operating System: " + info.get("OperatingSystem"));
        out.println(" OSType: " + info.get("OSType"));
        out.println(" Architecture: " + info.get("Architecture"));
        out.println(" CPUs: " + info.get("NCPU"));
        out.println(" Total Memory: " + Units.binarySize((Long) info.get("MemTotal")));
        out.println(" Name: " + info.get("Name"));
        out.println(" Docker Root Dir: " + info.get("DockerRootDir"));
        out.println(" Debug Mode: " + main.debug);
        out.println(" Experimental: false");
        out.println(" Live Restore Enabled: false");
        out.flush();
    }

    static Map<String, Object> info(Main main) {
        Path root = main.root.toAbsolutePath().normalize();
        Engine engine = new Engine(main.images(), root, main.runroot, m -> { });
        int running = 0, paused = 0, stopped = 0;
        List<ContainerView> all = engine.list();
        for (ContainerView v : all) {
            switch (v.status().state()) {
                case "running" -> running++;
                case "paused" -> paused++;
                default -> stopped++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", "");
        m.put("Containers", all.size());
        m.put("ContainersRunning", running);
        m.put("ContainersPaused", paused);
        m.put("ContainersStopped", stopped);
        m.put("Images", main.images().list().size());
        m.put("Driver", "overlay2");
        m.put("DriverStatus", List.of(List.of("Backing Filesystem", backingFs(root)), List.of("Supports d_type", "true"),
                List.of("Using metacopy", "false"), List.of("Native Overlay Diff", "true"), List.of("userxattr", "false")));
        m.put("LoggingDriver", "json-file");
        m.put("CgroupDriver", "cgroupfs");
        m.put("CgroupVersion", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
        m.put("DefaultRuntime", "hako-runtime");
        m.put("KernelVersion", read("/proc/sys/kernel/osrelease"));
        m.put("OperatingSystem", osName());
        m.put("OSType", "linux");
        m.put("Architecture", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        m.put("NCPU", java.lang.Runtime.getRuntime().availableProcessors());
        m.put("MemTotal", memTotal());
        m.put("Name", read("/proc/sys/kernel/hostname"));
        m.put("ServerVersion", Version.version());
        m.put("DockerRootDir", root.toString());
        m.put("Debug", main.debug);
        m.put("ExperimentalBuild", false);
        m.put("LiveRestoreEnabled", false);
        m.put("SecurityOptions", List.of("name=seccomp,profile=builtin"));
        return m;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** PRETTY_NAME from os-release, as docker shows it. */
    static String osName() {
        for (String f : List.of("/etc/os-release", "/usr/lib/os-release")) {
            try {
                for (String line : Files.readAllLines(Path.of(f))) {
                    if (line.startsWith("PRETTY_NAME=")) return line.substring(12).replaceAll("^\"|\"$", "");
                }
            } catch (IOException e) {
                // next candidate
            }
        }
        return "Linux";
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return 0L;
    }

    /** The filesystem type of the root's mount in /proc/self/mounts (longest matching mount point). */
    private static String backingFs(Path root) {
        String best = "", type = "unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length < 3) continue;
                String mp = f[1];
                if ((root.toString().equals(mp) || root.toString().startsWith(mp.endsWith("/") ? mp : mp + "/"))
                        && mp.length() >= best.length()) {
                    best = mp;
                    type = f[2].equals("ext4") || f[2].equals("ext3") || f[2].equals("ext2") ? "extfs" : f[2];
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return type;
    }
}
