package dev.hako.runtime.rootfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.hako.runtime.rootfs.MountFlags.*;

/**
 * A parsed mounts[].options list, with runc's meanings: flag options set or clear MS_* bits in order (the
 * last word wins), propagation options are applied after the mount in order, r* options are recursive
 * mount_setattr attributes, and anything unknown is filesystem data ("mode=755,size=64k").
 *
 * @param flags       MS_* flags, including MS_BIND|MS_REC for bind/rbind and MS_REMOUNT
 * @param propagation propagation changes in order (e.g. MS_REC|MS_PRIVATE)
 * @param attrSet     MOUNT_ATTR_* to set recursively
 * @param attrClr     MOUNT_ATTR_* to clear recursively
 * @param data        unknown options joined by commas ("" if none)
 * @param idmap       idmap or ridmap was given
 * @param recursiveIdmap ridmap was given
 * @param tmpcopyup   copy the destination's existing content into a new tmpfs
 */
public record MountOptions(long flags, List<Long> propagation, long attrSet, long attrClr, String data,
                           boolean idmap, boolean recursiveIdmap, boolean tmpcopyup) {

    private record Flag(boolean clear, long bits) {}

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
            Map.entry("atime", new Flag(true, MS_NOATIME)),
            Map.entry("bind", new Flag(false, MS_BIND)),
            Map.entry("defaults", new Flag(false, 0)),
            Map.entry("dev", new Flag(true, MS_NODEV)),
            Map.entry("diratime", new Flag(true, MS_NODIRATIME)),
            Map.entry("dirsync", new Flag(false, MS_DIRSYNC)),
            Map.entry("exec", new Flag(true, MS_NOEXEC)),
            Map.entry("iversion", new Flag(false, MS_I_VERSION)),
            Map.entry("lazytime", new Flag(false, MS_LAZYTIME)),
            Map.entry("loud", new Flag(true, MS_SILENT)),
            Map.entry("mand", new Flag(false, MS_MANDLOCK)),
            Map.entry("noatime", new Flag(false, MS_NOATIME)),
            Map.entry("nodev", new Flag(false, MS_NODEV)),
            Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
            Map.entry("noexec", new Flag(false, MS_NOEXEC)),
            Map.entry("noiversion", new Flag(true, MS_I_VERSION)),
            Map.entry("nolazytime", new Flag(true, MS_LAZYTIME)),
            Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
            Map.entry("norelatime", new Flag(true, MS_RELATIME)),
            Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
            Map.entry("nosuid", new Flag(false, MS_NOSUID)),
            Map.entry("nosymfollow", new Flag(false, MS_NOSYMFOLLOW)),
            Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)),
            Map.entry("relatime", new Flag(false, MS_RELATIME)),
            Map.entry("remount", new Flag(false, MS_REMOUNT)),
            Map.entry("ro", new Flag(false, MS_RDONLY)),
            Map.entry("rw", new Flag(true, MS_RDONLY)),
            Map.entry("silent", new Flag(false, MS_SILENT)),
            Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
            Map.entry("suid", new Flag(true, MS_NOSUID)),
            Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)));

    private static final Map<String, Long> PROPAGATIONS = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_REC | MS_PRIVATE,
            "shared", MS_SHARED, "rshared", MS_REC | MS_SHARED,
            "slave", MS_SLAVE, "rslave", MS_REC | MS_SLAVE,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_REC | MS_UNBINDABLE);

    private static final Map<String, Flag> ATTRS = Map.ofEntries(
            Map.entry("rro", new Flag(false, MOUNT_ATTR_RDONLY)),
            Map.entry("rrw", new Flag(true, MOUNT_ATTR_RDONLY)),
            Map.entry("rnosuid", new Flag(false, MOUNT_ATTR_NOSUID)),
            Map.entry("rsuid", new Flag(true, MOUNT_ATTR_NOSUID)),
            Map.entry("rnodev", new Flag(false, MOUNT_ATTR_NODEV)),
            Map.entry("rdev", new Flag(true, MOUNT_ATTR_NODEV)),
            Map.entry("rnoexec", new Flag(false, MOUNT_ATTR_NOEXEC)),
            Map.entry("rexec", new Flag(true, MOUNT_ATTR_NOEXEC)),
            Map.entry("rnodiratime", new Flag(false, MOUNT_ATTR_NODIRATIME)),
            Map.entry("rdiratime", new Flag(true, MOUNT_ATTR_NODIRATIME)),
            Map.entry("rnosymfollow", new Flag(false, MOUNT_ATTR_NOSYMFOLLOW)),
            Map.entry("rsymfollow", new Flag(true, MOUNT_ATTR_NOSYMFOLLOW)));

    /** Recursive access-time options: the kernel wants the whole _ATIME field cleared and one value set. */
    private static final Map<String, Long> ATIME_ATTRS = Map.of(
            "rrelatime", MOUNT_ATTR_RELATIME, "rnorelatime", MOUNT_ATTR_RELATIME, // norelatime: back to default
            "rnoatime", MOUNT_ATTR_NOATIME, "ratime", MOUNT_ATTR_RELATIME,
            "rstrictatime", MOUNT_ATTR_STRICTATIME, "rnostrictatime", MOUNT_ATTR_RELATIME);

    public static MountOptions parse(List<String> options) {
        long flags = 0, set = 0, clr = 0;
        boolean idmap = false, ridmap = false, copyup = false;
        List<Long> propagation = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (String o : options == null ? List.<String>of() : options) {
            Flag f = FLAGS.get(o);
            if (f != null) {
                flags = f.clear ? flags & ~f.bits : flags | f.bits;
                continue;
            }
            Long p = PROPAGATIONS.get(o);
            if (p != null) {
                propagation.add(p);
                continue;
            }
            Flag a = ATTRS.get(o);
            if (a != null) {
                if (a.clear) { clr |= a.bits; set &= ~a.bits; } else { set |= a.bits; clr &= ~a.bits; }
                continue;
            }
            Long atime = ATIME_ATTRS.get(o);
            if (atime != null) {
                set = (set & ~MOUNT_ATTR__ATIME) | atime;
                clr |= MOUNT_ATTR__ATIME;
                continue;
            }
            switch (o) {
                case "idmap" -> idmap = true;
                case "ridmap" -> { idmap = true; ridmap = true; }
                case "tmpcopyup" -> copyup = true;
                case "" -> { }
                default -> data.add(o);
            }
        }
        return new MountOptions(flags, List.copyOf(propagation), set, clr, String.join(",", data), idmap, ridmap,
                copyup);
    }

    public boolean isBind() { return (flags & MS_BIND) != 0; }

    public boolean isRecursiveBind() { return (flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC); }

    public boolean isReadonly() { return (flags & MS_RDONLY) != 0; }
}
