package dev.hako.engine.logs;

/** One record of docker's json-file log: {"log":"line\n","stream":"stdout","time":"RFC3339Nano"}. */
public record LogEntry(String log, String stream, String time) {
    public boolean stderr() { return "stderr".equals(stream); }
}
