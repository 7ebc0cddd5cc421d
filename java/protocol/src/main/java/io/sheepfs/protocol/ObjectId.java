package io.sheepfs.protocol;

/**
 * Object ids (PROTOCOL.md 6.1): constructors, field extraction and kind predicates.
 * Oids are plain {@code long}s (64 raw bits); vids are 24-bit ints; indices are unsigned 32-bit
 * values carried in a long.
 */
public final class ObjectId {
    public static final long INODE_BIT = 1L << 63;
    public static final long VMSTATE_BIT = 1L << 62;
    public static final long ATTR_BIT = 1L << 61;
    public static final long BTREE_BIT = 1L << 60;
    public static final long LEDGER_BIT = 1L << 59;
    /** Bits 59-63: any of them set means "not a data object". */
    public static final long TYPE_MASK = INODE_BIT | VMSTATE_BIT | ATTR_BIT | BTREE_BIT | LEDGER_BIT;
    public static final int VID_BITS = 24;
    public static final int MAX_VID = (1 << VID_BITS) - 1;
    /** Number of vids (bits in a VDI bitmap). */
    public static final int NR_VDIS = 1 << VID_BITS;

    /** Inode object size: 4664-byte header + 2^20 data_vdi_id + 2^20 gref (12,587,576). */
    public static final int INODE_SIZE = 12_587_576;
    /** Attribute object size (66,320). */
    public static final int ATTR_SIZE = 66_320;
    /** B-tree node object size (4 MiB). */
    public static final int BTREE_NODE_SIZE = 4 << 20;
    /** Ledger object size (4 MiB). */
    public static final int LEDGER_SIZE = 4 << 20;
    /** Default data object size, 1 << 22. */
    public static final int DEFAULT_BLOCK_SIZE_SHIFT = 22;

    private ObjectId() {
    }

    static int checkVid(long vid) {
        return (int) ProtocolException.requireRange("vid", vid, MAX_VID);
    }

    static long checkU32(String what, long v) {
        return ProtocolException.requireRange(what, v, 0xFFFF_FFFFL);
    }

    /** Data object {@code idx} of {@code vid}. */
    public static long data(int vid, long idx) {
        return (long) checkVid(vid) << 32 | checkU32("object index", idx);
    }

    /** Inode object of {@code vid}. */
    public static long inode(int vid) {
        return INODE_BIT | (long) checkVid(vid) << 32;
    }

    /** Attribute object: the vid part is the name hash (6.3), not the VDI's vid. */
    public static long attribute(int nameHashVid, long attrId) {
        return ATTR_BIT | (long) checkVid(nameHashVid) << 32 | checkU32("attr id", attrId);
    }

    /** B-tree node object number {@code counter} of {@code vid}. */
    public static long btreeNode(int vid, long counter) {
        return BTREE_BIT | (long) checkVid(vid) << 32 | checkU32("btree counter", counter);
    }

    /** Ledger object of a data object. */
    public static long ledger(long dataOid) {
        if (!isData(dataOid)) {
            throw new ProtocolException("ledger of a non-data oid " + toHex(dataOid));
        }
        return LEDGER_BIT | dataOid;
    }

    /** The data object a ledger object counts. */
    public static long dataOfLedger(long ledgerOid) {
        return ledgerOid & ~LEDGER_BIT;
    }

    /** VM state object {@code idx} of {@code vid}. */
    public static long vmstate(int vid, long idx) {
        return VMSTATE_BIT | (long) checkVid(vid) << 32 | checkU32("vmstate index", idx);
    }

    /** The 24-bit vid field (bits 32-55). */
    public static int vid(long oid) {
        return (int) (oid >>> 32) & MAX_VID;
    }

    /** The low 32 bits: data index, attribute id or B-tree counter (unsigned). */
    public static long index(long oid) {
        return oid & 0xFFFF_FFFFL;
    }

    public static boolean isInode(long oid) {
        return (oid & INODE_BIT) != 0;
    }

    public static boolean isVmstate(long oid) {
        return (oid & VMSTATE_BIT) != 0;
    }

    public static boolean isAttribute(long oid) {
        return (oid & ATTR_BIT) != 0;
    }

    public static boolean isBtree(long oid) {
        return (oid & BTREE_BIT) != 0;
    }

    public static boolean isLedger(long oid) {
        return (oid & LEDGER_BIT) != 0;
    }

    /** True if none of the type bits 59-63 is set. */
    public static boolean isData(long oid) {
        return (oid & TYPE_MASK) == 0;
    }

    /** The kind, by the highest type bit set. */
    public static ObjectKind kind(long oid) {
        if (isInode(oid)) {
            return ObjectKind.INODE;
        }
        if (isVmstate(oid)) {
            return ObjectKind.VMSTATE;
        }
        if (isAttribute(oid)) {
            return ObjectKind.ATTRIBUTE;
        }
        if (isBtree(oid)) {
            return ObjectKind.BTREE;
        }
        if (isLedger(oid)) {
            return ObjectKind.LEDGER;
        }
        return ObjectKind.DATA;
    }

    /**
     * Size of the object in bytes; data and vmstate objects are {@code 1 << blockSizeShift} of
     * the owning VDI.
     */
    public static long size(long oid, int blockSizeShift) {
        return switch (kind(oid)) {
            case INODE -> INODE_SIZE;
            case ATTRIBUTE -> ATTR_SIZE;
            case BTREE -> BTREE_NODE_SIZE;
            case LEDGER -> LEDGER_SIZE;
            case DATA, VMSTATE -> 1L << blockSizeShift;
        };
    }

    /** 16 lower-case hex digits, as sheep logs and names object files. */
    public static String toHex(long oid) {
        return String.format("%016x", oid);
    }

    /** Parses 1..16 hex digits. */
    public static long parseHex(String s) {
        if (s.isEmpty() || s.length() > 16) {
            throw new ProtocolException("bad oid '" + s + "'");
        }
        try {
            return Long.parseUnsignedLong(s, 16);
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad oid '" + s + "'");
        }
    }
}
