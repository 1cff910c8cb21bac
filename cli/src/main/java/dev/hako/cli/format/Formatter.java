package dev.hako.cli.format;

import java.util.List;
import java.util.Map;

/**
 * docker's --format handling for lists: "table ..." prints a header row and aligns columns,
 * "json" is {{json .}}, anything else is a Go template executed once per row.
 * As docker does, the two-character sequences \t and \n in the format become tab and newline.
 */
public final class Formatter {
    private Formatter() {}

    public static boolean isTable(String format) {
        return format.equals("table") || format.startsWith("table ");
    }

    /**
     * @param format  the user's --format (null or empty = {@code defaultTable})
     * @param headers field name → column header (e.g. "ID" → "IMAGE ID")
     * @param rows    one Map per row, keyed by field name
     */
    public static String render(String format, String defaultTable, Map<String, String> headers,
                                List<? extends Map<String, ?>> rows) {
        if (format == null || format.isBlank() || format.equals("table")) format = defaultTable;
        if (format.equals("json")) format = "{{json .}}";
        boolean table = isTable(format);
        String body = table ? format.substring("table".length()) : format;
        body = body.strip().replace("\\t", "\t").replace("\\n", "\n");
        GoTemplate t = GoTemplate.parse(body);
        StringBuilder out = new StringBuilder();
        if (table) out.append(t.execute(headers)).append('\n');
        for (Map<String, ?> row : rows) out.append(t.execute(row)).append('\n');
        return table ? new TabWriter().add(out.toString()).render() : out.toString();
    }

    /** A single object (inspect): the template runs once on it; a trailing newline is added. */
    public static String renderOne(String format, Object data) {
        if (format.equals("json")) format = "{{json .}}";
        String body = format.replace("\\t", "\t").replace("\\n", "\n");
        return GoTemplate.parse(body).execute(data) + "\n";
    }
}
