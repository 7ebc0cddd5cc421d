package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An inode object, whole or partial (PROTOCOL.md 7.1): the decoded header plus a read-only view
 * of the bytes after it ({@code body}: data_vdi_id, then gref), as many as were read.
 * Header-only reads (4664 bytes, or 4672 with the B-tree root header) give a short body; a
 * full READ_OBJ gives 12,587,576 bytes.
 *
 * <p>Zero copy: {@link #decode(ByteBuffer)} keeps a read-only view of the caller's buffer rather
 * than copying 12 MB; the caller must not modify those bytes afterwards (pass a buffer it owns).
 */
public record Inode(InodeHeader header, ByteBuffer body) {
    public static final int DATA_VDI_ID_OFFSET = InodeHeader.SIZE;
    /** Entries of data_vdi_id and gref (2^20). */
    public static final int MAX_DATA_OBJS = 1 << 20;
    public static final int DATA_VDI_ID_SIZE = MAX_DATA_OBJS * 4;
    public static final int GREF_OFFSET = DATA_VDI_ID_OFFSET + DATA_VDI_ID_SIZE;
    public static final int GREF_SIZE = MAX_DATA_OBJS * Gref.SIZE;
    /** Bytes dog reads for "header + B-tree root header". */
    public static final int HEADER_WITH_BTREE_HEADER = InodeHeader.SIZE + BTree.HEADER_SIZE;

    public Inode {
        java.util.Objects.requireNonNull(header, "header");
        if (body.remaining() > DATA_VDI_ID_SIZE + GREF_SIZE) {
            throw new ProtocolException("inode body of " + body.remaining() + " bytes exceeds the inode object");
        }
        body = body.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A read-only view, positioned at data_vdi_id[0]. */
    @Override
    public ByteBuffer body() {
        return body.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Decodes an inode read from offset 0: at least the 4664-byte header, at most the whole
     * object (12,587,576). Consumes nothing from {@code buf}; keeps a view (no copy).
     */
    public static Inode decode(ByteBuffer buf) {
        ProtocolException.requireLength("inode", buf.remaining(), InodeHeader.SIZE);
        if (buf.remaining() > ObjectId.INODE_SIZE) {
            throw new ProtocolException("inode read of " + buf.remaining() + " bytes exceeds the object size");
        }
        byte[] h = new byte[InodeHeader.SIZE];
        buf.duplicate().get(h);
        ByteBuffer rest = buf.duplicate();
        rest.position(rest.position() + InodeHeader.SIZE);
        return new Inode(InodeHeader.decode(h), rest);
    }

    /** {@link #decode(ByteBuffer)} over the whole array (no copy). */
    public static Inode decode(byte[] b) {
        return decode(ByteBuffer.wrap(b));
    }

    /**
     * The data_vdi_id entries [from, to) that a write of {@code length} bytes at {@code offset}
     * of the inode object touches, even partially; an empty range (from == to) if none.
     * Servers use it to find the index entries (and gref entries) an inode write changes.
     */
    public record IndexRange(int from, int to) {
        public boolean isEmpty() {
            return from >= to;
        }
    }

    public static IndexRange indexRange(long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new ProtocolException("negative inode write range");
        }
        long start = Math.max(offset, DATA_VDI_ID_OFFSET);
        long end = Math.min(offset + length, GREF_OFFSET);
        if (start >= end) {
            return new IndexRange(0, 0);
        }
        int from = (int) ((start - DATA_VDI_ID_OFFSET) / 4);
        int to = (int) ((end - DATA_VDI_ID_OFFSET + 3) / 4);
        return new IndexRange(from, to);
    }

    /** Number of data_vdi_id entries present in the body. */
    public int indexEntriesAvailable() {
        return Math.min(MAX_DATA_OBJS, body.remaining() / 4);
    }

    /** True if the whole data_vdi_id array is present. */
    public boolean hasFullIndex() {
        return body.remaining() >= DATA_VDI_ID_SIZE;
    }

    /** True if the gref array is present (a full inode read). */
    public boolean hasGref() {
        return body.remaining() >= DATA_VDI_ID_SIZE + GREF_SIZE;
    }

    /** Raw data_vdi_id[idx] (for normal VDIs: the owning vid, 0 = hole). */
    public int dataVdiId(long idx) {
        if (idx < 0 || idx >= MAX_DATA_OBJS) {
            throw new ProtocolException("data index " + idx + " outside data_vdi_id");
        }
        if (idx >= indexEntriesAvailable()) {
            throw new ProtocolException("data_vdi_id[" + idx + "] was not read (" + indexEntriesAvailable() + " present)");
        }
        return body.getInt((int) idx * 4);
    }

    public Gref gref(long idx) {
        if (idx < 0 || idx >= MAX_DATA_OBJS || !hasGref()) {
            throw new ProtocolException("gref[" + idx + "] not available");
        }
        int off = DATA_VDI_ID_SIZE + (int) idx * Gref.SIZE;
        return new Gref(body.getInt(off), body.getInt(off + 4));
    }

    /** The data_vdi_id area as a read-only view (the B-tree root of a hyper volume). */
    public ByteBuffer indexArea() {
        ByteBuffer b = body();
        b.limit(Math.min(b.limit(), DATA_VDI_ID_SIZE));
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The hyper volume's root node header (only the 8 header bytes need be present, as in dog's
     * 4672-byte reads); ProtocolException if not hyper or malformed.
     */
    public BTree.Header btreeRoot() {
        if (!header.isHyper()) {
            throw new ProtocolException("not a hyper volume");
        }
        return BTree.headerOnly(indexArea());
    }

    /**
     * The vid owning data object {@code idx} (0 = hole), through data_vdi_id or, for hyper
     * volumes, the B-tree ({@code nodes} is used for depth-2 trees only).
     */
    public int lookup(long idx, BTreeNodeSource nodes) {
        if (header.isHyper()) {
            if (idx < 0 || idx > 0xFFFF_FFFFL) {
                throw new ProtocolException("data index " + idx + " out of range");
            }
            return BTree.lookup(indexArea(), idx, nodes);
        }
        return dataVdiId(idx);
    }

    /** {@link #lookup(long, BTreeNodeSource)} for normal VDIs and depth-1 hyper volumes. */
    public int lookup(long idx) {
        return lookup(idx, null);
    }

    /** Object counts as dog's vdi list computes them: own = entries == own vid, shared = other non-zero. */
    public record Usage(long own, long shared) {
    }

    /**
     * Counts own and shared objects. Normal VDIs: the first ceil(vdi_size/object_size) entries
     * (all must be present). Hyper: every leaf entry (depth 2 reads each leaf via {@code nodes}).
     */
    public Usage usage(BTreeNodeSource nodes) {
        int own = header.vdiId();
        long o = 0;
        long s = 0;
        if (header.isHyper()) {
            ByteBuffer root = indexArea();
            if (BTree.isUninitialized(root)) {
                return new Usage(0, 0);
            }
            BTree.Header h = BTree.header(root);
            if (h.depth() == 1) {
                return countLeaf(root, h, own);
            }
            for (BTree.IndirectEntry ie : BTree.indirectEntries(root)) {
                ByteBuffer leaf = nodes.read(ie.oid());
                Usage u = countLeaf(leaf, BTree.header(leaf), own);
                o += u.own();
                s += u.shared();
            }
            return new Usage(o, s);
        }
        long n = Math.min(header.objectCount(), MAX_DATA_OBJS);
        if (n > indexEntriesAvailable()) {
            throw new ProtocolException("usage needs " + n + " index entries, " + indexEntriesAvailable() + " present");
        }
        for (int i = 0; i < n; i++) {
            int v = body.getInt(i * 4);
            if (v == own) {
                o++;
            } else if (v != 0) {
                s++;
            }
        }
        return new Usage(o, s);
    }

    private static Usage countLeaf(ByteBuffer node, BTree.Header h, int own) {
        if (h.depth() != 1) {
            throw new ProtocolException("expected a leaf node");
        }
        long o = 0;
        long s = 0;
        for (int i = 0; i < h.entries(); i++) {
            int v = BTree.leafEntry(node, i).vid();
            if (v == own) {
                o++;
            } else if (v != 0) {
                s++;
            }
        }
        return new Usage(o, s);
    }
}
