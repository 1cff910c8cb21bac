package dev.hako.engine.container;

/**
 * What the engine last recorded about a container's life (state.json). The live truth comes from the
 * runtime state and the monitor's exit file; see {@link Status}.
 *
 * @param started    true once `start` handed the container to its monitor
 * @param startedAt  RFC 3339, null before the first start
 */
public record ContainerState(boolean started, String startedAt) {
    public static ContainerState created() { return new ContainerState(false, null); }
}
