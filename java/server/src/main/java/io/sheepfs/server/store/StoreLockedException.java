package io.sheepfs.server.store;

import java.io.IOException;
import java.nio.file.Path;

/** Another process (or this one, through another sheep) already serves this store directory. */
public final class StoreLockedException extends IOException {
    private final long holder;

    public StoreLockedException(Path dir, long holder) {
        super("store " + dir + " is in use by " + (holder > 0 ? "process " + holder : "another process")
                + " (it holds " + dir.resolve(StoreLock.FILE) + "); stop it first, or use another directory");
        this.holder = holder;
    }

    /** The PID of the holder, or -1 if unknown. */
    public long holder() {
        return holder;
    }
}
