package dev.hako.engine.inspect;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** docker's parsePSOutput and the CPU % formula, as pure logic. */
class TopParseTest {
    @Test
    void keepsTheContainersRowsAndTheCommandsSpaces() {
        String ps = """
                UID          PID    PPID  C STIME TTY          TIME CMD
                root           1       0  0 05:00 ?        00:00:01 /sbin/init splash
                root        4242    4241  0 05:01 ?        00:00:00 sleep 300  now
                root        4243    4242  0 05:01 ?        00:00:00 sh
                """;
        Top t = Top.parse(ps, List.of(4242L, 4243L));
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), t.titles());
        assertEquals(List.of(List.of("root", "4242", "4241", "0", "05:01", "?", "00:00:00", "sleep 300 now"),
                List.of("root", "4243", "4242", "0", "05:01", "?", "00:00:00", "sh")), t.processes());
        var e = assertThrows(EngineException.class, () -> Top.parse("COMMAND\nsh\n", List.of(1L)));
        assertEquals("Couldn't find PID field in ps output", e.getMessage());
    }

    @Test
    void cpuPercentIsContainerOverSystemTimesCpus() {
        Stats a = new Stats("id", "n", true, 1_000, 10_000, 2, 0, 0, 0, 0, 0, 0, 1);
        Stats b = new Stats("id", "n", true, 3_000, 20_000, 2, 0, 0, 0, 0, 0, 0, 1);
        assertEquals(40.0, Stats.cpuPercent(a, b), 1e-9); // 2000/10000 * 2 CPUs * 100
        assertEquals(0.0, Stats.cpuPercent(b, a), "no negative deltas");
        assertEquals(0.0, Stats.cpuPercent(a, Stats.stopped("id", "n")));
    }
}
