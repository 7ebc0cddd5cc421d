package io.sheepfs.fs;

import java.net.URI;
import java.util.Arrays;

/**
 * Reads of one open handle of an HTTP object, through one read-ahead window. Reads that
 * continue where the last one ended grow the next fetch (doubling from {@link #MIN_AHEAD} to
 * {@link #MAX_AHEAD}), so `cat` of a large object costs a few large ranged GETs instead of one
 * per kernel read; a read elsewhere fetches only what it asks for. Reads of one handle are
 * serialized (the window is shared); memory is one window per handle, within the budget.
 */
final class HttpObjectReader implements AutoCloseable {
    static final int MIN_AHEAD = 1 << 20;
    static final int MAX_AHEAD = 8 << 20;

    private final HttpObjectService http;
    private final URI uri;
    private final long length;
    private final ReadAheadBudget budget;
    private byte[] window = new byte[0];
    private long windowStart;
    /** Bytes taken from the budget for the window (0 when the window is not kept). */
    private long charge;
    private long lastEnd = -1;
    private int ahead;
    private int fetches;
    private boolean closed;

    HttpObjectReader(HttpObjectService http, URI uri, long length, ReadAheadBudget budget) {
        this.http = http;
        this.uri = uri;
        this.length = length;
        this.budget = budget;
    }

    /** Bytes [offset, offset+size) clamped to the object's length (empty at or past the end). */
    synchronized byte[] read(long offset, int size) throws FsException {
        if (closed) {
            throw new FsException(Errno.EBADF, "read of a released handle");
        }
        if (offset < 0 || size <= 0 || offset >= length) {
            return new byte[0];
        }
        int want = (int) Math.min(Math.min(size, MAX_AHEAD), length - offset);
        boolean sequential = offset == lastEnd || offset == 0 && lastEnd < 0; // cat starts at 0
        lastEnd = offset + want;
        if (offset >= windowStart && offset + want <= windowStart + window.length) {
            int from = (int) (offset - windowStart);
            return Arrays.copyOfRange(window, from, from + want);
        }
        ahead = sequential ? Math.min(MAX_AHEAD, Math.max(MIN_AHEAD, ahead * 2)) : 0;
        int fetch = (int) Math.min(Math.max(want, ahead), length - offset);
        dropWindow();
        if (fetch > want) {
            if (budget.tryTake(fetch)) {
                charge = fetch;
            } else {
                fetch = want; // no room for read-ahead now: just this read, not kept
            }
        }
        byte[] got;
        try {
            got = http.get(uri, offset, fetch);
            fetches++;
        } catch (FsException e) {
            dropWindow();
            throw e;
        }
        if (charge > 0) {
            if (got.length < charge) { // the object ended early: keep accounting exact
                budget.give(charge - got.length);
                charge = got.length;
            }
            window = got;
            windowStart = offset;
        }
        return got.length <= want ? got : Arrays.copyOf(got, want);
    }

    /** Number of HTTP requests made so far (for tests and statistics). */
    synchronized int fetches() {
        return fetches;
    }

    private void dropWindow() {
        budget.give(charge);
        charge = 0;
        window = new byte[0];
        windowStart = 0;
    }

    @Override
    public synchronized void close() {
        closed = true;
        dropWindow();
    }
}
