package dev.hako.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docker's {@code --help} on every command and subcommand ({@code hako network --help}, {@code hako volume ls
 * --help}): prints the usage on stdout and exits 0, without checking required arguments. {@code -h} too where the
 * command has no {@code -h} of its own (run and create use it for --hostname, as docker's do).
 */
final class HelpOptions {
    private HelpOptions() {}

    static void addEverywhere(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null) {
            String[] names = spec.findOption("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
            spec.addOption(OptionSpec.builder(names).usageHelp(true).description("Print usage").build());
        }
        // aliases map to the same CommandLine: findOption makes the second visit a no-op
        for (CommandLine sub : cl.getSubcommands().values()) addEverywhere(sub);
    }
}
