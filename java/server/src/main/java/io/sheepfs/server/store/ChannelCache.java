package io.sheepfs.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Open read/write channels of recently used objects, so a request costs no open/close. A handle
 * is reference counted: eviction and invalidation close a channel only once nobody uses it.
 * Callers invalidate an oid whenever its file is replaced (rename) or removed.
 */
final class ChannelCache {
    private final ConcurrentHashMap<Long, Handle> open = new ConcurrentHashMap<>();
    private final LongFunction<Path> paths;
    private final int capacity;

    /** One open channel and how many requests use it right now. */
    static final class Handle implements AutoCloseable {
        final FileChannel channel;
        private int refs;
        private boolean dropped;

        private Handle(FileChannel channel) {
            this.channel = channel;
        }

        private synchronized void retain() {
            refs++;
        }

        /** Marks the handle gone from the cache; closes now if unused, else on the last release. */
        private synchronized void drop() {
            dropped = true;
            if (refs == 0) {
                closeQuietly();
            }
        }

        @Override
        public synchronized void close() {
            if (--refs == 0 && dropped) {
                closeQuietly();
            }
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing useful to do: the data was forced or is being discarded
            }
        }
    }

    ChannelCache(LongFunction<Path> paths, int capacity) {
        this.paths = paths;
        this.capacity = capacity;
    }

    /** @return a retained handle (close it after use), or null if the object does not exist */
    Handle acquire(long oid) throws IOException {
        Handle h;
        try {
            h = open.compute(oid, (k, cur) -> {
                Handle use = cur;
                if (use == null) {
                    try {
                        use = new Handle(FileChannel.open(paths.apply(k), StandardOpenOption.READ,
                                StandardOpenOption.WRITE));
                    } catch (NoSuchFileException e) {
                        return null;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                use.retain(); // under the map's lock for this key: cannot be dropped in between
                return use;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (h != null && open.size() > capacity) {
            evictOne(oid);
        }
        return h;
    }

    /** The object's file was replaced or removed: forget the old channel. */
    void invalidate(long oid) {
        Handle h = open.remove(oid);
        if (h != null) {
            h.drop();
        }
    }

    void invalidateAll() {
        for (Long oid : open.keySet()) {
            invalidate(oid);
        }
    }

    private void evictOne(long keep) {
        Iterator<Long> it = open.keySet().iterator();
        while (it.hasNext()) {
            long victim = it.next();
            if (victim != keep) {
                invalidate(victim);
                return;
            }
        }
    }
}
