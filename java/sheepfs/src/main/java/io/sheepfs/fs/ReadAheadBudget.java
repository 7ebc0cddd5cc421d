package io.sheepfs.fs;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes all HTTP read-ahead windows of a mount may hold together: a reader that cannot get
 * its window's worth reads only what it was asked for, so many open handles cannot exhaust
 * the heap.
 */
final class ReadAheadBudget {
    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    ReadAheadBudget(long capacity) {
        this.capacity = capacity;
    }

    /** Takes {@code n} bytes if they fit. */
    boolean tryTake(long n) {
        while (true) {
            long u = used.get();
            if (u + n > capacity) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    void give(long n) {
        used.addAndGet(-n);
    }

    long used() {
        return used.get();
    }
}
