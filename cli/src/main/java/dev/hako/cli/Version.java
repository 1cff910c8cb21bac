package dev.hako.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code hako version}: docker's Client and Server sections (the server is the in-process engine). */
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
        // daemonless: the "server" is the engine library in this very process, and hako-runtime under it
        var engine = new java.util.LinkedHashMap<String, Object>();
        engine.put("Name", "Engine");
        engine.put("Version", version());
        engine.put("JavaVersion", Runtime.version().toString());
        engine.put("Os", client.get("Os"));
        engine.put("Arch", client.get("Arch"));
        engine.put("Experimental", false);
        var server = new java.util.LinkedHashMap<String, Object>();
        server.put("Platform", java.util.Map.of("Name", "hako Engine"));
        server.put("Version", version());
        server.put("Components", java.util.List.of(engine,
                java.util.Map.of("Name", "hako-runtime", "Version", version())));
        data.put("Server", server);
        if (format != null) {
            main.terminal.out().print(dev.hako.cli.format.Formatter.renderOne(format, data));
            return;
        }
        var out = main.terminal.out();
        out.println("Client:");
        out.println(" Version:           " + client.get("Version"));
        out.println(" Java version:      " + client.get("JavaVersion"));
        out.println(" OS/Arch:           " + client.get("Os") + "/" + client.get("Arch"));
        out.println(" Context:           default");
        out.println();
        out.println("Server: hako Engine");
        out.println(" Engine:");
        out.println("  Version:          " + engine.get("Version"));
        out.println("  Java version:     " + engine.get("JavaVersion"));
        out.println("  OS/Arch:          " + engine.get("Os") + "/" + engine.get("Arch"));
        out.println("  Experimental:     false");
        out.println(" hako-runtime:");
        out.println("  Version:          " + version());
        out.flush();
    }
}
