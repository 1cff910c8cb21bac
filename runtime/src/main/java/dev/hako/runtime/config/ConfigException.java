package dev.hako.runtime.config;

import java.util.List;

/** An invalid config.json: every problem names the field path and what is wrong with it. */
public class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String problem) {
        super(problem);
        this.problems = List.of(problem);
    }

    public ConfigException(List<String> problems) {
        super(problems.size() == 1 ? problems.getFirst()
                : "invalid config: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
