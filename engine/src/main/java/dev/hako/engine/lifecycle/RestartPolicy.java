package dev.hako.engine.lifecycle;

import dev.hako.engine.EngineException;

/**
 * docker's restart policy ({@code --restart no|on-failure[:N]|always|unless-stopped}). With no daemon there is no
 * daemon restart, so always and unless-stopped behave alike: both end when the user stops the container.
 *
 * @param name       no, on-failure, always, unless-stopped
 * @param maxRetries on-failure's N (0: no limit)
 */
public record RestartPolicy(String name, int maxRetries) {
    public static final RestartPolicy NO = new RestartPolicy("no", 0);

    /** Parses and validates with docker's messages (the CLI's, then the daemon's). */
    public static RestartPolicy parse(String text) {
        if (text == null || text.isEmpty()) return NO;
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        String count = colon < 0 ? "" : text.substring(colon + 1);
        if (colon >= 0 && name.isEmpty()) throw invalid("invalid restart policy format: no policy provided before colon");
        int max = 0;
        if (!count.isEmpty()) {
            try {
                max = Integer.parseInt(count);
            } catch (NumberFormatException e) {
                throw invalid("invalid restart policy format: maximum retry count must be an integer");
            }
        }
        return new RestartPolicy(name, max).validate();
    }

    public RestartPolicy validate() {
        switch (name) {
            case "no", "always", "unless-stopped" -> {
                if (maxRetries != 0)
                    throw invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'"
                            + (maxRetries < 0 ? " and cannot be negative" : ""));
            }
            case "on-failure" -> {
                if (maxRetries < 0) throw invalid("invalid restart policy: maximum retry count cannot be negative");
            }
            default -> throw invalid("invalid restart policy: unknown policy '" + name
                    + "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        return this;
    }

    public boolean none() { return name.equals("no"); }

    private static EngineException invalid(String message) { return new EngineException(message, 125, null); }
}
