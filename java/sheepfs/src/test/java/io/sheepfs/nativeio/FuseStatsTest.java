package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The native counters are read by name: a name the core does not give is an error, not a zero. */
class FuseStatsTest {
    @Test
    void countersAreFoundByTheirNames() {
        FuseStats s = FuseStats.of(new String[] {"reads", "readahead_hits"}, new long[] {3, 7});
        assertEquals(3, s.get("reads"));
        assertEquals(7, s.get("readahead_hits"));
        assertThrows(IllegalArgumentException.class, () -> s.get("readaheadHits"));
    }

    @Test
    void namesAndValuesMustPair() {
        assertThrows(IllegalStateException.class, () -> FuseStats.of(new String[] {"reads"}, new long[] {1, 2}));
    }
}
