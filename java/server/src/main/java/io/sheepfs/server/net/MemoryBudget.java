package io.sheepfs.server.net;

import java.util.concurrent.Semaphore;

/** Bytes of request/response buffers in use across all connections, counted in KiB. */
final class MemoryBudget {
    private final Semaphore kib;

    MemoryBudget(long bytes) {
        this.kib = new Semaphore((int) (bytes >> 10), true);
    }

    private static int units(long bytes) {
        return (int) ((bytes + 1023) >> 10);
    }

    void acquire(long bytes) throws InterruptedException {
        int u = units(bytes);
        if (u > 0) {
            kib.acquire(u);
        }
    }

    void release(long bytes) {
        int u = units(bytes);
        if (u > 0) {
            kib.release(u);
        }
    }
}
