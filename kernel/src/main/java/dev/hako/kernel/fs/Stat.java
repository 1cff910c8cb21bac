package dev.hako.kernel.fs;

/**
 * What statx(2) says about one inode. {@code mode} is the full st_mode (type bits and permission bits);
 * times are seconds + nanoseconds since the epoch.
 */
public record Stat(int mode, int uid, int gid, long size, long blocks, int nlink, long ino,
                   int devMajor, int devMinor, int rdevMajor, int rdevMinor,
                   long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {

    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;

    public int type() { return mode & S_IFMT; }
    /** Permission bits including setuid, setgid and sticky (07777). */
    public int perms() { return mode & 07777; }
    public boolean isDirectory() { return type() == S_IFDIR; }
    public boolean isRegular() { return type() == S_IFREG; }
    public boolean isSymlink() { return type() == S_IFLNK; }
    public boolean isCharDevice() { return type() == S_IFCHR; }
    public boolean isBlockDevice() { return type() == S_IFBLK; }
    public boolean isFifo() { return type() == S_IFIFO; }
    public boolean isSocket() { return type() == S_IFSOCK; }
    /** An overlayfs whiteout: a character device 0:0. */
    public boolean isWhiteout() { return isCharDevice() && rdevMajor == 0 && rdevMinor == 0; }

    public String typeName() {
        return switch (type()) {
            case S_IFDIR -> "directory";
            case S_IFREG -> "regular file";
            case S_IFLNK -> "symlink";
            case S_IFCHR -> "character device";
            case S_IFBLK -> "block device";
            case S_IFIFO -> "fifo";
            case S_IFSOCK -> "socket";
            default -> "unknown type " + Integer.toOctalString(type());
        };
    }
}
