package dev.hako.cli;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.GoJson;
import dev.hako.cli.format.GoTemplate;
import dev.hako.cli.format.Units;
import dev.hako.cli.progress.ProgressPrinter;
import dev.hako.image.store.ArchiveFormat;
import dev.hako.image.store.HistoryEntry;
import dev.hako.image.store.ImageException;
import dev.hako.image.store.ImageNames;
import dev.hako.image.store.ImageRecord;
import dev.hako.image.store.ImageService;
import dev.hako.image.store.ProgressListener;
import dev.hako.image.store.PullResult;
import dev.hako.image.store.PushResult;
import dev.hako.image.store.Removal;
import dev.hako.oci.Json;
import dev.hako.oci.image.Platform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** The image commands: pull, push, images, inspect, tag, rmi, history, save, load, import, image …. */
final class ImageCommands {
    private ImageCommands() {}

    /** Shared access to the root command's context. */
    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;

        Main main() { return (Main) spec.root().userObject(); }

        PrintStream out() { return main().terminal.out(); }

        PrintStream err() { return main().terminal.err(); }

        ImageService images() { return main().images(); }

        ProgressListener progress(boolean quiet) {
            if (quiet) return ProgressListener.NONE;
            Main.Terminal t = main().terminal;
            return new ProgressPrinter(t.out(), t.outIsTty(), t.width());
        }

        /** Runs {@code each} for every argument; errors are printed as docker does and make the exit code 1. */
        int forEach(List<String> args, java.util.function.Consumer<String> each) {
            int code = 0;
            for (String a : args) {
                try {
                    each.accept(a);
                } catch (RuntimeException e) {
                    err().println("Error: " + e.getMessage());
                    if (main().debug) e.printStackTrace(err());
                    code = 1;
                }
            }
            out().flush();
            return code;
        }
    }

    @Command(name = "image", description = "Manage images",
            subcommands = {ImageLs.class, Pull.class, Push.class, Inspect.class, Tag.class, ImageRm.class,
                    Prune.class, History.class, Save.class, Load.class, Import.class})
    static final class ImageGroup implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() { spec.commandLine().usage(((Main) spec.root().userObject()).terminal.out()); }
    }

    @Command(name = "pull", description = "Download an image from a registry")
    static final class Pull extends Base {
        @Parameters(paramLabel = "NAME[:TAG|@DIGEST]") String name;
        @Option(names = {"-q", "--quiet"}, description = "Suppress verbose output") boolean quiet;
        @Option(names = "--platform", description = "Set platform if server is multi-platform capable") String platform;
        @Option(names = {"-a", "--all-tags"}, description = "Download all tagged images in the repository") boolean allTags;
        @Option(names = "--tls-verify", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Require HTTPS and verify certificates (podman's flag)") boolean tlsVerify;

        @Override
        public Integer call() {
            Platform p = platform == null ? null : Platform.parse(platform);
            List<PullResult> results = allTags
                    ? images().pullAllTags(name, p, progress(quiet))
                    : List.of(images().pull(name, p, progress(quiet), tlsVerify));
            for (PullResult r : results) {
                if (!quiet) {
                    out().println("Digest: " + r.digest());
                    String familiar = ImageNames.familiar(r.reference());
                    out().println(r.updated() ? "Status: Downloaded newer image for " + familiar
                            : "Status: Image is up to date for " + familiar);
                }
                out().println(r.reference());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "push", description = "Upload an image to a registry")
    static final class Push extends Base {
        @Parameters(paramLabel = "NAME[:TAG]") String name;
        @Option(names = {"-q", "--quiet"}, description = "Suppress verbose output") boolean quiet;
        @Option(names = {"-a", "--all-tags"}, description = "Push all tags of the repository") boolean allTags;
        @Option(names = "--tls-verify", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Require HTTPS and verify certificates (podman's flag)") boolean tlsVerify;

        @Override
        public Integer call() {
            List<PushResult> results = allTags ? images().pushAllTags(name, progress(quiet))
                    : List.of(images().push(name, progress(quiet), tlsVerify));
            for (PushResult r : results) {
                if (quiet) out().println(r.reference());
                else out().println(r.tag() + ": digest: " + r.digest() + " size: " + r.size());
            }
            out().flush();
            return 0;
        }
    }

    static final Map<String, String> IMAGE_HEADERS = Map.ofEntries(
            Map.entry("Repository", "REPOSITORY"), Map.entry("Tag", "TAG"), Map.entry("ID", "IMAGE ID"),
            Map.entry("Digest", "DIGEST"), Map.entry("CreatedSince", "CREATED"), Map.entry("CreatedAt", "CREATED AT"),
            Map.entry("Size", "SIZE"), Map.entry("VirtualSize", "VIRTUAL SIZE"), Map.entry("SharedSize", "SHARED SIZE"),
            Map.entry("UniqueSize", "UNIQUE SIZE"), Map.entry("Containers", "CONTAINERS"));

    static final DateTimeFormatter DOCKER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** `hako image ls` (and list): the same as `hako images`. */
    @Command(name = "ls", aliases = "list", description = "List images")
    static final class ImageLs extends Images {}

    /** `hako image rm` (and remove): the same as `hako rmi`; top-level `rm` is for containers. */
    @Command(name = "rm", aliases = "remove", description = "Remove one or more images")
    static final class ImageRm extends Rmi {}

    @Command(name = "images", description = "List images")
    static class Images extends Base {
        @Parameters(arity = "0..1", paramLabel = "REPOSITORY[:TAG]") String filterName;
        @Option(names = {"-a", "--all"}, description = "Show all images (default hides intermediate images)") boolean all;
        @Option(names = {"-q", "--quiet"}, description = "Only show image IDs") boolean quiet;
        @Option(names = "--digests", description = "Show digests") boolean digests;
        @Option(names = "--no-trunc", description = "Don't truncate output") boolean noTrunc;
        @Option(names = "--format", description = "Format output using a Go template") String format;
        @Option(names = {"-f", "--filter"}, description = "Filter output (dangling=true|false, reference=PATTERN, "
                + "label=KEY[=VALUE], before=IMAGE, since=IMAGE)")
        List<String> filters = new ArrayList<>();

        @Override
        public Integer call() {
            Boolean dangling = null;
            List<Pattern> references = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            Instant before = null, since = null;
            for (String f : filters) {
                int eq = f.indexOf('=');
                if (eq < 0) throw new ImageException("bad format of filter (expected name=value)");
                String k = f.substring(0, eq), v = f.substring(eq + 1);
                switch (k) {
                    case "dangling" -> {
                        if (!v.equals("true") && !v.equals("false") && !v.equals("1") && !v.equals("0"))
                            throw new ImageException("Invalid filter 'dangling=" + v + "'");
                        dangling = v.equals("true") || v.equals("1");
                    }
                    case "reference" -> references.add(glob(v));
                    case "label" -> labels.add(v);
                    case "before" -> before = createdOf(v);
                    case "since" -> since = createdOf(v);
                    default -> throw new ImageException("invalid filter '" + k + "'");
                }
            }
            if (filterName != null) references.add(glob(filterName));
            Instant now = Instant.now();
            List<ImageRecord> list = new ArrayList<>(images().list());
            list.sort(Comparator.comparing((ImageRecord r) -> r.created() == null ? "" : r.created()).reversed());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ImageRecord r : list) {
                if (dangling != null && r.dangling() != dangling) continue;
                Instant created = r.createdInstant();
                if (before != null && (created == null || !created.isBefore(before))) continue;
                if (since != null && (created == null || !created.isAfter(since))) continue;
                if (!labels.isEmpty() && !hasLabels(r, labels)) continue;
                for (Map<String, Object> row : rows(r, now)) {
                    if (!references.isEmpty()) {
                        String repo = (String) row.get("Repository"), tag = (String) row.get("Tag");
                        boolean hit = references.stream().anyMatch(p -> p.matcher(repo).matches()
                                || p.matcher(repo + ":" + tag).matches());
                        if (!hit) continue;
                    }
                    rows.add(row);
                }
            }
            if (quiet) {
                for (Map<String, Object> row : rows) out().println(row.get("ID"));
                out().flush();
                return 0;
            }
            String def = digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
            out().print(Formatter.render(format, def, IMAGE_HEADERS, rows));
            out().flush();
            return 0;
        }

        /** before=/since= name an image; docker compares creation times. */
        private Instant createdOf(String ref) {
            Instant t = images().resolve(ref).createdInstant();
            if (t == null) throw new ImageException("image " + ref + " has no creation time to compare with");
            return t;
        }

        /** label=KEY matches any value; label=KEY=VALUE that value. All must match, as docker. */
        private boolean hasLabels(ImageRecord r, List<String> wanted) {
            var config = images().config(r).config();
            Map<String, String> have = config == null || config.labels() == null ? Map.of() : config.labels();
            for (String w : wanted) {
                int eq = w.indexOf('=');
                if (eq < 0 ? !have.containsKey(w) : !w.substring(eq + 1).equals(have.get(w.substring(0, eq)))) return false;
            }
            return true;
        }

        private List<Map<String, Object>> rows(ImageRecord r, Instant now) {
            List<Map<String, Object>> out = new ArrayList<>();
            List<String[]> names = new ArrayList<>();   // repository, tag, digest
            for (String t : r.repoTags()) {
                String repo = ImageNames.familiarRepository(t);
                names.add(new String[]{repo, ImageNames.tag(t), digestFor(r, repo)});
            }
            for (String d : r.repoDigests()) {
                String repo = ImageNames.familiarRepository(d);
                if (names.stream().noneMatch(n -> n[0].equals(repo))) names.add(new String[]{repo, "<none>", d.substring(d.indexOf('@') + 1)});
            }
            if (names.isEmpty()) names.add(new String[]{"<none>", "<none>", "<none>"});
            Instant created = r.createdInstant();
            String size = Units.humanSize(r.size(), 3);
            for (String[] n : names) {
                Map<String, Object> row = new LinkedHashMap<>();   // keys sorted, as Go's json of the row
                row.put("Containers", "N/A");
                row.put("CreatedAt", created == null ? "" : DOCKER_TIME.format(created));
                row.put("CreatedSince", created == null ? "N/A" : Units.ago(created, now));
                row.put("Digest", n[2]);
                row.put("ID", noTrunc ? r.id().toString() : r.id().shortHex());
                row.put("Repository", n[0]);
                row.put("SharedSize", "N/A");
                row.put("Size", size);
                row.put("Tag", n[1]);
                row.put("UniqueSize", "N/A");
                row.put("VirtualSize", size);
                out.add(row);
            }
            return out;
        }

        private static String digestFor(ImageRecord r, String familiarRepo) {
            for (String d : r.repoDigests()) {
                if (ImageNames.familiarRepository(d).equals(familiarRepo)) return d.substring(d.indexOf('@') + 1);
            }
            return "<none>";
        }

        /** path.Match-style glob (* within a path segment, ?) on familiar names. */
        static Pattern glob(String g) {
            StringBuilder re = new StringBuilder();
            for (char c : g.toCharArray()) {
                switch (c) {
                    case '*' -> re.append("[^/]*");
                    case '?' -> re.append("[^/]");
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString());
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more images")
    static final class Inspect extends Base {
        @Parameters(arity = "1..*", paramLabel = "IMAGE") List<String> names;
        @Option(names = {"-f", "--format"}, description = "Format output using a Go template") String format;
        @Option(names = "--type", description = "Only image is supported here") String type;

        @Override
        public Integer call() {
            if (type != null && !type.equals("image")) throw new ImageException("unsupported --type " + type + " (only image)");
            List<Object> found = new ArrayList<>();
            int code = 0;
            List<String> errors = new ArrayList<>();
            for (String n : names) {
                try {
                    found.add(images().inspect(n));
                } catch (RuntimeException e) {
                    errors.add(e.getMessage());
                    code = 1;
                }
            }
            if (format != null) {
                for (Object o : found) out().print(Formatter.renderOne(format, GoTemplate.dataOf(o, Json.mapper())));
            } else {
                out().println(GoJson.indent(found));
            }
            out().flush();
            for (String e : errors) err().println("Error: " + e);
            return code;
        }
    }

    @Command(name = "tag", description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
    static final class Tag extends Base {
        @Parameters(index = "0", paramLabel = "SOURCE_IMAGE[:TAG]") String source;
        @Parameters(index = "1", paramLabel = "TARGET_IMAGE[:TAG]") String target;

        @Override
        public Integer call() {
            images().tag(source, target);
            return 0;
        }
    }

    @Command(name = "rmi", description = "Remove one or more images")
    static class Rmi extends Base {
        @Parameters(arity = "1..*", paramLabel = "IMAGE") List<String> names;
        @Option(names = {"-f", "--force"}, description = "Force removal of the image") boolean force;
        @Option(names = "--no-prune", description = "Do not delete untagged parents") boolean noPrune;

        @Override
        public Integer call() {
            return forEach(names, n -> {
                Removal r = images().remove(n, force);
                for (String u : r.untagged()) out().println("Untagged: " + u);
                for (String d : r.deleted()) out().println("Deleted: " + d);
            });
        }
    }

    @Command(name = "prune", description = "Remove unused images")
    static final class Prune extends Base {
        @Option(names = {"-a", "--all"}, description = "Remove all unused images, not just dangling ones") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation") boolean force;

        @Override
        public Integer call() {
            if (!force) {
                out().print(all ? "WARNING! This will remove all images without at least one container associated to them.\n"
                        : "WARNING! This will remove all dangling images.\n");
                out().print("Are you sure you want to continue? [y/N] ");
                out().flush();
                String answer = readLine(main().terminal.in());
                if (!answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) return 0;
            }
            Removal r = images().prune(all);
            if (!r.untagged().isEmpty() || !r.deleted().isEmpty()) {
                out().println("Deleted Images:");
                for (String u : r.untagged()) out().println("untagged: " + u);
                for (String d : r.deleted()) out().println("deleted: " + d);
                out().println();
            }
            out().println("Total reclaimed space: " + Units.humanSize(r.reclaimed(), 3));
            out().flush();
            return 0;
        }
    }

    static String readLine(InputStream in) {
        try {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) b.append((char) c);
            return b.toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Command(name = "history", description = "Show the history of an image")
    static final class History extends Base {
        @Parameters(paramLabel = "IMAGE") String name;
        @Option(names = "--no-trunc", description = "Don't truncate output") boolean noTrunc;
        @Option(names = {"-q", "--quiet"}, description = "Only show image IDs") boolean quiet;
        @Option(names = {"-H", "--human"}, arity = "1", defaultValue = "true",
                description = "Print sizes and dates in human readable format") boolean human;
        @Option(names = "--format", description = "Format output using a Go template") String format;

        @Override
        public Integer call() {
            List<HistoryEntry> entries = images().history(name);
            Instant now = Instant.now();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (HistoryEntry h : entries) {
                Map<String, Object> row = new LinkedHashMap<>();
                String id = h.id();
                if (!noTrunc && id.startsWith("sha256:")) id = id.substring(7, 19);
                row.put("Comment", h.comment() == null ? "" : h.comment());
                Instant created = parse(h.created());
                row.put("CreatedAt", created == null ? "" : human ? DOCKER_TIME.format(created) : created.toString());
                row.put("CreatedBy", noTrunc ? h.createdBy() : Units.ellipsis(h.createdBy().replace('\t', ' '), 45));
                row.put("CreatedSince", created == null ? "N/A" : human ? Units.ago(created, now) : created.toString());
                row.put("ID", id);
                row.put("Size", human ? Units.humanSize(h.size(), 3) : String.valueOf(h.size()));
                rows.add(row);
            }
            if (quiet) {
                for (Map<String, Object> r : rows) out().println(r.get("ID"));
            } else {
                Map<String, String> headers = Map.of("ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
                        "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
                out().print(Formatter.render(format,
                        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", headers, rows));
            }
            out().flush();
            return 0;
        }

        private static Instant parse(String s) {
            try { return s == null ? null : Instant.parse(s); } catch (RuntimeException e) { return null; }
        }
    }

    @Command(name = "save", description = "Save one or more images to a tar archive (streamed to STDOUT by default)")
    static final class Save extends Base {
        @Parameters(arity = "1..*", paramLabel = "IMAGE") List<String> names;
        @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT") Path output;
        @Option(names = "--format", defaultValue = "docker-archive",
                description = "docker-archive (default) or oci-archive") String format;

        @Override
        public Integer call() throws IOException {
            ArchiveFormat f = ArchiveFormat.parse(format);
            if (output == null) {
                if (main().terminal.outIsTty())
                    throw new ImageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
                OutputStream os = new BufferedOutputStream(main().terminal.out(), 1 << 16);
                images().save(names, f, os);
                os.flush();
                return 0;
            }
            // docker's mode (its temp file's), under the caller's umask
            CallerFiles.replace(main().terminal.host(), output, CallerFiles.ARCHIVE_MODE, os -> images().save(names, f, os));
            return 0;
        }
    }

    @Command(name = "load", description = "Load an image from a tar archive or STDIN")
    static final class Load extends Base {
        @Option(names = {"-i", "--input"}, description = "Read from tar archive file, instead of STDIN") Path input;
        @Option(names = {"-q", "--quiet"}, description = "Suppress the load output") boolean quiet;

        @Override
        public Integer call() throws IOException {
            List<String> loaded;
            if (input != null) {
                loaded = images().load(input, progress(true));
            } else {
                Path tmp = Files.createTempFile("hako-load-", ".tar");
                try {
                    try (InputStream in = main().terminal.in()) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    if (Files.size(tmp) == 0) throw new ImageException("requested load from stdin, but stdin is empty");
                    loaded = images().load(tmp, progress(true));
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            for (String l : loaded) out().println(l);
            out().flush();
            return 0;
        }
    }

    @Command(name = "import", description = "Import the contents from a tarball to create a filesystem image")
    static final class Import extends Base {
        @Parameters(index = "0", paramLabel = "file|-") String file;
        @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]") String reference;
        @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image")
        List<String> changes = new ArrayList<>();
        @Option(names = {"-m", "--message"}, description = "Set commit message for imported image") String message;
        @Option(names = "--platform", description = "Set platform if server is multi-platform capable") String platform;

        @Override
        public Integer call() throws IOException {
            Platform p = platform == null ? Platform.host() : Platform.parse(platform);
            ImageRecord r;
            if (file.equals("-")) {
                r = images().importImage(main().terminal.in(), reference, changes, message, p);
            } else {
                try (InputStream in = Files.newInputStream(main().terminal.host().path(file))) {
                    r = images().importImage(in, reference, changes, message, p);
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new ImageException("open " + file + ": no such file or directory");
                }
            }
            out().println(r.id());
            out().flush();
            return 0;
        }
    }

    static UncheckedIOException unchecked(IOException e) { return new UncheckedIOException(e.getMessage(), e); }
}
