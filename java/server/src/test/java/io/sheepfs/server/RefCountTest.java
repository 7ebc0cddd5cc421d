package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots and clones share objects; deleting any of them (the way dog does: zero the index,
 * then DEL_VDI) frees exactly the objects nothing references any more. Restarting keeps it.
 */
class RefCountTest {
    @TempDir
    Path dir;

    private RawClient c;

    private int lookup(String name, String tag) throws IOException {
        byte[] p = new byte[512];
        System.arraycopy(Proto.name(name), 0, p, 0, 256);
        System.arraycopy(Proto.name(tag), 0, p, 256, 256);
        RawClient.Response r = c.call(RequestHeader.of(Opcode.GET_VDI_INFO, RequestFlags.WRITE, 512,
                VdiRequest.lookup(0)), p);
        assertEquals(Result.SUCCESS, r.result(), name + "@" + tag);
        return r.header().vdi().vdiId();
    }

    private int snapshot(String name, String tag) throws IOException {
        int vid = lookup(name, "");
        assertEquals(Result.SUCCESS, c.call(Proto.write(ObjectId.inode(vid), 256, 256), Proto.name(tag)).result());
        RawClient.Response r = c.call(RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(64L << 20, vid, 1, 0, 0, 22, 1, 0)), Proto.name(name));
        assertEquals(Result.SUCCESS, r.result());
        return r.header().vdi().vdiId();
    }

    private int cloneOf(int snapVid, String name) throws IOException {
        RawClient.Response r = c.call(RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(64L << 20, snapVid, 1, 0, 0, 22, 0, 0)), Proto.name(name));
        assertEquals(Result.SUCCESS, r.result());
        return r.header().vdi().vdiId();
    }

    private long entry(int vid, int idx) throws IOException {
        return Le.u32(c.call(Proto.read(ObjectId.inode(vid), 4664 + 4L * idx, 4), null).data(), 0);
    }

    /** dog vdi write of one byte: own object -> WRITE_OBJ, else create (COW from the owner) + index. */
    private void writeByte(int vid, int idx, byte b) throws IOException {
        long owner = entry(vid, idx);
        long oid = ObjectId.data(vid, idx);
        if (owner == vid) {
            assertEquals(Result.SUCCESS, c.call(Proto.write(oid, 10, 1), new byte[] {b}).result());
            return;
        }
        int flags = RequestFlags.WRITE | (owner != 0 ? RequestFlags.COW : 0);
        long cow = owner != 0 ? ObjectId.data((int) owner, idx) : 0;
        assertEquals(Result.SUCCESS, c.call(RequestHeader.of(Opcode.CREATE_AND_WRITE_OBJ, flags, 1,
                ObjRequest.of(oid, cow, 0, 10)), new byte[] {b}).result());
        byte[] e = new byte[4];
        Le.put32(e, 0, vid);
        assertEquals(Result.SUCCESS, c.call(Proto.write(ObjectId.inode(vid), 4664 + 4L * idx, 4), e).result());
    }

    private byte readByte(int vid, int idx) throws IOException {
        long owner = entry(vid, idx);
        return c.call(Proto.read(ObjectId.data((int) owner, idx), 10, 1), null).data()[0];
    }

    /** dog vdi delete: zero the used index range, then DEL_VDI by name and tag. */
    private void delete(String name, String tag, int vid) throws IOException {
        assertEquals(Result.SUCCESS, c.call(Proto.write(ObjectId.inode(vid), 4664, 64), new byte[64]).result());
        byte[] p = new byte[512];
        System.arraycopy(Proto.name(name), 0, p, 0, 256);
        System.arraycopy(Proto.name(tag), 0, p, 256, 256);
        RawClient.Response r = c.call(RequestHeader.of(Opcode.DEL_VDI, RequestFlags.WRITE, 512,
                VdiRequest.lookup(0)), p);
        assertEquals(Result.SUCCESS, r.result());
        assertEquals(vid, r.header().vdi().vdiId());
    }

    private static boolean exists(EmbeddedSheep s, int vid, int idx) {
        return s.sheep().store().exists(ObjectId.data(vid, idx));
    }

    @Test
    void sharedObjectsAreFreedOnlyWhenUnreferenced() throws Exception {
        int base;
        int work;
        int clone;
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false))) {
            base = Proto.formatAndCreate(s.port(), "a", 64L << 20);
            c = new RawClient(s.port());
            for (int i = 0; i < 3; i++) {
                writeByte(base, i, (byte) (10 + i));
            }
            work = snapshot("a", "s1");
            assertEquals(Result.READONLY, c.call(Proto.write(ObjectId.data(base, 0), 0, 1), new byte[1]).result(),
                    "snapshot data is read-only");
            writeByte(work, 0, (byte) 20); // COW: working owns 0, shares 1, 2
            clone = cloneOf(base, "b");
            writeByte(clone, 1, (byte) 31); // COW: clone owns 1, shares 0, 2
            assertEquals(20, readByte(work, 0));
            assertEquals(10, readByte(clone, 0));
            assertEquals(31, readByte(clone, 1));
            assertEquals(11, readByte(work, 1));

            delete("b", "", clone);
            assertFalse(exists(s, clone, 1), "clone's own object freed");
            assertTrue(exists(s, base, 0) && exists(s, base, 1) && exists(s, base, 2), "snapshot objects kept");

            delete("a", "s1", base);
            assertFalse(exists(s, base, 0), "object 0 of the snapshot: nobody else referenced it");
            assertTrue(exists(s, base, 1) && exists(s, base, 2), "objects the working VDI still shares");
            assertEquals(11, readByte(work, 1));
            c.close();
        }
        // the rebuilt table knows the snapshot is deleted and the working VDI still reads its shared data
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false))) {
            c = new RawClient(s.port());
            assertEquals(work, lookup("a", ""));
            assertEquals(12, readByte(work, 2));
            delete("a", "", work);
            for (int i = 0; i < 3; i++) {
                assertFalse(exists(s, base, i) || exists(s, work, i) || exists(s, clone, i), "object " + i);
            }
            assertEquals(java.util.List.of(), s.sheep().store().list(o -> ObjectId.isData(o) || ObjectId.isLedger(o)),
                    "no data or ledger object left");
            c.close();
        }
    }
}
