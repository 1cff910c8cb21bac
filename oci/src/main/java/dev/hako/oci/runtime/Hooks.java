package dev.hako.oci.runtime;

import java.util.List;

public record Hooks(
        List<Hook> prestart,
        List<Hook> createRuntime,
        List<Hook> createContainer,
        List<Hook> startContainer,
        List<Hook> poststart,
        List<Hook> poststop) {

    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}
}
