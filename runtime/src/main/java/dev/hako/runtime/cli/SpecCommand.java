package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "spec", headerHeading = "NAME:%n", header = "   hako-runtime spec - create a new specification file",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime spec [command options] [arguments...]",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {
                "   The spec command creates the new specification file named \"config.json\" for",
                "the bundle. The spec generated is just a starter file (the same as runc's): its args",
                "run \"sh\" in a rootfs directory named \"rootfs\" next to it. Pass --rootless to get a",
                "spec for a rootless container (user namespace mapping the caller, no network namespace)."},
        optionListHeading = "%nOPTIONS:%n")
public final class SpecCommand implements Callable<Integer> {
    @ParentCommand RuntimeCommand parent;

    @Option(names = {"--bundle", "-b"}, paramLabel = "value", description = "path to the root of the bundle directory")
    String bundle;

    @Option(names = "--rootless", description = "generate a configuration for a rootless container")
    boolean rootless;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show help")
    boolean help;

    @Parameters(hidden = true)
    List<String> args;

    @Override
    public Integer call() throws IOException {
        parent.validateGlobals();
        Path dir = bundle == null ? Path.of("").toAbsolutePath() : Path.of(bundle).toAbsolutePath();
        if (!Files.isDirectory(dir)) throw new CliException("chdir " + bundle + ": no such file or directory");
        long uid = 0, gid = 0;
        if (rootless) {
            uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
            gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
        }
        Path config = dir.resolve("config.json");
        try {
            Files.write(config, DefaultSpec.json(rootless, uid, gid).getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new CliException("File config.json exists. Remove it first");
        } catch (NoSuchFileException e) {
            throw new CliException("open " + config + ": no such file or directory");
        }
        return 0;
    }
}
