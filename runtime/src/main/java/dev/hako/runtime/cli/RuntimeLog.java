package dev.hako.runtime.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The runtime's log, in the line shapes of runc's logrus output, because podman, conmon and containerd read
 * it: text {@code time="2006-01-02T15:04:05Z" level=error msg="..."} or json
 * {@code {"level":"error","msg":"...","time":"..."}}. Without --log the lines go to stderr; with --log they
 * go to the file and errors are also printed plainly to stderr, as runc does.
 */
public final class RuntimeLog implements AutoCloseable {
    public enum Format { TEXT, JSON }

    private final Format format;
    private final boolean debug;
    private final String path;       // null: stderr
    private final PrintStream stderr;
    private OutputStream file;       // opened on first write

    public RuntimeLog(String path, Format format, boolean debug, PrintStream stderr) {
        this.path = path == null || path.isEmpty() || path.equals("/dev/stderr") ? null : path;
        this.format = format;
        this.debug = debug;
        this.stderr = stderr;
    }

    /** The log of a run before the global options are parsed: text on stderr. */
    public static RuntimeLog stderrText(PrintStream stderr) {
        return new RuntimeLog(null, Format.TEXT, false, stderr);
    }

    public static Format parseFormat(String s) {
        return switch (s) {
            case "text" -> Format.TEXT;
            case "json" -> Format.JSON;
            default -> throw new IllegalArgumentException("invalid log-format: " + s);
        };
    }

    public boolean debugEnabled() { return debug; }
    public boolean toFile() { return path != null; }

    public void debug(String msg) { if (debug) write("debug", msg); }
    public void info(String msg) { write("info", msg); }
    public void warn(String msg) { write("warning", msg); }

    /** Logs an error; with a log file the bare message also goes to stderr (runc's fatal()). */
    public void error(String msg) {
        write("error", msg);
        if (path != null) {
            stderr.println(msg);
            stderr.flush();
        }
    }

    /** One formatted line, without the trailing newline (exposed for tests). */
    public String line(String level, String msg, OffsetDateTime when) {
        String time = when.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        if (format == Format.JSON) {
            // logrus' JSONFormatter sorts the keys: level, msg, time
            return "{\"level\":" + JsonText.quote(level) + ",\"msg\":" + JsonText.quote(msg)
                    + ",\"time\":" + JsonText.quote(time) + "}";
        }
        return "time=" + textValue(time) + " level=" + textValue(level) + " msg=" + textValue(msg);
    }

    private synchronized void write(String level, String msg) {
        byte[] bytes = (line(level, msg, OffsetDateTime.now()) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (path == null) {
                stderr.write(bytes);
                stderr.flush();
            } else {
                if (file == null) file = new FileOutputStream(path, true);
                file.write(bytes);
                file.flush();
            }
        } catch (IOException e) {
            stderr.println("hako-runtime: cannot write log " + path + ": " + e.getMessage());
            stderr.println(msg);
        }
    }

    /** logrus' TextFormatter: bare when every char is [A-Za-z0-9-._/@^+], else a Go-quoted string. */
    static String textValue(String v) {
        boolean bare = !v.isEmpty();
        for (int i = 0; i < v.length() && bare; i++) {
            char c = v.charAt(i);
            bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
        }
        if (bare) return v;
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public synchronized void close() {
        if (file != null) {
            try { file.close(); } catch (IOException ignored) { }
            file = null;
        }
    }
}
