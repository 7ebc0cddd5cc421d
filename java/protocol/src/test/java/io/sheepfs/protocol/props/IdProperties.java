package io.sheepfs.protocol.props;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ObjectKind;
import io.sheepfs.protocol.VdiId;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VDI id, attribute id and object id properties. */
class IdProperties {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(64);

    /** FNV-1a 64 with arbitrary-precision arithmetic: an independent reference. */
    private static long referenceFnv(byte[] b) {
        BigInteger h = new BigInteger("cbf29ce484222325", 16);
        BigInteger prime = new BigInteger("100000001b3", 16);
        for (byte x : b) {
            h = h.xor(BigInteger.valueOf(x & 0xff)).multiply(prime).mod(MOD);
        }
        return h.longValue();
    }

    @Property
    void vdiIdIsTheLow24BitsOfFnv1a(@ForAll @Size(max = 255) byte[] name) {
        long h = referenceFnv(name);
        int vid = VdiId.ofName(name);
        assertEquals(h, VdiId.fnv1a64(name));
        int low = (int) (h & 0xFFFFFF);
        assertEquals(low == 0 ? 1 : low, vid);
        assertTrue(vid >= 1 && vid <= ObjectId.MAX_VID, "vid 0 is never used");
    }

    @Property
    void stringAndByteFormsAgree(@ForAll String name) {
        assertEquals(VdiId.ofName(name.getBytes(StandardCharsets.UTF_8)), VdiId.ofName(name));
    }

    @Property
    void fnvIsIncremental(@ForAll byte[] a, @ForAll byte[] b) {
        byte[] ab = new byte[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        assertEquals(VdiId.fnv1a64(ab), VdiId.fnv1a64(VdiId.fnv1a64(a), b, 0, b.length));
    }

    @Property
    void attributeIdHashesTheFixedFields(@ForAll("ascii") String name, @ForAll("ascii") String tag,
                                         @ForAll @LongRange(max = 0xFFFFFFFFL) long snapId, @ForAll("ascii") String key) {
        byte[] buf = new byte[256 * 3 + 4];
        FixedString.write(buf, 0, 256, name);
        FixedString.write(buf, 256, 256, tag);
        buf[512] = (byte) snapId;
        buf[513] = (byte) (snapId >>> 8);
        buf[514] = (byte) (snapId >>> 16);
        buf[515] = (byte) (snapId >>> 24);
        FixedString.write(buf, 516, 256, key);
        assertEquals(referenceFnv(buf) & 0xFFFFFFFFL, VdiId.attributeId(name, tag, snapId, key));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> ascii() {
        return net.jqwik.api.Arbitraries.strings().alpha().numeric().ofMaxLength(40);
    }

    @Property
    void probeFindsTheFirstFreeVidAtOrAfterStart(@ForAll @IntRange(min = 1, max = ObjectId.MAX_VID) int start,
                                                 @ForAll @Size(max = 20) Set<@IntRange(max = 30) Integer> taken) {
        // taken offsets relative to start, wrapping like sheep does (0 is skipped)
        java.util.function.IntPredicate inUse = v -> {
            long d = ((long) v - start + ObjectId.NR_VDIS) % ObjectId.NR_VDIS;
            return taken.contains((int) d);
        };
        int vid = VdiId.probe(start, inUse);
        assertTrue(vid >= 1 && !inUse.test(vid));
        for (int v = start; v != vid; v = v == ObjectId.MAX_VID ? 1 : v + 1) {
            assertTrue(inUse.test(v), "skipped a free vid");
        }
    }

    @Property
    void objectIdsRoundTrip(@ForAll @IntRange(max = ObjectId.MAX_VID) int vid,
                            @ForAll @LongRange(max = 0xFFFFFFFFL) long idx) {
        long data = ObjectId.data(vid, idx);
        assertEquals(vid, ObjectId.vid(data));
        assertEquals(idx, ObjectId.index(data));
        assertEquals(ObjectKind.DATA, ObjectId.kind(data));
        assertTrue(ObjectId.isData(data));
        long inode = ObjectId.inode(vid);
        assertEquals(ObjectKind.INODE, ObjectId.kind(inode));
        assertEquals(vid, ObjectId.vid(inode));
        assertFalse(ObjectId.isData(inode));
        assertEquals(ObjectKind.ATTRIBUTE, ObjectId.kind(ObjectId.attribute(vid, idx)));
        assertEquals(ObjectKind.BTREE, ObjectId.kind(ObjectId.btreeNode(vid, idx)));
        assertEquals(ObjectKind.VMSTATE, ObjectId.kind(ObjectId.vmstate(vid, idx)));
        long ledger = ObjectId.ledger(data);
        assertEquals(ObjectKind.LEDGER, ObjectId.kind(ledger));
        assertEquals(data, ObjectId.dataOfLedger(ledger));
        assertEquals(data, ObjectId.parseHex(ObjectId.toHex(data)));
        assertEquals(ObjectId.INODE_SIZE, ObjectId.size(inode, 22));
        assertEquals(1L << 20, ObjectId.size(data, 20));
    }
}
