package dev.hako.cli.container;

import dev.hako.engine.ContainerView;
import dev.hako.engine.EngineException;
import dev.hako.engine.container.ContainerRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * docker ps --filter KEY=VALUE: label=KEY[=VALUE], name=, id=, status=, ancestor=. Values of one key are OR-ed
 * (label: AND-ed), keys are AND-ed, as docker does.
 */
final class PsFilter implements Predicate<ContainerView> {
    private static final List<String> STATUSES = List.of("created", "restarting", "running", "removing", "paused", "exited", "dead");
    private final Map<String, List<String>> byKey = new LinkedHashMap<>();

    PsFilter(List<String> filters) {
        for (String f : filters == null ? List.<String>of() : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) throw new EngineException("invalid argument \"" + f + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)", 125, null);
            String key = f.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
            String value = f.substring(eq + 1);
            switch (key) {
                case "label", "name", "id", "ancestor" -> { }
                case "status" -> {
                    if (!STATUSES.contains(value))
                        throw new EngineException("invalid filter 'status=" + value + "'", 125, null);
                }
                default -> throw new EngineException("invalid filter '" + key + "'", 125, null);
            }
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
    }

    /** docker: a status filter lists stopped containers too, as -a does. */
    boolean impliesAll() { return byKey.containsKey("status"); }

    @Override
    public boolean test(ContainerView v) {
        ContainerRecord r = v.record();
        for (var e : byKey.entrySet()) {
            List<String> values = e.getValue();
            boolean ok = switch (e.getKey()) {
                case "label" -> values.stream().allMatch(l -> label(r.labels(), l));
                case "name" -> values.stream().anyMatch(n -> java.util.regex.Pattern.compile(n).matcher(r.name()).find());
                case "id" -> values.stream().anyMatch(r.id()::startsWith);
                case "status" -> values.contains(v.status().state());
                case "ancestor" -> values.stream().anyMatch(a -> a.equals(r.image()) || r.imageId().startsWith(a)
                        || r.imageId().startsWith("sha256:" + a) || (a + ":latest").equals(r.image()));
                default -> true;
            };
            if (!ok) return false;
        }
        return true;
    }

    private static boolean label(Map<String, String> labels, String filter) {
        int eq = filter.indexOf('=');
        if (eq < 0) return labels.containsKey(filter);
        return filter.substring(eq + 1).equals(labels.get(filter.substring(0, eq)));
    }
}
