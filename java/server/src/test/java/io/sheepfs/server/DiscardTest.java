package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.vdi.BTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** DISCARD_OBJ clears the index entry (flat array or B-tree leaf) and removes the object. */
class DiscardTest {
    @TempDir
    Path dir;

    private static RequestHeader discard(long oid) {
        return RequestHeader.of(Opcode.DISCARD_OBJ, 0, 0, ObjRequest.of(oid, 0));
    }

    @Test
    void normalVdi() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir));
             RawClient c = new RawClient(s.port())) {
            int vid = Proto.formatAndCreate(s.port(), "n", 1L << 30);
            Proto.writeNewObject(c, vid, 7, 0, new byte[] {1});
            assertEquals(Result.SUCCESS, c.call(discard(ObjectId.data(vid, 7)), null).result());
            assertEquals(Result.NO_OBJ, c.call(Proto.read(ObjectId.data(vid, 7), 0, 1), null).result());
            assertEquals(0, Le.u32(c.call(Proto.read(ObjectId.inode(vid), 4664 + 28, 4), null).data(), 0));
            // discarding a hole is fine
            assertEquals(Result.SUCCESS, c.call(discard(ObjectId.data(vid, 8)), null).result());
        }
    }

    private static int createHyper(RawClient c) throws IOException {
        RawClient.Response r = c.call(RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(1L << 40, 0, 0, 0, 1, 22, 0, 0)), Proto.name("h"));
        assertEquals(Result.SUCCESS, r.result());
        return r.header().vdi().vdiId();
    }

    @Test
    void hyperVolumeDepthOne() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir));
             RawClient c = new RawClient(s.port())) {
            Proto.formatAndCreate(s.port(), "other", 1 << 20);
            int vid = createHyper(c);
            for (long idx : new long[] {5, 9}) {
                assertEquals(Result.SUCCESS, c.call(Proto.create(ObjectId.data(vid, idx), 0, 1), new byte[] {1})
                        .result());
            }
            byte[] root = BTree.encodeLeaf(List.of(new BTree.LeafEntry(5, vid), new BTree.LeafEntry(9, vid)));
            assertEquals(Result.SUCCESS, c.call(Proto.write(ObjectId.inode(vid), 4664, root.length), root).result());

            assertEquals(Result.SUCCESS, c.call(discard(ObjectId.data(vid, 9)), null).result());
            ByteBuffer after = ByteBuffer.wrap(c.call(Proto.read(ObjectId.inode(vid), 4664, root.length), null).data());
            assertEquals(List.of(new BTree.LeafEntry(5, vid), new BTree.LeafEntry(9, 0)), BTree.leafEntries(after));
            assertEquals(Result.NO_OBJ, c.call(Proto.read(ObjectId.data(vid, 9), 0, 1), null).result());
            assertEquals(Result.SUCCESS, c.call(Proto.read(ObjectId.data(vid, 5), 0, 1), null).result());
        }
    }

    @Test
    void hyperVolumeDepthTwo() throws Exception {
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir));
             RawClient c = new RawClient(s.port())) {
            Proto.formatAndCreate(s.port(), "other", 1 << 20);
            int vid = createHyper(c);
            long big = 3_000_000L;
            assertEquals(Result.SUCCESS, c.call(Proto.create(ObjectId.data(vid, big), 0, 1), new byte[] {1}).result());
            byte[] leaf = BTree.encodeLeaf(List.of(new BTree.LeafEntry(1, vid), new BTree.LeafEntry(big, vid)));
            long node = ObjectId.btreeNode(vid, 0);
            assertEquals(Result.SUCCESS, c.call(Proto.create(node, 0, leaf.length), leaf).result());
            byte[] root = BTree.encodeIndirect(List.of(new BTree.IndirectEntry(big, node)));
            assertEquals(Result.SUCCESS, c.call(Proto.write(ObjectId.inode(vid), 4664, root.length), root).result());

            assertEquals(Result.SUCCESS, c.call(discard(ObjectId.data(vid, big)), null).result());
            ByteBuffer after = ByteBuffer.wrap(c.call(Proto.read(node, 0, leaf.length), null).data());
            assertEquals(List.of(new BTree.LeafEntry(1, vid), new BTree.LeafEntry(big, 0)), BTree.leafEntries(after));
            assertEquals(Result.NO_OBJ, c.call(Proto.read(ObjectId.data(vid, big), 0, 1), null).result());
        }
    }
}
