package io.sheepfs.protocol;

/** What an object id designates (PROTOCOL.md 6.1), decided by the highest type bit set. */
public enum ObjectKind {
    /** No type bit: (vid << 32) | index. */
    DATA,
    /** Bit 63: the VDI's inode. */
    INODE,
    /** Bit 62: QEMU VM state. */
    VMSTATE,
    /** Bit 61: VDI attribute, (namehash << 32) | attr_id. */
    ATTRIBUTE,
    /** Bit 60: hyper-volume B-tree node. */
    BTREE,
    /** Bit 59: reference-count ledger of a data object. */
    LEDGER
}
