package io.sheepfs.client;

import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;

/**
 * One VDI as `dog vdi list` sees it: its inode header and how many objects it owns and shares.
 *
 * @param header the inode header
 * @param usage  own and shared object counts
 */
public record VdiSummary(InodeHeader header, Inode.Usage usage) {
    /** Bytes of objects the VDI owns. */
    public long usedBytes() {
        return usage.own() * header.objectSize();
    }

    /** Bytes of objects it shares with a parent. */
    public long sharedBytes() {
        return usage.shared() * header.objectSize();
    }
}
