package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;
import io.sheepfs.protocol.vdi.VdiBitmap;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The byte-wise bitmap scan of listVdis agrees with the codec's bit-by-bit view. */
class LiveVidsTest {
    @Property(tries = 50)
    void liveVidsAreInUseMinusDeletedAscending(
            @ForAll @Size(max = 40) Set<@IntRange(min = 1, max = ObjectId.MAX_VID) Integer> inUse,
            @ForAll @Size(max = 40) Set<@IntRange(min = 1, max = ObjectId.MAX_VID) Integer> deleted) {
        VdiBitmap a = VdiBitmap.of(inUse.stream().mapToInt(Integer::intValue).toArray());
        VdiBitmap d = VdiBitmap.of(deleted.stream().mapToInt(Integer::intValue).toArray());
        int[] expected = a.vids().filter(v -> !d.isSet(v)).toArray();
        assertArrayEquals(expected, SheepClient.liveVids(a.bytes(), d.bytes()));
    }

    @Property(tries = 5)
    void wrongSizedBitmapsAreRejected(@ForAll @IntRange(min = 0, max = 4096) int len) {
        assertThrows(ProtocolException.class, () -> SheepClient.liveVids(new byte[len], new byte[VdiBitmap.SIZE]));
    }
}
