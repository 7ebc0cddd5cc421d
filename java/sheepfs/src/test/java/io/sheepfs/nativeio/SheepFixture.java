package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.Reply;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The real embedded sheep on a free loopback port, formatted with one copy. Administrative
 * requests (create, snapshot, clone) and checks of what the server stored go straight to the
 * node's request handler; the mount under test talks to it over TCP.
 */
final class SheepFixture implements AutoCloseable {
    private final Path dir;
    private final boolean sync;
    EmbeddedSheep sheep;

    SheepFixture(Path dir, boolean sync) throws IOException {
        this(dir, sync, 0);
    }

    /** {@code flags}: cluster flags for the format (e.g. ClusterFlags.USE_LOCK). */
    SheepFixture(Path dir, boolean sync, int flags) throws IOException {
        this.dir = dir;
        this.sync = sync;
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(sync));
        Reply r = call(RequestHeader.of(Opcode.MAKE_FS, RequestFlags.WRITE, 6,
                new ClusterRequest(0, 0x6b05e0b5002f0710L, 1, 0, flags, 0, 0, 22)),
                "plain\0".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Result.SUCCESS, r.result(), "format");
    }

    /** Stops the node and starts it again on the same port and store (connections drop). */
    void restart() throws IOException {
        int port = sheep.port();
        sheep.close();
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(sync).withPort(port));
    }

    String gateway() {
        return "127.0.0.1:" + sheep.port();
    }

    Reply call(RequestHeader h, byte[] payload) {
        return sheep.sheep().handle(h, payload);
    }

    private int newVdi(String name, long size, int base, int storePolicy, int bss, int snapId) {
        Reply r = call(RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(size, base, 0, 0, storePolicy, bss, snapId, 0)), FixedString.encode(name, 256));
        assertEquals(Result.SUCCESS, r.result(), "NEW_VDI " + name);
        return r.vdiId();
    }

    int create(String name, long size, int bss, boolean hyper) {
        return newVdi(name, size, 0, hyper ? 1 : 0, bss, 0);
    }

    /** Snapshots the working VDI {@code workingVid} of {@code name}: it becomes the snapshot; returns the new working vid. */
    int snapshot(String name, long size, int workingVid) {
        return newVdi(name, size, workingVid, 0, 0, 1);
    }

    int cloneOf(String name, long size, int snapshotVid) {
        return newVdi(name, size, snapshotVid, 0, 0, 0);
    }

    /** Bytes of a VDI object as the server stored them. */
    byte[] readObject(long oid, long offset, int len) {
        Reply r = call(RequestHeader.of(Opcode.READ_OBJ, 0, len, ObjRequest.of(oid, offset)), null);
        assertEquals(Result.SUCCESS, r.result(), "READ_OBJ " + ObjectId.toHex(oid));
        return r.data();
    }

    /** The inode's index entry for object {@code idx} as the server stored it (flat VDIs). */
    int indexEntry(int vid, int idx) {
        return Le.i32(readObject(ObjectId.inode(vid), InodeHeader.SIZE + 4L * idx, 4), 0);
    }

    @Override
    public void close() {
        sheep.close();
    }
}
