package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Hyper-volume B-tree index (PROTOCOL.md 7.2). A node (the root inside data_vdi_id, or a 4 MiB
 * node object) is an 8-byte header {magic u16 0x6274, depth u16, entries u32} followed by leaf
 * entries {idx u32, vdi_id u32} (depth 1) or indirect entries {idx u32, pad u32, oid u64}
 * (depth 2, idx = largest data index in that leaf). Entries are sorted by idx.
 * Readers work on ByteBuffers in place (no copies of the 4 MiB arrays) and check every count
 * against the bytes present.
 */
public final class BTree {
    public static final int MAGIC = 0x6274;
    public static final int HEADER_SIZE = 8;
    public static final int LEAF_ENTRY_SIZE = 8;
    public static final int INDIRECT_ENTRY_SIZE = 16;
    /** Bytes of a node: the root area (data_vdi_id) and a node object are both 4 MiB. */
    public static final int NODE_SIZE = 4 << 20;
    public static final int MAX_LEAF_ENTRIES = (NODE_SIZE - HEADER_SIZE) / LEAF_ENTRY_SIZE;
    public static final int MAX_INDIRECT_ENTRIES = (NODE_SIZE - HEADER_SIZE) / INDIRECT_ENTRY_SIZE;

    /** One leaf entry: data object {@code idx} belongs to {@code vid}. */
    public record LeafEntry(long idx, int vid) {
    }

    /** One indirect entry: the leaf node object {@code oid} holds indices up to {@code idx}. */
    public record IndirectEntry(long idx, long oid) {
    }

    /** A node header; {@code entries} is already checked against capacity and bytes present. */
    public record Header(int depth, int entries) {
        public int entrySize() {
            return depth == 1 ? LEAF_ENTRY_SIZE : INDIRECT_ENTRY_SIZE;
        }

        /** Bytes this node occupies: header plus entries. */
        public int byteLength() {
            return HEADER_SIZE + entries * entrySize();
        }
    }

    private BTree() {
    }

    /** The root of a fresh hyper volume: magic, depth 1, 0 entries. */
    public static byte[] emptyRoot() {
        return encodeLeaf(List.of());
    }

    private static ByteBuffer le(ByteBuffer b) {
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads and validates a node header: magic, depth 1 or 2, entries within capacity and within
     * the bytes present in {@code node} (from its position).
     */
    public static Header header(ByteBuffer node) {
        Header h = headerOnly(node);
        ProtocolException.requireLength("B-tree node", node.remaining(), h.byteLength());
        return h;
    }

    /**
     * Reads and validates only the 8-byte header (magic, depth, entries within capacity), not the
     * presence of the entries: for dog's 4672-byte "header + B-tree header" inode reads.
     */
    public static Header headerOnly(ByteBuffer node) {
        ByteBuffer b = le(node);
        ProtocolException.requireLength("B-tree node header", b.remaining(), HEADER_SIZE);
        int magic = b.getShort(0) & 0xffff;
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("bad B-tree magic 0x%04x", magic));
        }
        int depth = b.getShort(2) & 0xffff;
        if (depth != 1 && depth != 2) {
            throw new ProtocolException("bad B-tree depth " + depth);
        }
        long entries = Integer.toUnsignedLong(b.getInt(4));
        int max = depth == 1 ? MAX_LEAF_ENTRIES : MAX_INDIRECT_ENTRIES;
        if (entries > max) {
            throw new ProtocolException("B-tree node claims " + entries + " entries, max " + max);
        }
        return new Header(depth, (int) entries);
    }

    /** True if the root area is all-zero in its first word (a hyper index that was never set up). */
    public static boolean isUninitialized(ByteBuffer root) {
        ByteBuffer b = le(root);
        return b.remaining() >= 4 && b.getInt(0) == 0;
    }

    public static LeafEntry leafEntry(ByteBuffer node, int i) {
        ByteBuffer b = le(node);
        int off = HEADER_SIZE + i * LEAF_ENTRY_SIZE;
        return new LeafEntry(Integer.toUnsignedLong(b.getInt(off)), b.getInt(off + 4));
    }

    public static IndirectEntry indirectEntry(ByteBuffer node, int i) {
        ByteBuffer b = le(node);
        int off = HEADER_SIZE + i * INDIRECT_ENTRY_SIZE;
        return new IndirectEntry(Integer.toUnsignedLong(b.getInt(off)), b.getLong(off + 8));
    }

    /** All leaf entries of a depth-1 node. */
    public static List<LeafEntry> leafEntries(ByteBuffer node) {
        Header h = header(node);
        requireDepth(h, 1);
        LeafEntry[] out = new LeafEntry[h.entries()];
        for (int i = 0; i < out.length; i++) {
            out[i] = leafEntry(node, i);
        }
        return List.of(out);
    }

    /** All indirect entries of a depth-2 node. */
    public static List<IndirectEntry> indirectEntries(ByteBuffer node) {
        Header h = header(node);
        requireDepth(h, 2);
        IndirectEntry[] out = new IndirectEntry[h.entries()];
        for (int i = 0; i < out.length; i++) {
            out[i] = indirectEntry(node, i);
        }
        return List.of(out);
    }

    private static void requireDepth(Header h, int depth) {
        if (h.depth() != depth) {
            throw new ProtocolException("B-tree node has depth " + h.depth() + ", expected " + depth);
        }
    }

    /**
     * The vid owning data object {@code idx}, 0 for a hole. {@code nodes} is consulted only for
     * depth-2 trees (one node read); it may be null when the root is known to be depth 1.
     */
    public static int lookup(ByteBuffer root, long idx, BTreeNodeSource nodes) {
        if (isUninitialized(root)) {
            return 0;
        }
        Header h = header(root);
        if (h.depth() == 1) {
            return searchLeaf(le(root), h.entries(), idx);
        }
        ByteBuffer r = le(root);
        int lo = 0;
        int hi = h.entries();
        // first indirect entry whose idx >= target
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long e = Integer.toUnsignedLong(r.getInt(HEADER_SIZE + mid * INDIRECT_ENTRY_SIZE));
            if (e < idx) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == h.entries()) {
            return 0;
        }
        long oid = r.getLong(HEADER_SIZE + lo * INDIRECT_ENTRY_SIZE + 8);
        if (!ObjectId.isBtree(oid)) {
            throw new ProtocolException("B-tree indirect entry points at non-node oid " + ObjectId.toHex(oid));
        }
        if (nodes == null) {
            throw new ProtocolException("depth-2 B-tree lookup needs a node source");
        }
        ByteBuffer leaf = nodes.read(oid);
        Header lh = header(leaf);
        requireDepth(lh, 1);
        return searchLeaf(le(leaf), lh.entries(), idx);
    }

    private static int searchLeaf(ByteBuffer b, int entries, long idx) {
        int lo = 0;
        int hi = entries - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int off = HEADER_SIZE + mid * LEAF_ENTRY_SIZE;
            long e = Integer.toUnsignedLong(b.getInt(off));
            if (e < idx) {
                lo = mid + 1;
            } else if (e > idx) {
                hi = mid - 1;
            } else {
                return b.getInt(off + 4);
            }
        }
        return 0;
    }

    /** Encodes a depth-1 node (header + entries, no trailing zeros). */
    public static byte[] encodeLeaf(List<LeafEntry> entries) {
        if (entries.size() > MAX_LEAF_ENTRIES) {
            throw new ProtocolException("too many leaf entries: " + entries.size());
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + entries.size() * LEAF_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) MAGIC).putShort((short) 1).putInt(entries.size());
        for (LeafEntry e : entries) {
            b.putInt((int) e.idx()).putInt(e.vid());
        }
        return b.array();
    }

    /** Encodes a depth-2 node (header + entries, padding zero). */
    public static byte[] encodeIndirect(List<IndirectEntry> entries) {
        if (entries.size() > MAX_INDIRECT_ENTRIES) {
            throw new ProtocolException("too many indirect entries: " + entries.size());
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + entries.size() * INDIRECT_ENTRY_SIZE)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) MAGIC).putShort((short) 2).putInt(entries.size());
        for (IndirectEntry e : entries) {
            b.putInt((int) e.idx()).putInt(0).putLong(e.oid());
        }
        return b.array();
    }
}
