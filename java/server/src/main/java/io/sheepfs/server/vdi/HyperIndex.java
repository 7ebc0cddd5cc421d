package io.sheepfs.server.vdi;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.server.InodeLayout;
import io.sheepfs.server.store.ObjectStore;

import java.io.IOException;

/**
 * Walks the B-tree index of a hyper volume (PROTOCOL.md 7.2): depth 1 = leaf entries in the
 * inode, depth 2 = indirect entries pointing at leaf node objects.
 * TODO(protocol): use the protocol module's B-tree decoder once published.
 */
final class HyperIndex {
    private static final int MAGIC = 0x6274;
    private static final int HEADER = 8;

    interface Visitor {
        void visit(long idx, int vid) throws IOException;
    }

    private HyperIndex() {
    }

    static void forEach(ObjectStore store, byte[] inode, Visitor v) throws IOException {
        int root = InodeLayout.DATA_VDI_ID;
        if (Le.u16(inode, root) != MAGIC) {
            return;
        }
        int depth = Le.u16(inode, root + 2);
        long entries = Le.u32(inode, root + 4);
        if (depth == 1) {
            walkLeaf(inode, root, Math.min(entries, (4L * InodeLayout.NR_INDEX - HEADER) / 8), v);
        } else if (depth == 2) {
            long max = Math.min(entries, (4L * InodeLayout.NR_INDEX - HEADER) / 16);
            for (int i = 0; i < max; i++) {
                long nodeOid = Le.u64(inode, root + HEADER + 16 * i + 8);
                byte[] node = store.read(nodeOid, 0, ObjectId.BTREE_NODE_SIZE);
                if (node == null || Le.u16(node, 0) != MAGIC) {
                    continue;
                }
                walkLeaf(node, 0, Math.min(Le.u32(node, 4), (ObjectId.BTREE_NODE_SIZE - HEADER) / 8), v);
            }
        }
    }

    private static void walkLeaf(byte[] b, int off, long entries, Visitor v) throws IOException {
        for (int i = 0; i < entries; i++) {
            int at = off + HEADER + 8 * i;
            int vid = (int) Le.u32(b, at + 4);
            if (vid != 0) {
                v.visit(Le.u32(b, at), vid);
            }
        }
    }
}
