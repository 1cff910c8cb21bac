package dev.hako.runtime.seccomp;

import dev.hako.runtime.config.ConfigException;

/** An invalid linux.seccomp: the message starts with the field path, e.g. {@code linux.seccomp.syscalls[3].action}. */
public class SeccompException extends ConfigException {
    public SeccompException(String path, String problem) {
        super(path + ": " + problem);
    }
}
