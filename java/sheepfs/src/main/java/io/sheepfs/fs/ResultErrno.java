package io.sheepfs.fs;

import io.sheepfs.client.ConnectionException;
import io.sheepfs.client.SheepResultException;
import io.sheepfs.protocol.Result;
import java.io.IOException;

/** Maps client failures to errnos (ARCHITECTURE.md "Errors"). */
final class ResultErrno {
    private ResultErrno() {
    }

    static int of(int result) {
        return switch (result) {
            case Result.NO_VDI, Result.NO_TAG, Result.NO_OBJ, Result.NO_BASE_VDI -> Errno.ENOENT;
            case Result.VDI_EXIST -> Errno.EEXIST;
            case Result.NO_SPACE, Result.FULL_VDI -> Errno.ENOSPC;
            case Result.READONLY -> Errno.EROFS;
            case Result.VDI_LOCKED -> Errno.EBUSY;
            case Result.INVALID_PARMS -> Errno.EINVAL;
            default -> Errno.EIO;
        };
    }

    /** An FsException for a failed client call, with a message naming what was being done. */
    static FsException of(String doing, IOException e) {
        if (e instanceof SheepResultException r) {
            return new FsException(of(r.result()), doing + ": " + Result.message(r.result()), e);
        }
        if (e instanceof ConnectionException) {
            return new FsException(Errno.EIO, doing + ": " + e.getMessage(), e);
        }
        return new FsException(Errno.EIO, doing + ": " + e, e);
    }
}
