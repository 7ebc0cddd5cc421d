package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.server.store.ObjectStore;
import io.sheepfs.server.vdi.VdiTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Rebuilds the bitmaps and per-vid state from the inode objects in the store (node start). */
final class VdiTableLoader {
    private static final Logger LOG = LoggerFactory.getLogger(VdiTableLoader.class);

    private VdiTableLoader() {
    }

    static void load(ObjectStore store, VdiTable table) throws IOException {
        table.clear();
        int n = 0;
        for (long oid : store.list(ObjectId::isInode)) {
            if (ObjectId.index(oid) != 0 || (oid & ObjectId.TYPE_MASK) != ObjectId.INODE_BIT) {
                continue;
            }
            byte[] b = store.read(oid, 0, InodeHeader.SIZE);
            if (b == null) {
                continue;
            }
            InodeHeader h = InodeHeader.decode(b);
            int vid = ObjectId.vid(oid);
            table.addState(vid, h.nrCopies(), h.isSnapshot(), h.copyPolicy(), h.blockSizeShift(), h.parentVdiId());
            table.setInUse(vid);
            if (b[0] == 0) {
                table.setDeleted(vid); // DEL_VDI clears the name
            }
            n++;
        }
        LOG.info("loaded {} VDIs from {}", n, store.directory());
    }
}
