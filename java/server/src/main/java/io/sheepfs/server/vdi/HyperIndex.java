package io.sheepfs.server.vdi;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.server.store.ObjectStore;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Visits the data objects a hyper volume's B-tree index lists (decoding by the protocol's {@link BTree}). */
final class HyperIndex {
    interface Visitor {
        void visit(long idx, int vid) throws IOException;
    }

    private HyperIndex() {
    }

    static void forEach(ObjectStore store, byte[] inodeBytes, Visitor v) throws IOException {
        ByteBuffer root = Inode.decode(inodeBytes).indexArea();
        if (BTree.isUninitialized(root)) {
            return;
        }
        try {
            if (BTree.headerOnly(root).depth() == 1) {
                for (BTree.LeafEntry e : BTree.leafEntries(root)) {
                    v.visit(e.idx(), e.vid());
                }
                return;
            }
            for (BTree.IndirectEntry ie : BTree.indirectEntries(root)) {
                byte[] node = store.read(ie.oid(), 0, ObjectId.BTREE_NODE_SIZE);
                if (node != null) {
                    for (BTree.LeafEntry e : BTree.leafEntries(ByteBuffer.wrap(node))) {
                        v.visit(e.idx(), e.vid());
                    }
                }
            }
        } catch (ProtocolException e) {
            throw new IOException("malformed B-tree index: " + e.getMessage(), e);
        }
    }
}
