package dev.hako.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** docker's --help on every command: the usage on stdout, exit 0, nothing checked or done. */
class HelpCliTest {
    @TempDir Path root;

    @Test
    void groupsAndCommandsPrintTheirUsage() throws Exception {
        Cli cli = new Cli(root);
        var r = cli.run("network", "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: hako network ").contains("create", "connect");
        assertThat(r.err()).isEmpty();

        r = cli.run("volume", "ls", "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: hako volume ls ").contains("--filter");

        // run's required IMAGE is not asked for, and nothing is created
        r = cli.run("run", "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: hako run ").contains("--attach", "--detach");
        assertThat(r.err()).isEmpty();
        r = cli.run("create", "--help", "--name", "hako-help-test");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.exists(root.resolve("containers")) ? cli.run("ps", "-a", "-q").out() : "").isEmpty();

        // -h is help where the command has no -h of its own; run's -h stays --hostname, as docker's
        r = cli.run("ps", "-h");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: hako ps ");
        r = cli.run("run", "-h");
        assertThat(r.code()).as(r.toString()).isEqualTo(125);
        assertThat(r.err()).contains("--hostname");
    }

    @Test
    void everyCommandTakesHelp() {
        Cli cli = new Cli(root);
        Set<List<String>> paths = new LinkedHashSet<>();
        collect(Main.commandLine(new Main(null)), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(40);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            var r = cli.run(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", args) + ": " + r).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: hako " + String.join(" ", path) + " ");
        }
    }

    /** Only the command the arguments name is modelled; help, errors and anything unclear get them all. */
    @Test
    void theNamedCommandIsFoundAfterMainsOptions() {
        assertThat(Main.namedCommand(new String[] {"--root", "/x", "-D", "--runroot=/y", "images", "-q"}))
                .isEqualTo(ImageCommands.Images.class);
        assertThat(Main.namedCommand(new String[] {"-l", "debug", "ps"}))
                .isEqualTo(dev.hako.cli.container.ContainerCommands.Ps.class);
        assertThat(Main.namedCommand(new String[] {"image", "ls"})).isEqualTo(ImageCommands.ImageGroup.class);
        for (String[] unclear : new String[][] {{}, {"--help"}, {"help", "run"}, {"imagez"}, {"--bogus", "ps"}, {"--root"}})
            assertThat(Main.namedCommand(unclear)).as(String.join(" ", unclear)).isNull();
        // run's own parser settings survive being added alone or with the others: `run IMG sh -c x` keeps -c for sh
        for (String[] args : new String[][] {{"run", "img", "sh", "-c", "x"}, {}}) {
            var cl = Main.commandLine(new Main(null), args);
            assertThat(cl.getSubcommands().get("run").getCommandSpec().parser().stopAtPositional()).isTrue();
        }
        assertThat(Main.commandLine(new Main(null)).getSubcommands().get("container").getSubcommands().get("run")
                .getCommandSpec().parser().stopAtPositional()).isTrue();
        var r = new Cli(root).run("imagez");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("imagez");
        r = new Cli(root).run("help", "pull");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Usage: hako pull");
    }

    /** Every command path by its own name (aliases lead to the same command). */
    private static void collect(CommandLine cl, List<String> path, Set<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getKey().equals(e.getValue().getCommandName())) continue;
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            out.add(p);
            collect(e.getValue(), p, out);
        }
    }
}
