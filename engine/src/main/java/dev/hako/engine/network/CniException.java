package dev.hako.engine.network;

import dev.hako.engine.EngineException;

/** A CNI plugin failed, or could not be run; the message names the network and the plugin. */
public final class CniException extends EngineException {
    private final int code;

    public CniException(String message, int code, Throwable cause) {
        super(message, 125, cause);
        this.code = code;
    }

    /** The CNI error code (spec: 1 incompatible version ... 11 try again later; 100+ plugin-specific; 0: none). */
    public int cniCode() { return code; }
}
