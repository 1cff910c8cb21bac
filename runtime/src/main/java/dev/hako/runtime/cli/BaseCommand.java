package dev.hako.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** What every container subcommand shares: the global options (parent), its own parser, help flag. */
abstract class BaseCommand implements Callable<Integer> {
    @ParentCommand RuntimeCommand parent;

    @Spec CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, hidden = true)
    boolean help;

    CommandLine commandLine() { return spec.commandLine(); }

    void checkArgs(List<String> args, int count, UsageException.Kind kind) {
        UsageException.check(commandLine(), args, count, kind);
    }

    @Override
    public final Integer call() throws Exception {
        parent.validateGlobals();
        return execute();
    }

    abstract int execute() throws Exception;
}
