package dev.hako.engine.config;

import dev.hako.engine.EngineException;
import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves docker's {@code -u name|uid[:group|gid]} through the image's /etc/passwd and /etc/group. The files
 * are parsed as text, opened inside the rootfs (symlinks cannot lead out) and never through libc's NSS, which
 * would load code from the container (moby CVE-2019-14271).
 */
public final class UserResolver {
    private static final int MAX_FILE = 4 << 20;

    /** uid, gid, supplementary gids (from /etc/group membership), and the passwd home ("/" if unknown). */
    public record ResolvedUser(int uid, int gid, List<Integer> additionalGids, String home) {}

    private final Path rootfs;

    /** @param rootfs the container's root filesystem; null: no files (only numeric users resolve) */
    public UserResolver(Path rootfs) { this.rootfs = rootfs; }

    public ResolvedUser resolve(String spec) {
        String user = spec == null || spec.isEmpty() ? "0" : spec;
        String group = null;
        int colon = user.indexOf(':');
        if (colon >= 0) {
            group = user.substring(colon + 1);
            user = user.substring(0, colon);
        }
        List<String[]> passwd = entries("etc/passwd", 7);
        List<String[]> groups = entries("etc/group", 4);

        String[] pw = null;
        int uid;
        if (isNumber(user)) {
            uid = parseId(user, "user");
            for (String[] e : passwd) if (isNumber(e[2]) && Integer.parseInt(e[2]) == uid) { pw = e; break; }
        } else {
            for (String[] e : passwd) if (e[0].equals(user)) { pw = e; break; }
            if (pw == null) throw new EngineException("unable to find user " + user + ": no matching entries in passwd file");
            uid = parseId(pw[2], "uid of " + user + " in /etc/passwd");
        }
        int gid = pw != null ? parseId(pw[3], "gid of " + pw[0] + " in /etc/passwd") : 0;
        boolean explicitGroup = group != null && !group.isEmpty();
        if (explicitGroup) {
            if (isNumber(group)) {
                gid = parseId(group, "group");
            } else {
                String[] g = null;
                for (String[] e : groups) if (e[0].equals(group)) { g = e; break; }
                if (g == null) throw new EngineException("unable to find group " + group + ": no matching entries in group file");
                gid = parseId(g[2], "gid of " + group + " in /etc/group");
            }
        }
        // Like docker: supplementary groups are the /etc/group memberships of the named user, unless a group was given.
        Set<Integer> extra = new LinkedHashSet<>();
        if (pw != null && !explicitGroup) {
            for (String[] e : groups) {
                for (String member : e[3].split(",")) {
                    if (member.trim().equals(pw[0]) && isNumber(e[2])) {
                        int g = Integer.parseInt(e[2]);
                        if (g != gid) extra.add(g);
                    }
                }
            }
        }
        String home = pw != null && !pw[5].isEmpty() ? pw[5] : "/";
        return new ResolvedUser(uid, gid, List.copyOf(extra), home);
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 10) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static int parseId(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v < 0 || v > 0xFFFFFFFEL) throw new NumberFormatException();
            return (int) v;
        } catch (NumberFormatException e) {
            throw new EngineException("invalid " + what + ": \"" + s + "\"");
        }
    }

    /** Colon-separated lines with at least {@code fields} fields (shorter ones are padded; comments skipped). */
    private List<String[]> entries(String rel, int fields) {
        List<String[]> out = new ArrayList<>();
        String text = read(rel);
        if (text == null) return out;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] raw = line.split(":", -1);
            String[] e = new String[Math.max(fields, raw.length)];
            for (int i = 0; i < e.length; i++) e[i] = i < raw.length ? raw[i] : "";
            out.add(e);
        }
        return out;
    }

    /** The file's text, or null when the rootfs or the file does not exist. */
    private String read(String rel) {
        if (rootfs == null) return null;
        RootedDir dir;
        try {
            dir = RootedDir.open(rootfs);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) return null;
            throw e;
        }
        try (dir) {
            int fd;
            try {
                fd = dir.open(rel, Fs.O_RDONLY | Fs.O_CLOEXEC | Fs.O_NONBLOCK, 0);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return null;
                throw e;
            }
            try {
                if (!Fs.fstat(fd, dir.describe(rel)).isRegular())
                    throw new EngineException(dir.describe(rel) + ": not a regular file");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[65536];
                int n;
                while ((n = Fds.read(fd, buf, 0, buf.length)) > 0) {
                    out.write(buf, 0, n);
                    if (out.size() > MAX_FILE) throw new EngineException(dir.describe(rel) + ": larger than " + MAX_FILE + " bytes");
                }
                return out.toString(StandardCharsets.UTF_8);
            } finally {
                Fds.close(fd);
            }
        }
    }
}
