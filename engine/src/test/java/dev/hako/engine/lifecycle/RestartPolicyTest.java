package dev.hako.engine.lifecycle;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** docker's parsing and validation of --restart and the json-file log options. */
class RestartPolicyTest {
    @Test
    void parsesDockersForms() {
        assertEquals(RestartPolicy.NO, RestartPolicy.parse(null));
        assertEquals(new RestartPolicy("no", 0), RestartPolicy.parse("no"));
        assertEquals(new RestartPolicy("always", 0), RestartPolicy.parse("always"));
        assertEquals(new RestartPolicy("unless-stopped", 0), RestartPolicy.parse("unless-stopped"));
        assertEquals(new RestartPolicy("on-failure", 0), RestartPolicy.parse("on-failure"));
        assertEquals(new RestartPolicy("on-failure", 5), RestartPolicy.parse("on-failure:5"));
    }

    @Test
    void refusesWithDockersMessages() {
        assertEquals("invalid restart policy format: no policy provided before colon", message(":3"));
        assertEquals("invalid restart policy format: maximum retry count must be an integer", message("on-failure:x"));
        assertEquals("invalid restart policy: maximum retry count can only be used with 'on-failure'", message("always:3"));
        assertEquals("invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative", message("no:-1"));
        assertEquals("invalid restart policy: maximum retry count cannot be negative", message("on-failure:-2"));
        assertTrue(message("maybe").startsWith("invalid restart policy: unknown policy 'maybe'"));
    }

    private static String message(String policy) {
        var e = assertThrows(EngineException.class, () -> RestartPolicy.parse(policy));
        assertEquals(125, e.exitCode());
        return e.getMessage();
    }

    @Test
    void logOptions() {
        assertEquals(LogConfig.DEFAULT, LogConfig.of(null, Map.of()));
        assertEquals(new LogConfig("json-file", 10_000_000, 3), LogConfig.of("json-file", Map.of("max-size", "10m", "max-file", "3")));
        assertEquals(1_500, LogConfig.humanSize("1.5kb"));
        assertEquals("logger: no log driver named 'syslog' is registered",
                assertThrows(EngineException.class, () -> LogConfig.of("syslog", Map.of())).getMessage());
        assertEquals("unknown log opt 'compress' for json-file log driver",
                assertThrows(EngineException.class, () -> LogConfig.of(null, Map.of("compress", "true"))).getMessage());
        assertEquals("max-size must be a positive number",
                assertThrows(EngineException.class, () -> LogConfig.of(null, Map.of("max-size", "0"))).getMessage());
        assertEquals("invalid size: 'ten'",
                assertThrows(EngineException.class, () -> LogConfig.of(null, Map.of("max-size", "ten"))).getMessage());
    }
}
