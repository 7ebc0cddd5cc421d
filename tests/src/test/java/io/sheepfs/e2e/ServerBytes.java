package io.sheepfs.e2e;

import io.sheepfs.client.SheepClient;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.vdi.Inode;
import java.net.InetSocketAddress;

/** A VDI's bytes read straight from the server, bypassing sheepfs: the independent witness. */
final class ServerBytes {
    private ServerBytes() {}

    /** A client of the sheep that a mount uses (from its config/sheep_info). */
    static SheepClient clientOf(SheepfsMount m) throws java.io.IOException {
        String hp = m.read("config/sheep_info").lines().findFirst().orElse("").strip();
        int colon = hp.lastIndexOf(':');
        return SheepClient.connect(new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))));
    }

    /** Bytes [off, off+n) of VDI {@code vid}, object by object following its index (holes are zeros). */
    static byte[] read(SheepClient c, int vid, long off, int n) throws java.io.IOException {
        Inode inode = c.readInode(vid);
        int objSize = 1 << inode.header().blockSizeShift();
        byte[] out = new byte[n];
        for (long p = off; p < off + n; ) {
            int idx = (int) (p / objSize);
            int in = (int) (p % objSize);
            int len = (int) Math.min(objSize - in, off + n - p);
            int owner = inode.lookup(idx);
            if (owner != 0) {
                System.arraycopy(c.readObject(ObjectId.data(owner, idx), in, len), 0, out, (int) (p - off), len);
            }
            p += len;
        }
        return out;
    }
}
