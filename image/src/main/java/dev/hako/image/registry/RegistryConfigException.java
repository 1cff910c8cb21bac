package dev.hako.image.registry;

/** registries.conf, certs.d or auth configuration that can't be used; the message names the file. */
public class RegistryConfigException extends RuntimeException {
    public RegistryConfigException(String message) { super(message); }
    public RegistryConfigException(String message, Throwable cause) { super(message, cause); }
}
