package io.sheepfs.nativeio;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counters of the native core since the session was created (a snapshot; see FuseSession.stats),
 * by the names the native core gives them: native/src/counters.c lists each and says what it
 * counts, so a new counter needs no change here.
 */
public record FuseStats(Map<String, Long> counters) {
    public FuseStats {
        counters = Map.copyOf(counters);
    }

    static FuseStats of(String[] names, long[] values) {
        if (names.length != values.length) {
            throw new IllegalStateException("native counters: " + names.length + " names, " + values.length + " values");
        }
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], values[i]);
        }
        return new FuseStats(m);
    }

    /** The counter called {@code name} (e.g. "creates", "readahead_hits"); throws if there is none of that name. */
    public long get(String name) {
        Long v = counters.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no native counter named '" + name + "' (there are " + counters.keySet() + ")");
        }
        return v;
    }
}
