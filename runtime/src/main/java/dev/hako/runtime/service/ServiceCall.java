package dev.hako.runtime.service;

import dev.hako.runtime.cli.Caller;

import java.util.List;

/**
 * One command a front-end sent: its arguments (after argv[0]), who ran it (working directory, environment,
 * pid), the fds it passed, and the link back to it.
 */
public record ServiceCall(List<String> args, Caller caller, int[] fds, ServiceLink link) {}
