package io.sheepfs.fs;

/** A failure of a tree operation that becomes a positive errno for the kernel. */
public final class FsException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public FsException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public FsException(int errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
