package io.sheepfs.server.store;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;

import java.io.IOException;
import java.util.concurrent.locks.Lock;

/**
 * Generation reference counting (PROTOCOL.md 9.6): when an inode entry stops pointing at a data
 * object, that object's ledger is decremented with the entry's {generation, count}; the object
 * is removed once no generation references it.
 */
public final class RefCounts {
    private static final int LEDGER_ENTRIES = ObjectId.LEDGER_SIZE / 4;

    private final ObjectStore store;
    private final ObjectLocks locks;
    /** Ledger updates are read-modify-write of a 4 MiB object; sheep serializes them the same way. */
    private final Object ledgerMutex = new Object();

    public RefCounts(ObjectStore store, ObjectLocks locks) {
        this.store = store;
        this.locks = locks;
    }

    /** Drops one reference of generation {@code generation} to {@code dataOid}, adding {@code count} for the next. */
    public void decref(long dataOid, int generation, int count) throws IOException {
        if (generation == 0 && count == 0) {
            removeLocked(dataOid);
            return;
        }
        if (generation < 0 || generation >= LEDGER_ENTRIES - 1) {
            throw new IOException("generation " + generation + " out of range for " + ObjectId.toHex(dataOid));
        }
        long ledgerOid = ObjectId.ledger(dataOid);
        synchronized (ledgerMutex) {
            byte[] ledger = store.read(ledgerOid, 0, ObjectId.LEDGER_SIZE);
            boolean existed = ledger != null;
            if (!existed) {
                ledger = new byte[ObjectId.LEDGER_SIZE];
                Le.put32(ledger, 0, 1);
            }
            int g = generation * 4;
            Le.put32(ledger, g, (Le.u32(ledger, g) - 1) & 0xFFFF_FFFFL);
            Le.put32(ledger, g + 4, (Le.u32(ledger, g + 4) + count) & 0xFFFF_FFFFL);
            int last = lastNonZero(ledger);
            if (last < 0) {
                if (existed) {
                    removeLocked(ledgerOid);
                }
                removeLocked(dataOid);
            } else {
                byte[] head = java.util.Arrays.copyOf(ledger, last + 1);
                Lock l = locks.forOid(ledgerOid).writeLock();
                l.lock();
                try {
                    store.create(ledgerOid, ObjectId.LEDGER_SIZE, head, 0, new byte[0], 0, 0);
                } finally {
                    l.unlock();
                }
            }
        }
    }

    private static int lastNonZero(byte[] b) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    private void removeLocked(long oid) throws IOException {
        Lock l = locks.forOid(oid).writeLock();
        l.lock();
        try {
            store.remove(oid);
        } finally {
            l.unlock();
        }
    }
}
