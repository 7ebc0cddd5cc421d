package io.sheepfs.nativeio;

import java.io.IOException;

/** A native call failed with an errno (positive, as in errno.h: ENOENT = 2, EBUSY = 16, ...). */
public final class FuseException extends IOException {
    private static final long serialVersionUID = 1L;
    public static final int ENOENT = 2, EIO = 5, EBUSY = 16, EEXIST = 17, EINVAL = 22, ENOSPC = 28,
            EROFS = 30, ENAMETOOLONG = 36;

    private final int errno;

    public FuseException(int errno, String message) {
        super(message + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
