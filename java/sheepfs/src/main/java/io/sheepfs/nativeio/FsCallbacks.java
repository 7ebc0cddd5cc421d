package io.sheepfs.nativeio;

/**
 * The upcalls the native FUSE core makes into Java: everything except volume data.
 *
 * <p>Java owns the tree (inode numbers, names, kinds, sizes). C serves read/write/fsync/fallocate/
 * lseek of VOLUME inodes itself, without upcalls, from the volume table it was given by
 * {@code FuseSession.attachVolume}. All other operations come here. Every method may be called
 * concurrently from libfuse worker threads (attached to the JVM once, as daemons); none may throw:
 * an error is returned as a positive errno in the place the method documents.
 *
 * <p>Attributes travel as a {@code long[ATTR_LEN]}: {@code {ino, kind, mode, size, nlink,
 * mtimeSeconds, blocks}} where mode includes the file type bits (S_IFDIR / S_IFREG) and blocks is
 * in 512-byte units (C may override size/blocks of VOLUME inodes from its own table). An error
 * is a {@code long[1]} holding the positive errno.
 */
public interface FsCallbacks {
    int ATTR_LEN = 7;
    int A_INO = 0, A_KIND = 1, A_MODE = 2, A_SIZE = 3, A_NLINK = 4, A_MTIME = 5, A_BLOCKS = 6;

    /** Kinds of inode. */
    int KIND_DIR = 1, KIND_TEXT = 2, KIND_CONTROL = 3, KIND_VOLUME = 4;

    /** Root inode number (FUSE_ROOT_ID). */
    long ROOT = 1;

    /** Child {@code name} (raw bytes, not NUL-terminated) of directory {@code parent}. */
    long[] lookup(long parent, byte[] name);

    long[] getattr(long ino);

    /**
     * Entries of a directory, without "." and "..": names[i] (UTF-8 bytes) has inode inos[i] and
     * mode modes[i]. Returns null and sets nothing when ino is not a directory (C answers ENOTDIR).
     */
    DirEntries readdir(long ino);

    /** Directory listing returned by {@link #readdir}. */
    record DirEntries(byte[][] names, long[] inos, int[] modes) {}

    /**
     * Opens a non-volume inode. Returns a handle >= 0, or -errno. For VOLUME inodes C calls
     * {@link #volumeOpenPolicy} instead.
     */
    long open(long ino, int flags);

    /** Bytes [offset, offset+size) of an open handle's content (a view is rendered at open). */
    byte[] read(long fh, long offset, int size);

    /** Writes to a control file; returns the count consumed, or -errno. */
    int write(long fh, long offset, byte[] data);

    /** truncate/O_TRUNC of a non-volume inode: 0 or errno (control files accept 0). */
    int truncate(long ino, long size);

    /**
     * close(2) of a non-volume handle (FUSE FLUSH, once per close of a descriptor): 0 or the
     * errno close(2) returns. A control file runs a command written without a newline here.
     */
    default int flush(long fh) {
        return 0;
    }

    void release(long fh);

    /** At open of a volume: 1 = use the kernel page cache (-k / config/page_cache), 0 = direct I/O. */
    int volumeOpenPolicy(long ino);
}
