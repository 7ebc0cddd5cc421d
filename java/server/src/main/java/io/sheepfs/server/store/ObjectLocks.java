package io.sheepfs.server.store;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Per-object read/write locks, striped so memory stays fixed: two objects share a lock only
 * when their oids hash to the same stripe. There is no lock covering the whole store.
 */
public final class ObjectLocks {
    private static final int STRIPES = 1024;
    private final ReadWriteLock[] locks = new ReadWriteLock[STRIPES];

    public ObjectLocks() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    public ReadWriteLock forOid(long oid) {
        long h = oid * 0x9E3779B97F4A7C15L;
        return locks[(int) (h >>> 54) & (STRIPES - 1)];
    }
}
