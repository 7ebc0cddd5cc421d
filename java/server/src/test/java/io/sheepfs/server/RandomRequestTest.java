package io.sheepfs.server;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.UnionBytes;
import io.sheepfs.server.net.Limits;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary headers and payloads (within the connection's payload limits) never make the node
 * throw, and every answer fits the buffer the request offered (except the two opcodes sheep
 * overfills). Destructive opcodes (format, shutdown) are left out so the node keeps state to work on.
 */
class RandomRequestTest {
    private static Path dir;
    private static Sheep sheep;
    private static int vid;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("sheep-props");
        sheep = new Sheep(dir, false);
        sheep.handle(Proto.format(1), Proto.PLAIN);
        Reply r = sheep.handle(Proto.newVdi(1L << 30), Proto.name("p"));
        vid = r.vdiId();
        sheep.handle(Proto.create(ObjectId.data(vid, 0), 0, 4), new byte[] {1, 2, 3, 4});
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<RequestHeader> headers() {
        Arbitrary<Integer> ops = Arbitraries.oneOf(
                Arbitraries.of(Opcode.READ_OBJ, Opcode.WRITE_OBJ, Opcode.CREATE_AND_WRITE_OBJ, Opcode.DISCARD_OBJ,
                        Opcode.REMOVE_OBJ, Opcode.NEW_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI, Opcode.LOCK_VDI,
                        Opcode.RELEASE_VDI, Opcode.GET_VDI_ATTR, Opcode.READ_VDIS, Opcode.READ_DEL_VDIS,
                        Opcode.STAT_CLUSTER, Opcode.GET_VDI_COPIES, Opcode.CLUSTER_INFO, Opcode.GET_NODE_LIST,
                        Opcode.OIDS_EXIST, Opcode.EXIST, Opcode.GET_HASH, Opcode.FLUSH_VDI),
                Arbitraries.integers().between(0, 255).filter(op -> op != Opcode.MAKE_FS && op != Opcode.SHUTDOWN));
        Arbitrary<Long> oids = Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.integers().between(0, 70).map(i -> ObjectId.data(vid, i)),
                Arbitraries.just(ObjectId.inode(vid)));
        Arbitrary<Long> dls = Arbitraries.oneOf(Arbitraries.longs().between(0, 0xFFFF_FFFFL),
                Arbitraries.of(0L, 4L, 256L, 512L, 4664L, 66320L, 2097152L, 491568L));
        return Combinators.combine(ops, Arbitraries.integers().between(0, 0xffff), dls, oids,
                Arbitraries.bytes().array(byte[].class).ofSize(24), Arbitraries.of(0, 2, 0x0a, 0x7f))
                .as((op, flags, dl, oid, rest, proto) -> {
                    byte[] u = new byte[32];
                    io.sheepfs.protocol.Le.put64(u, 0, oid);
                    System.arraycopy(rest, 0, u, 8, 24);
                    return new RequestHeader(op >= 0x80 && proto == 2 ? 0x0a : proto, op, flags, 0, 7, dl,
                            new UnionBytes(u));
                });
    }

    @Property(tries = 400)
    void anyRequestGetsABoundedAnswer(@ForAll("headers") RequestHeader h) {
        byte[] payload = null;
        if (h.hasFlag(RequestFlags.WRITE)) {
            long n = Math.min(h.dataLength(), Math.min(Limits.maxPayload(h.opcode()), 1 << 20));
            payload = new byte[(int) n];
            for (int i = 0; i < payload.length; i += 97) {
                payload[i] = (byte) (i * 31 + h.opcode());
            }
        }
        Reply r = sheep.handle(h, payload);
        assertNotNull(r);
        assertTrue(Result.isKnown(r.result()), "result " + r.result());
        if (h.opcode() == Opcode.READ_OBJ && r.result() == Result.SUCCESS) {
            assertEquals(h.dataLength(), r.dataLength());
        }
        assertTrue(r.dataLength() <= Math.max(h.dataLength(), io.sheepfs.protocol.cluster.ClusterInfo.SIZE),
                "answer of " + r.dataLength() + " bytes to a " + h.dataLength() + "-byte buffer");
    }
}
