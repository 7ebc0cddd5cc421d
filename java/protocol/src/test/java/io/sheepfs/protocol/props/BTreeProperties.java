package io.sheepfs.protocol.props;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** B-tree lookups (depth 1 and 2) agree with a sorted map of the same entries. */
class BTreeProperties {
    private static final int VID = 0x4fd259;

    private static byte[] hyperInode(byte[] root) {
        byte[] b = InodeHeader.create("big", VID, 10L << 40, 1L << 32, 1, 0, 1, 22).encode();
        byte[] out = new byte[InodeHeader.SIZE + root.length];
        System.arraycopy(b, 0, out, 0, b.length);
        System.arraycopy(root, 0, out, b.length, root.length);
        return out;
    }

    @Property
    void depthOneLookupMatchesAMap(@ForAll @Size(max = 200) Map<@LongRange(max = 0xFFFFFFFFL) Long,
        @IntRange(min = 1, max = ObjectId.MAX_VID) Integer> entries, @ForAll @LongRange(max = 0xFFFFFFFFL) long probe) {
        TreeMap<Long, Integer> model = new TreeMap<>(entries);
        List<BTree.LeafEntry> leaf = new ArrayList<>();
        model.forEach((k, v) -> leaf.add(new BTree.LeafEntry(k, v)));
        Inode inode = Inode.decode(hyperInode(BTree.encodeLeaf(leaf)));
        assertEquals(leaf, BTree.leafEntries(inode.indexArea()));
        for (long k : model.keySet()) {
            assertEquals((int) model.get(k), inode.lookup(k));
        }
        assertEquals(model.getOrDefault(probe, 0), inode.lookup(probe));
        assertEquals(new Inode.Usage(model.values().stream().filter(v -> v == VID).count(),
            model.values().stream().filter(v -> v != VID).count()), inode.usage(null));
    }

    @Property
    void depthTwoLookupMatchesAMap(@ForAll @Size(min = 1, max = 300) Map<@LongRange(max = 5000) Long,
        @IntRange(min = 1, max = ObjectId.MAX_VID) Integer> entries, @ForAll @IntRange(min = 1, max = 40) int perLeaf,
                                   @ForAll @LongRange(max = 6000) long probe) {
        TreeMap<Long, Integer> model = new TreeMap<>(entries);
        List<Map.Entry<Long, Integer>> all = new ArrayList<>(model.entrySet());
        Map<Long, byte[]> nodes = new HashMap<>();
        List<BTree.IndirectEntry> root = new ArrayList<>();
        int counter = 0;
        for (int i = 0; i < all.size(); i += perLeaf) {
            List<BTree.LeafEntry> leaf = new ArrayList<>();
            for (Map.Entry<Long, Integer> e : all.subList(i, Math.min(all.size(), i + perLeaf))) {
                leaf.add(new BTree.LeafEntry(e.getKey(), e.getValue()));
            }
            long oid = ObjectId.btreeNode(VID, counter++);
            nodes.put(oid, BTree.encodeLeaf(leaf));
            root.add(new BTree.IndirectEntry(leaf.get(leaf.size() - 1).idx(), oid));
        }
        Inode inode = Inode.decode(hyperInode(BTree.encodeIndirect(root)));
        assertEquals(2, inode.btreeRoot().depth());
        assertEquals(root, BTree.indirectEntries(inode.indexArea()));
        int[] reads = {0};
        for (long k : model.keySet()) {
            assertEquals((int) model.get(k), inode.lookup(k, oid -> {
                reads[0]++;
                return ByteBuffer.wrap(nodes.get(oid));
            }));
        }
        assertEquals(model.size(), reads[0], "one node read per lookup");
        assertEquals(model.getOrDefault(probe, 0), inode.lookup(probe, oid -> ByteBuffer.wrap(nodes.get(oid))));
        Inode.Usage u = inode.usage(oid -> ByteBuffer.wrap(nodes.get(oid)));
        assertEquals(model.size(), u.own() + u.shared());
        assertThrows(ProtocolException.class, () -> inode.lookup(model.firstKey()), "depth 2 needs a node source");
    }
}
