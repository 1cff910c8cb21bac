package dev.hako.runtime.cli;

import java.util.List;

/** Help texts in urfave/cli's layout, which runc users know. */
final class Help {
    private Help() {}

    static String flagList(List<Flag> flags) {
        int w = 0;
        for (Flag f : flags) w = Math.max(w, f.synopsis().length());
        StringBuilder sb = new StringBuilder();
        for (Flag f : flags) {
            sb.append("   ").append(f.synopsis()).append(" ".repeat(w - f.synopsis().length() + 2)).append(f.help()).append('\n');
        }
        return sb.toString();
    }

    static String root(List<CommandSpec> commands, List<Flag> globals) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                NAME:
                   hako-runtime - Open Container Initiative runtime

                hako-runtime runs applications packaged according to the Open Container Initiative
                (OCI) format. It follows runc's command line, so podman, conmon and containerd
                can use it in place of runc.

                Containers are configured using bundles. A bundle for a container is a directory
                that includes a specification file named "config.json" and a root filesystem.
                The root filesystem contains the contents of the container.

                To start a new instance of a container:

                    # hako-runtime run [ -b bundle ] <container-id>

                USAGE:
                   hako-runtime [global options] command [command options] [arguments...]

                VERSION:
                """);
        sb.append("   ").append(Main.versionText().replace("\n", "\n   ").stripTrailing()).append("\n\nCOMMANDS:\n");
        int w = "help, h".length();
        for (CommandSpec c : commands) w = Math.max(w, c.name().length());
        for (CommandSpec c : commands) sb.append("   ").append(pad(c.name(), w + 2)).append(c.summary()).append('\n');
        sb.append("   ").append(pad("help, h", w + 2)).append("Shows a list of commands or help for one command\n");
        sb.append("\nGLOBAL OPTIONS:\n").append(flagList(globals));
        return sb.toString();
    }

    private static String pad(String s, int w) { return s + " ".repeat(Math.max(0, w - s.length())); }
}
