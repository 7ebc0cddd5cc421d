package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.NoRequestUnion;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and hostile input: each case gets sheep's answer (or a closed connection), exactly
 * one log line, and a client on another connection keeps being served throughout.
 */
class BadInputTest {
    @TempDir
    Path dir;
    private EmbeddedSheep sheep;
    private LogCapture log;
    private RawClient bystander;
    private int vid;

    @BeforeEach
    void start() throws IOException {
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withStallTimeout(Duration.ofMillis(500)));
        vid = Proto.formatAndCreate(sheep.port(), "vol", 64L << 20);
        try (RawClient c = new RawClient(sheep.port())) {
            Proto.writeNewObject(c, vid, 0, 0, new byte[] {9, 8, 7, 6});
        }
        bystander = new RawClient(sheep.port());
        log = new LogCapture();
    }

    @AfterEach
    void stop() throws IOException {
        log.close();
        bystander.close();
        sheep.close();
    }

    /** The other client still reads its data. */
    private void bystanderServed() throws IOException {
        RawClient.Response r = bystander.call(Proto.read(ObjectId.data(vid, 0), 0, 4), null);
        assertEquals(Result.SUCCESS, r.result());
        assertArrayEquals(new byte[] {9, 8, 7, 6}, r.data());
    }

    private List<String> awaitWarnings(int n) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (log.warnings().size() < n && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return log.warnings();
    }

    private void assertOneLogLine(String containing) throws InterruptedException {
        List<String> w = awaitWarnings(1);
        Thread.sleep(100); // a second line would show up now
        w = log.warnings();
        assertEquals(1, w.size(), "log lines: " + w);
        assertTrue(w.get(0).contains(containing), w.get(0));
    }

    @Test
    void wrongProtoVersionGetsVerMismatchAndKeepsTheConnection() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            RequestHeader h = RequestHeader.of(Opcode.GET_VDI_INFO, RequestFlags.WRITE, 256, VdiRequest.lookup(0))
                    .withProtoVersion(0x7f);
            RawClient.Response r = c.call(h, Proto.name("vol"));
            assertEquals(Result.VER_MISMATCH, r.result());
            assertEquals(1, r.header().epoch(), "epoch is filled even on VER_MISMATCH");
            assertEquals(0, r.header().dataLength());
            // same connection still usable
            assertEquals(Result.SUCCESS, c.call(h.withProtoVersion(0x02), Proto.name("vol")).result());
        }
        assertOneLogLine("VER_MISMATCH");
        bystanderServed();
    }

    @Test
    void unknownOpcodeGetsInvalidParms() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            RawClient.Response r = c.call(RequestHeader.of(0x02, 0x70, 0, 0, 0, 0, NoRequestUnion.INSTANCE), null);
            assertEquals(Result.INVALID_PARMS, r.result());
            assertEquals(0x70, r.header().opcode());
        }
        assertOneLogLine("invalid opcode 0x70");
        bystanderServed();
    }

    @Test
    void truncatedHeaderClosesOnlyThatConnection() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            byte[] h = Proto.read(ObjectId.data(vid, 0), 0, 4).encode();
            c.sendRaw(Arrays.copyOf(h, 20));
            c.socket().shutdownOutput();
            assertTrue(c.closedByServer(5000));
        }
        assertOneLogLine("truncated header");
        bystanderServed();
    }

    @Test
    void oversizedPayloadAnnouncementClosesTheConnectionWithoutAllocating() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            RequestHeader h = RequestHeader.of(Opcode.WRITE_OBJ, RequestFlags.WRITE, 0xfffffff0L,
                    ObjRequest.of(ObjectId.data(vid, 0), 0));
            c.send(h, null);
            assertTrue(c.closedByServer(5000), "sheep would wait for 4 GiB; we close");
        }
        assertOneLogLine("payload");
        bystanderServed();
    }

    @Test
    void oversizedReadBufferGetsInvalidParms() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            RawClient.Response r = c.call(Proto.read(ObjectId.data(vid, 0), 0, 0x7fffffff), null);
            assertEquals(Result.INVALID_PARMS, r.result());
            assertEquals(0, r.header().dataLength());
        }
        assertOneLogLine("asks for");
        bystanderServed();
    }

    @Test
    void clientDisconnectingMidPayload() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            c.send(Proto.write(ObjectId.data(vid, 0), 0, 4096), null);
            c.sendRaw(new byte[100]);
            c.socket().shutdownOutput();
            assertTrue(c.closedByServer(5000));
        }
        assertOneLogLine("truncated payload");
        bystanderServed();
        // the half-sent write was not applied
        RawClient.Response r = bystander.call(Proto.read(ObjectId.data(vid, 0), 0, 4), null);
        assertArrayEquals(new byte[] {9, 8, 7, 6}, r.data());
    }

    @Test
    void silentClientMidHeaderIsDroppedAfterTheStallTimeout() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            c.sendRaw(new byte[] {0x02, 0x02, 0, 0});
            bystanderServed(); // served while the other one stalls
            assertTrue(c.closedByServer(5000));
        }
        assertOneLogLine("stalled");
        bystanderServed();
    }

    @Test
    void idleClientBetweenRequestsIsKept() throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            Thread.sleep(1200); // longer than the stall timeout, but between requests
            RawClient.Response r = c.call(Proto.read(ObjectId.data(vid, 0), 0, 4), null);
            assertEquals(Result.SUCCESS, r.result());
        }
        assertEquals(List.of(), log.warnings());
    }

    @Test
    void vdiNameWithoutNulIsRejected() throws Exception {
        byte[] name = new byte[256];
        Arrays.fill(name, (byte) 'a');
        try (RawClient c = new RawClient(sheep.port())) {
            RawClient.Response r = c.call(RequestHeader.of(Opcode.GET_VDI_INFO, RequestFlags.WRITE, 256,
                    VdiRequest.lookup(0)), name);
            assertEquals(Result.INVALID_PARMS, r.result());
        }
        assertOneLogLine("malformed name");
        bystanderServed();
    }

    @Test
    void vdiNamePayloadTooLongIsInvalidParms() throws Exception {
        byte[] name = Arrays.copyOf(Proto.name("vol"), 300);
        try (RawClient c = new RawClient(sheep.port())) {
            // NEW_VDI demands exactly 256 bytes (sheep: INVALID_PARMS); lookups accept 256 or 512
            RawClient.Response r = c.call(RequestHeader.of(Opcode.NEW_VDI, RequestFlags.WRITE, 300,
                    new VdiRequest(1 << 30, 0, 0, 0, 0, 0, 0, 0)), name);
            assertEquals(Result.INVALID_PARMS, r.result());
            r = c.call(RequestHeader.of(Opcode.GET_VDI_INFO, RequestFlags.WRITE, 300, VdiRequest.lookup(0)), name);
            assertEquals(Result.INVALID_PARMS, r.result());
        }
        assertOneLogLine("malformed name");
        bystanderServed();
    }

    @Test
    void oidOfANonExistentVdi() throws Exception {
        int ghost = 0xabcdef;
        try (RawClient c = new RawClient(sheep.port())) {
            assertEquals(Result.NO_OBJ, c.call(Proto.read(ObjectId.data(ghost, 3), 0, 4096), null).result());
            assertEquals(Result.NO_OBJ, c.call(Proto.read(ObjectId.inode(ghost), 0, 4664), null).result());
            assertEquals(Result.NO_OBJ, c.call(Proto.write(ObjectId.data(ghost, 3), 0, 4), new byte[4]).result());
            assertEquals(Result.NO_OBJ, c.call(RequestHeader.of(Opcode.DISCARD_OBJ, 0, 0,
                    ObjRequest.of(ObjectId.data(ghost, 3), 0)), null).result());
        }
        assertEquals(List.of(), log.warnings(), "NO_OBJ is an answer, not an incident");
        bystanderServed();
    }

    @Test
    void offsetsPastTheObjectEnd() throws Exception {
        long oid = ObjectId.data(vid, 0);
        int objSize = 4 << 20;
        try (RawClient c = new RawClient(sheep.port())) {
            // writing past the end: sheep would grow the file beyond the object size; we refuse
            assertEquals(Result.INVALID_PARMS, c.call(Proto.write(oid, objSize - 2, 8), new byte[8]).result());
            assertEquals(Result.INVALID_PARMS, c.call(Proto.create(ObjectId.data(vid, 1), objSize, 1),
                    new byte[1]).result());
            // reading past the end: sheep answers the full length with unspecified tail bytes; ours are zeros
            RawClient.Response r = c.call(Proto.read(oid, objSize - 4, 8), null);
            assertEquals(Result.SUCCESS, r.result());
            assertArrayEquals(new byte[8], r.data());
        }
        List<String> w = awaitWarnings(2);
        assertEquals(2, w.size(), "one line per refused write: " + w);
        bystanderServed();
    }

    /** 4 MiB reads are answered by the writer thread, 16 KiB ones by the reader itself (inline). */
    @ParameterizedTest
    @CsvSource({"4194304, 40", "16384, 1000"})
    void clientThatStopsReadingResponsesIsDroppedWithoutStallingOthers(int size, int count) throws Exception {
        try (RawClient c = new RawClient(sheep.port())) {
            c.socket().setReceiveBufferSize(4096);
            for (int i = 0; i < count; i++) {
                c.send(Proto.read(ObjectId.data(vid, 0), 0, size).withId(i), null); // never read back
            }
            long t0 = System.nanoTime();
            bystanderServed();
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "bystander waited for the stalled client");
            assertTrue(c.closedByServer(10_000) || awaitWarnings(1).size() == 1);
        }
        assertOneLogLine("stopped reading responses");
        bystanderServed();
    }
}
