package dev.hako.engine.logs;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.*;

/** `logs --since/--until` values, as docker's timetypes.GetTimestamp reads them. */
class LogTimeTest {
    static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");

    @Test
    void relativeDurations() {
        assertEquals(NOW.minusSeconds(600), LogTime.parse("10m", "since", NOW));
        assertEquals(NOW.minus(Duration.ofMinutes(90)), LogTime.parse("1h30m", "since", NOW));
        assertEquals(NOW.minusMillis(1500), LogTime.parse("1.5s", "since", NOW));
    }

    @Test
    void absoluteTimes() {
        assertEquals(Instant.parse("2026-01-02T15:04:05Z"), LogTime.parse("2026-01-02T15:04:05Z", "since", NOW));
        assertEquals(Instant.parse("2026-01-02T15:04:05.123456789Z"), LogTime.parse("2026-01-02T15:04:05.123456789Z", "since", NOW));
        assertEquals(Instant.parse("2026-01-02T13:04:05Z"), LogTime.parse("2026-01-02T15:04:05+02:00", "since", NOW));
        assertEquals(LocalDate.parse("2026-01-02").atStartOfDay(ZoneId.systemDefault()).toInstant(), LogTime.parse("2026-01-02", "since", NOW));
        assertEquals(Instant.ofEpochSecond(1700000000, 500_000_000), LogTime.parse("1700000000.5", "until", NOW));
        assertEquals(Instant.ofEpochSecond(0), LogTime.parse("0", "until", NOW));
    }

    @Test
    void refusesWithDockersMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> LogTime.parse("yesterday", "since", NOW));
        assertEquals("invalid value for \"since\": failed to parse value as time or duration: \"yesterday\"", e.getMessage());
    }
}
