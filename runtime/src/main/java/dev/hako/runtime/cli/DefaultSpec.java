package dev.hako.runtime.cli;

/** The starter config.json `spec` writes: runc's default (and its --rootless variant), same fields and order. */
public final class DefaultSpec {
    private DefaultSpec() {}

    /** The runtime-spec version hako implements and writes into new specs. */
    public static final String OCI_VERSION = dev.hako.runtime.config.DefaultSpec.OCI_VERSION;

    /** The spec as runc formats it: tab-indented, no trailing newline. */
    public static String json(boolean rootless, long uid, long gid) {
        return JsonText.indented(dev.hako.runtime.config.DefaultSpec.tree(rootless, uid, gid), "\t");
    }
}
