package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;

/**
 * The first 4664 bytes of an inode object (PROTOCOL.md 7.1). Names and tags are the C strings
 * of their 256-byte fields, decoded as UTF-8. Times are sheep's (seconds << 32) | nanoseconds.
 */
public record InodeHeader(String name, String tag, long createTime, long snapCtime, long vmClockNsec, long vdiSize,
                          long vmStateSize, int copyPolicy, int storePolicy, int nrCopies, int blockSizeShift,
                          int snapId, int vdiId, int parentVdiId, int btreeCounter) {
    /** Header size: offset of data_vdi_id. */
    public static final int SIZE = 4664;
    public static final int OFF_NAME = 0;
    public static final int OFF_TAG = 256;
    public static final int OFF_CREATE_TIME = 512;
    public static final int OFF_SNAP_CTIME = 520;
    public static final int OFF_VM_CLOCK_NSEC = 528;
    public static final int OFF_VDI_SIZE = 536;
    public static final int OFF_VM_STATE_SIZE = 544;
    public static final int OFF_COPY_POLICY = 552;
    public static final int OFF_STORE_POLICY = 553;
    public static final int OFF_NR_COPIES = 554;
    public static final int OFF_BLOCK_SIZE_SHIFT = 555;
    public static final int OFF_SNAP_ID = 556;
    public static final int OFF_VDI_ID = 560;
    public static final int OFF_PARENT_VDI_ID = 564;
    public static final int OFF_BTREE_COUNTER = 568;
    /** Start of the unused 4092 bytes (former child list), zero. */
    public static final int OFF_UNUSED = 572;
    public static final int STORE_POLICY_NORMAL = 0;
    public static final int STORE_POLICY_HYPER = 1;

    public InodeHeader {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(tag, "tag");
        Fields.u8("copy_policy", copyPolicy);
        Fields.u8("store_policy", storePolicy);
        Fields.u8("nr_copies", nrCopies);
        Fields.u8("block_size_shift", blockSizeShift);
    }

    /** A fresh VDI header as sheep writes it on create: snap_id 1, no parent, no tag. */
    public static InodeHeader create(String name, int vid, long vdiSize, long createTime, int nrCopies, int copyPolicy,
                                     int storePolicy, int blockSizeShift) {
        return new InodeHeader(name, "", createTime, 0, 0, vdiSize, 0, copyPolicy, storePolicy, nrCopies,
            blockSizeShift, 1, vid, 0, 0);
    }

    /** Decodes the header from the first 4664 bytes at {@code off}. */
    public static InodeHeader decode(byte[] b, int off) {
        ProtocolException.requireLength("inode header", b.length - off, SIZE);
        return new InodeHeader(FixedString.read(b, off + OFF_NAME, FixedString.NAME_LEN),
            FixedString.read(b, off + OFF_TAG, FixedString.NAME_LEN), Le.u64(b, off + OFF_CREATE_TIME),
            Le.u64(b, off + OFF_SNAP_CTIME), Le.u64(b, off + OFF_VM_CLOCK_NSEC), Le.u64(b, off + OFF_VDI_SIZE),
            Le.u64(b, off + OFF_VM_STATE_SIZE), Le.u8(b, off + OFF_COPY_POLICY), Le.u8(b, off + OFF_STORE_POLICY),
            Le.u8(b, off + OFF_NR_COPIES), Le.u8(b, off + OFF_BLOCK_SIZE_SHIFT), Le.i32(b, off + OFF_SNAP_ID),
            Le.i32(b, off + OFF_VDI_ID), Le.i32(b, off + OFF_PARENT_VDI_ID), Le.i32(b, off + OFF_BTREE_COUNTER));
    }

    public static InodeHeader decode(byte[] b) {
        return decode(b, 0);
    }

    /** Writes the 4664 header bytes at {@code off} (the unused area 572..4663 is zeroed). */
    public void encodeTo(byte[] b, int off) {
        ProtocolException.requireLength("inode header buffer", b.length - off, SIZE);
        FixedString.write(b, off + OFF_NAME, FixedString.NAME_LEN, name);
        FixedString.write(b, off + OFF_TAG, FixedString.NAME_LEN, tag);
        Le.put64(b, off + OFF_CREATE_TIME, createTime);
        Le.put64(b, off + OFF_SNAP_CTIME, snapCtime);
        Le.put64(b, off + OFF_VM_CLOCK_NSEC, vmClockNsec);
        Le.put64(b, off + OFF_VDI_SIZE, vdiSize);
        Le.put64(b, off + OFF_VM_STATE_SIZE, vmStateSize);
        Le.put8(b, off + OFF_COPY_POLICY, copyPolicy);
        Le.put8(b, off + OFF_STORE_POLICY, storePolicy);
        Le.put8(b, off + OFF_NR_COPIES, nrCopies);
        Le.put8(b, off + OFF_BLOCK_SIZE_SHIFT, blockSizeShift);
        Le.put32(b, off + OFF_SNAP_ID, snapId);
        Le.put32(b, off + OFF_VDI_ID, vdiId);
        Le.put32(b, off + OFF_PARENT_VDI_ID, parentVdiId);
        Le.put32(b, off + OFF_BTREE_COUNTER, btreeCounter);
        java.util.Arrays.fill(b, off + OFF_UNUSED, off + SIZE, (byte) 0);
    }

    /** The 4664 header bytes. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encodeTo(b, 0);
        return b;
    }

    /**
     * A whole new inode object (12,587,576 bytes): this header, an empty index (for hyper volumes
     * the empty B-tree root), zero grefs. This is what sheep writes on VDI creation.
     */
    public byte[] encodeNewObject() {
        byte[] b = new byte[ObjectId.INODE_SIZE];
        encodeTo(b, 0);
        if (isHyper()) {
            System.arraycopy(BTree.emptyRoot(), 0, b, SIZE, BTree.HEADER_SIZE);
        }
        return b;
    }

    /** snap_ctime != 0: this inode is a snapshot. */
    public boolean isSnapshot() {
        return snapCtime != 0;
    }

    /** dog's clone mark: snap_id == 1 and a parent. */
    public boolean isClone() {
        return snapId == 1 && parentVdiId != 0;
    }

    /** A deleted inode has an empty name. */
    public boolean isDeleted() {
        return name.isEmpty();
    }

    /** store_policy 1: B-tree index. */
    public boolean isHyper() {
        return storePolicy == STORE_POLICY_HYPER;
    }

    /** 1 << block_size_shift; rejects shifts above 31. */
    public long objectSize() {
        if (blockSizeShift > 31) {
            throw new ProtocolException("block_size_shift " + blockSizeShift + " > 31");
        }
        return 1L << blockSizeShift;
    }

    /** ceil(vdi_size / object size). */
    public long objectCount() {
        long s = objectSize();
        return Long.divideUnsigned(vdiSize, s) + (Long.remainderUnsigned(vdiSize, s) != 0 ? 1 : 0);
    }

    /** Seconds part of create_time. */
    public long createSeconds() {
        return createTime >>> 32;
    }

    /** Seconds part of snap_ctime. */
    public long snapSeconds() {
        return snapCtime >>> 32;
    }

    public InodeHeader withVdiSize(long newSize) {
        return new InodeHeader(name, tag, createTime, snapCtime, vmClockNsec, newSize, vmStateSize, copyPolicy,
            storePolicy, nrCopies, blockSizeShift, snapId, vdiId, parentVdiId, btreeCounter);
    }

    public InodeHeader withTag(String newTag) {
        return new InodeHeader(name, newTag, createTime, snapCtime, vmClockNsec, vdiSize, vmStateSize, copyPolicy,
            storePolicy, nrCopies, blockSizeShift, snapId, vdiId, parentVdiId, btreeCounter);
    }

    public InodeHeader withSnapCtime(long t) {
        return new InodeHeader(name, tag, createTime, t, vmClockNsec, vdiSize, vmStateSize, copyPolicy,
            storePolicy, nrCopies, blockSizeShift, snapId, vdiId, parentVdiId, btreeCounter);
    }

    public InodeHeader withBtreeCounter(int c) {
        return new InodeHeader(name, tag, createTime, snapCtime, vmClockNsec, vdiSize, vmStateSize, copyPolicy,
            storePolicy, nrCopies, blockSizeShift, snapId, vdiId, parentVdiId, c);
    }

    /** Deleted form as sheep writes it: empty name, size 0, everything else kept. */
    public InodeHeader deleted() {
        return new InodeHeader("", tag, createTime, snapCtime, vmClockNsec, 0, vmStateSize, copyPolicy,
            storePolicy, nrCopies, blockSizeShift, snapId, vdiId, parentVdiId, btreeCounter);
    }
}
