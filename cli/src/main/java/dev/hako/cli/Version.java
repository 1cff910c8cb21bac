package dev.hako.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code hako version}: client facts in docker's layout. */
@Command(name = "version", description = "Show the hako version information")
final class Version implements Runnable {
    @ParentCommand Main main;

    @Option(names = {"-f", "--format"}, description = "Format output using a Go template")
    String format;

    static String version() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    @Override
    public void run() {
        var data = new java.util.LinkedHashMap<String, Object>();
        var client = new java.util.LinkedHashMap<String, Object>();
        client.put("Version", version());
        client.put("ApiVersion", "");
        client.put("JavaVersion", Runtime.version().toString());
        client.put("Os", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT));
        client.put("Arch", dev.hako.oci.image.Platform.host().architecture());
        data.put("Client", client);
        if (format != null) {
            main.terminal.out().print(dev.hako.cli.format.Formatter.renderOne(format, data));
            return;
        }
        var out = main.terminal.out();
        out.println("Client:");
        out.println(" Version:           " + client.get("Version"));
        out.println(" Java version:      " + client.get("JavaVersion"));
        out.println(" OS/Arch:           " + client.get("Os") + "/" + client.get("Arch"));
        out.flush();
    }
}
