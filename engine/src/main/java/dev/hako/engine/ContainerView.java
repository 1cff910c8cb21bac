package dev.hako.engine;

import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.ContainerState;
import dev.hako.engine.container.Status;

/** A container as ps and inspect show it: its record, what the engine recorded, and its live status. */
public record ContainerView(ContainerRecord record, ContainerState state, Status status) {}
