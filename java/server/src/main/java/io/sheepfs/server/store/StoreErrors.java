package io.sheepfs.server.store;

import io.sheepfs.protocol.Result;
import java.io.IOException;
import java.nio.file.FileSystemException;

/** The result sheep gives for a failed store operation (sheep's err_to_sderr). */
public final class StoreErrors {
    /** strerror(ENOSPC) and strerror(EDQUOT), as the JDK puts them in its messages. */
    private static final String[] FULL = {"No space left on device", "Disk quota exceeded"};

    private StoreErrors() {
    }

    /** NO_SPACE when the disk is full (ENOSPC, EDQUOT), EIO for any other I/O error. */
    public static int result(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : t.getMessage();
            for (String full : FULL) {
                if (text != null && text.contains(full)) {
                    return Result.NO_SPACE;
                }
            }
        }
        return Result.EIO;
    }
}
