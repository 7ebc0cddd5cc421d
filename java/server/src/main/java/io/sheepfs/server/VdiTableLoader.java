package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
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
            byte[] h = store.read(oid, 0, InodeLayout.HEADER_SIZE);
            if (h == null) {
                continue;
            }
            int vid = ObjectId.vid(oid);
            boolean snapshot = Le.u64(h, InodeLayout.SNAP_CTIME) != 0;
            table.addState(vid, Le.u8(h, InodeLayout.NR_COPIES), snapshot, Le.u8(h, InodeLayout.COPY_POLICY),
                    Le.u8(h, InodeLayout.BLOCK_SIZE_SHIFT), (int) Le.u32(h, InodeLayout.PARENT_VDI_ID));
            table.setInUse(vid);
            if (h[InodeLayout.NAME] == 0) {
                table.setDeleted(vid);
            }
            n++;
        }
        LOG.info("loaded {} VDIs from {}", n, store.directory());
    }
}
