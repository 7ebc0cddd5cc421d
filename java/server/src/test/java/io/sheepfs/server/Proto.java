package io.sheepfs.server;

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

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small request builders for tests, on the protocol codec. */
final class Proto {
    private Proto() {
    }

    static RequestHeader format(int copies) {
        return RequestHeader.of(Opcode.MAKE_FS, RequestFlags.WRITE, 6,
                new ClusterRequest(0, 0x6b05e0b5002f0710L, copies, 0, 0x0004, 0, 0, 0));
    }

    static final byte[] PLAIN = "plain\0".getBytes(StandardCharsets.US_ASCII);

    static RequestHeader newVdi(long size) {
        return RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 256, new VdiRequest(size, 0, 0, 0, 0, 0, 0, 0));
    }

    static byte[] name(String n) {
        return FixedString.encode(n, 256);
    }

    static RequestHeader read(long oid, long offset, int len) {
        return RequestHeader.of(Opcode.READ_OBJ, 0, len, ObjRequest.of(oid, offset));
    }

    static RequestHeader write(long oid, long offset, int len) {
        return RequestHeader.of(Opcode.WRITE_OBJ, RequestFlags.WRITE, len, ObjRequest.of(oid, offset));
    }

    static RequestHeader create(long oid, long offset, int len) {
        return RequestHeader.of(Opcode.CREATE_AND_WRITE_OBJ, RequestFlags.WRITE, len, ObjRequest.of(oid, offset));
    }

    /** Formats with one copy and creates VDI {@code vdi} of {@code size}; returns its vid. */
    static int formatAndCreate(int port, String vdi, long size) throws IOException {
        try (RawClient c = new RawClient(port)) {
            assertEquals(Result.SUCCESS, c.call(format(1), PLAIN).result());
            RawClient.Response r = c.call(newVdi(size), name(vdi));
            assertEquals(Result.SUCCESS, r.result());
            return r.header().vdi().vdiId();
        }
    }

    /** Writes {@code data} into object {@code idx} of {@code vid} as dog does for a fresh object. */
    static void writeNewObject(RawClient c, int vid, int idx, long offset, byte[] data) throws IOException {
        assertEquals(Result.SUCCESS, c.call(create(ObjectId.data(vid, idx), offset, data.length), data).result());
        byte[] e = new byte[4];
        Le.put32(e, 0, vid);
        assertEquals(Result.SUCCESS, c.call(write(ObjectId.inode(vid), 4664 + 4L * idx, 4), e).result());
    }
}
