package dev.hako.runtime.rootfs;

import java.util.List;

/** A device node to create in the container's /dev. type: c (or u), b, p. */
public record DeviceSpec(String path, char type, long major, long minor, int mode, int uid, int gid) {

    /** runc's default devices, created in every container whose /dev is not a bind mount. */
    public static final List<DeviceSpec> DEFAULTS = List.of(
            new DeviceSpec("/dev/null", 'c', 1, 3, 0666, 0, 0),
            new DeviceSpec("/dev/zero", 'c', 1, 5, 0666, 0, 0),
            new DeviceSpec("/dev/full", 'c', 1, 7, 0666, 0, 0),
            new DeviceSpec("/dev/tty", 'c', 5, 0, 0666, 0, 0),
            new DeviceSpec("/dev/urandom", 'c', 1, 9, 0666, 0, 0),
            new DeviceSpec("/dev/random", 'c', 1, 8, 0666, 0, 0));
}
