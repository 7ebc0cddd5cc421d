package io.sheepfs.fs;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Mount-wide switches shown in config/ and http/: page cache for volumes opened from now on
 * (-k), the object cache hint (-o), and the HTTP service address.
 */
public final class Settings {
    final AtomicBoolean pageCache;
    final AtomicBoolean objectCache;
    final AtomicReference<byte[]> httpAddress = new AtomicReference<>(new byte[0]);

    public Settings(boolean pageCache, boolean objectCache) {
        this.pageCache = new AtomicBoolean(pageCache);
        this.objectCache = new AtomicBoolean(objectCache);
    }

    public boolean pageCache() {
        return pageCache.get();
    }

    public boolean objectCache() {
        return objectCache.get();
    }
}
