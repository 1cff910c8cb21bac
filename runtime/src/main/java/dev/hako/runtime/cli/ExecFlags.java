package dev.hako.runtime.cli;

import dev.hako.oci.runtime.Process;

import java.util.ArrayList;
import java.util.List;

/**
 * The inline process options of `exec`, applied to the container's process as runc does: args replaced,
 * env appended, terminal off unless --tty, cwd/user/label overridden, --cap added to the bounding,
 * effective, permitted and ambient sets (never inheritable), --additional-gids appended.
 */
public record ExecFlags(List<String> args, List<String> env, String cwd, Boolean tty, String user,
                        List<String> additionalGids, List<String> caps, Boolean noNewPrivs, String apparmor,
                        String processLabel) {

    public Process apply(Process base) {
        Process.User baseUser = base == null ? null : base.user();
        Integer uid = baseUser == null ? null : baseUser.uid();
        Integer gid = baseUser == null ? null : baseUser.gid();
        if (user != null && !user.isEmpty()) {
            String[] parts = user.split(":", -1);
            if (parts.length > 2) throw new CliException("invalid user " + user + ": expected <uid>[:<gid>]");
            uid = parseId(parts[0], "user");
            if (parts.length == 2) gid = parseId(parts[1], "group");
        }
        List<Integer> gids = new ArrayList<>();
        if (baseUser != null && baseUser.additionalGids() != null) gids.addAll(baseUser.additionalGids());
        for (String g : additionalGids) gids.add(parseId(g, "additional gid"));
        Process.User u = new Process.User(uid, gid, baseUser == null ? null : baseUser.umask(),
                gids.isEmpty() ? null : gids, baseUser == null ? null : baseUser.username());

        List<String> newEnv = new ArrayList<>();
        if (base != null && base.env() != null) newEnv.addAll(base.env());
        newEnv.addAll(env);

        Process.Capabilities c = base == null ? null : base.capabilities();
        if (!caps.isEmpty()) {
            c = new Process.Capabilities(
                    plus(c == null ? null : c.bounding(), caps),
                    plus(c == null ? null : c.effective(), caps),
                    c == null ? null : c.inheritable(),
                    plus(c == null ? null : c.permitted(), caps),
                    plus(c == null ? null : c.ambient(), caps));
        }
        String newCwd = cwd != null && !cwd.isEmpty() ? cwd : (base == null || base.cwd() == null ? "/" : base.cwd());
        Boolean nnp = noNewPrivs != null ? noNewPrivs : (base == null ? null : base.noNewPrivileges());
        String aa = apparmor != null && !apparmor.isEmpty() ? apparmor : (base == null ? null : base.apparmorProfile());
        String label = processLabel != null && !processLabel.isEmpty() ? processLabel : (base == null ? null : base.selinuxLabel());
        return new Process(Boolean.TRUE.equals(tty), null, u, List.copyOf(args), null, newEnv, newCwd, c,
                base == null ? null : base.rlimits(), nnp, aa,
                base == null ? null : base.oomScoreAdj(), label,
                base == null ? null : base.ioPriority(), base == null ? null : base.scheduler(),
                base == null ? null : base.execCPUAffinity());
    }

    private static List<String> plus(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>();
        if (a != null) r.addAll(a);
        for (String s : b) if (!r.contains(s)) r.add(s);
        return r;
    }

    private static int parseId(String s, String what) {
        try {
            int v = Integer.parseInt(s);
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new CliException("parsing " + s + " as " + what + " id: invalid syntax");
        }
    }
}
