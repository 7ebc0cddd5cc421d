package io.sheepfs.protocol.props;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.header.CheckpointRequest;
import io.sheepfs.protocol.header.ClusterDefaultResponse;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.ForwardRequest;
import io.sheepfs.protocol.header.HashResponse;
import io.sheepfs.protocol.header.InodeCoherenceRequest;
import io.sheepfs.protocol.header.NodeResponse;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.ObjResponse;
import io.sheepfs.protocol.header.RefRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.RequestUnion;
import io.sheepfs.protocol.header.RequestVariant;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.header.ResponseUnion;
import io.sheepfs.protocol.header.ResponseVariant;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.header.VdiResponse;
import io.sheepfs.protocol.header.VdiStateRequest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Encode/decode round trips of both headers and every union variant. */
class HeaderProperties {
    @Property
    void anyRequestBytesRoundTrip(@ForAll @Size(48) byte[] wire) {
        RequestHeader h = RequestHeader.decode(wire);
        assertArrayEquals(wire, h.encode());
        assertEquals(h, RequestHeader.decode(h.encode()));
        // the typed variant of the union is stable under re-encoding
        RequestUnion body = h.body();
        assertEquals(body, RequestHeader.of(h.protoVersion(), h.opcode(), h.flags(), h.epoch(), h.id(),
            h.dataLength(), body).body());
    }

    @Property
    void anyResponseBytesRoundTrip(@ForAll @Size(48) byte[] wire) {
        ResponseHeader h = ResponseHeader.decode(wire);
        assertArrayEquals(wire, h.encode());
        ResponseUnion body = h.body();
        assertEquals(body, ResponseHeader.decode(new ResponseHeader(h.protoVersion(), h.opcode(), h.flags(), h.epoch(),
            h.id(), h.dataLength(), h.result(), body.toUnionBytes()).encode()).body());
    }

    @Property
    void typedRequestsRoundTrip(@ForAll("requestUnions") RequestUnion body, @ForAll("u16") int flags,
                                @ForAll int epoch, @ForAll int id, @ForAll("u32") long dl) {
        int opcode = opcodeFor(body);
        RequestHeader h = RequestHeader.of(Opcode.protoVersion(opcode), opcode, flags, epoch, id, dl, body);
        RequestHeader back = RequestHeader.decode(h.encode());
        assertEquals(h, back);
        assertEquals(body, back.body());
        assertEquals(Opcode.protoVersion(opcode), back.protoVersion());
    }

    @Property
    void typedResponsesRoundTrip(@ForAll("responseUnions") ResponseUnion body, @ForAll int epoch, @ForAll int id,
                                 @ForAll int result, @ForAll("u32") long dl) {
        int opcode = body instanceof ObjResponse ? Opcode.READ_OBJ
            : body instanceof VdiResponse ? Opcode.GET_VDI_INFO
            : body instanceof NodeResponse ? Opcode.GET_NODE_LIST
            : body instanceof HashResponse ? Opcode.GET_HASH
            : body instanceof ClusterDefaultResponse ? Opcode.GET_CLUSTER_DEFAULT : Opcode.READ_VDIS;
        ResponseHeader h = ResponseHeader.of(opcode, epoch, id, result, dl, body);
        ResponseHeader back = ResponseHeader.decode(h.encode());
        assertEquals(h, back);
        assertEquals(body, back.body());
    }

    private static int opcodeFor(RequestUnion body) {
        int op = body instanceof ObjRequest ? Opcode.WRITE_OBJ
            : body instanceof VdiRequest ? Opcode.NEW_VDI
            : body instanceof ClusterRequest ? Opcode.MAKE_FS
            : body instanceof VdiStateRequest ? Opcode.NOTIFY_VDI_ADD
            : body instanceof RefRequest ? Opcode.DECREF_OBJ
            : body instanceof ForwardRequest ? Opcode.REPAIR_REPLICA
            : body instanceof CheckpointRequest ? Opcode.VDI_STATE_CHECKPOINT_CTL
            : body instanceof InodeCoherenceRequest ? Opcode.INODE_COHERENCE : Opcode.READ_VDIS;
        assertEquals(body.getClass(), RequestVariant.of(op).decode(new byte[32]).getClass());
        return op;
    }

    @Provide
    Arbitrary<Integer> u16() {
        return Arbitraries.integers().between(0, 0xffff);
    }

    @Provide
    Arbitrary<Long> u32() {
        return Arbitraries.longs().between(0, 0xFFFF_FFFFL);
    }

    private static Arbitrary<Integer> u8() {
        return Arbitraries.integers().between(0, 255);
    }

    @Provide
    Arbitrary<RequestUnion> requestUnions() {
        Arbitrary<Long> l = Arbitraries.longs();
        Arbitrary<Integer> i = Arbitraries.integers();
        Arbitrary<RequestUnion> obj = Combinators.combine(l, l, u8(), u8(), u8(), i, u32())
            .as(ObjRequest::new);
        Arbitrary<RequestUnion> vdi = Combinators.combine(l, i, u8(), u8(), u8(), u8(), i, i).as(VdiRequest::new);
        Arbitrary<RequestUnion> cluster = Combinators.combine(l, l, u8(), u8(), u16(), i, i, u8())
            .as(ClusterRequest::new);
        Arbitrary<RequestUnion> state = Combinators.combine(i, i, u8(), u8(), u8(), u8()).as(VdiStateRequest::new);
        Arbitrary<RequestUnion> ref = Combinators.combine(l, i, i).as(RefRequest::new);
        Arbitrary<RequestUnion> forw = Combinators.combine(l, Arbitraries.bytes().array(byte[].class).ofSize(16), u16())
            .as((o, a, p) -> new ForwardRequest(o, new NodeAddress(a), p));
        Arbitrary<RequestUnion> cp = Combinators.combine(i, i, i).as(CheckpointRequest::new);
        Arbitrary<RequestUnion> ic = Combinators.combine(i, i).as(InodeCoherenceRequest::new);
        return Arbitraries.oneOf(obj, vdi, cluster, state, ref, forw, cp, ic);
    }

    @Provide
    Arbitrary<ResponseUnion> responseUnions() {
        Arbitrary<Integer> i = Arbitraries.integers();
        Arbitrary<Long> l = Arbitraries.longs();
        return Arbitraries.oneOf(
            Combinators.combine(u8(), l).as(ObjResponse::new),
            Combinators.combine(i, i, i, u8(), u8()).as(VdiResponse::new),
            Combinators.combine(i, l, l).as(NodeResponse::new),
            Arbitraries.bytes().array(byte[].class).ofSize(20).map(HashResponse::new),
            Combinators.combine(u8(), u8(), u8()).as(ClusterDefaultResponse::new));
    }

    @Property
    void responseVariantTableCoversEveryOpcode(@ForAll("u8op") int op) {
        ResponseVariant v = ResponseVariant.of(op);
        assertEquals(v, ResponseVariant.of(op));
        RequestVariant.of(op).decode(new byte[32]);
    }

    @Provide
    Arbitrary<Integer> u8op() {
        return u8();
    }
}
