package dev.hako.runtime.cli;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

public final class SpecCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("spec", "create a new specification file",
            "[command options] [arguments...]",
            """
            The spec command creates the new specification file named "config.json" for
            the bundle. The spec generated is just a starter file (the same as runc's): its
            args run "sh" in a rootfs directory named "rootfs" next to it. Pass --rootless
            for a rootless container (a user namespace mapping the caller, no network
            namespace).""",
            List.of(Flag.string("bundle", "b", "path to the root of the bundle directory"),
                    Flag.bool("rootless", null, "generate a configuration for a rootless container")),
            true, SpecCommand::new);

    final Globals g;
    final String bundle;
    final boolean rootless;

    SpecCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.bundle = a.string("bundle");
        this.rootless = a.bool("rootless");
    }

    @Override
    public int execute() throws IOException {
        Path dir = bundle == null ? g.caller().cwd() : g.path(bundle);
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
