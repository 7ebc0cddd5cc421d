package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;

import java.util.Arrays;

/**
 * The 48-byte request header (PROTOCOL.md 2.1). The union is kept as raw bytes so a decoded
 * header re-encodes byte for byte; {@link #body()} gives the typed variant of the opcode.
 *
 * @param protoVersion u8: 0x02 for opcodes below 0x80, 0x0a above ({@link Opcode#protoVersion})
 * @param opcode       u8, see {@link Opcode}
 * @param flags        u16, see {@link RequestFlags}
 * @param epoch        u32 (raw bits); clients send 0
 * @param id           u32 (raw bits); echoed in the response
 * @param dataLength   u32 as long: payload bytes that follow (WRITE) or response buffer offered
 * @param union        the 32 union bytes (header 16..47)
 */
public record RequestHeader(int protoVersion, int opcode, int flags, int epoch, int id, long dataLength,
                            UnionBytes union) {
    public static final int SIZE = 48;

    public RequestHeader {
        CommonFields.check(protoVersion, opcode, flags, dataLength, union, RequestUnion.SIZE);
    }

    /** A request with the opcode's proto_ver, epoch 0 and id 0. */
    public static RequestHeader of(int opcode, int flags, long dataLength, RequestUnion body) {
        return new RequestHeader(Opcode.protoVersion(opcode), opcode, flags, 0, 0, dataLength, body.toUnionBytes());
    }

    /** Every field given explicitly. */
    public static RequestHeader of(int protoVersion, int opcode, int flags, int epoch, int id, long dataLength,
                                   RequestUnion body) {
        return new RequestHeader(protoVersion, opcode, flags, epoch, id, dataLength, body.toUnionBytes());
    }

    /** Decodes 48 bytes at {@code off}. Any byte pattern is a structurally valid header. */
    public static RequestHeader decode(byte[] b, int off) {
        CommonFields.requireHeader("request header", b, off);
        return new RequestHeader(Le.u8(b, off), Le.u8(b, off + 1), Le.u16(b, off + 2), Le.i32(b, off + 4),
            Le.i32(b, off + 8), Le.u32(b, off + 12), new UnionBytes(Arrays.copyOfRange(b, off + 16, off + SIZE)));
    }

    public static RequestHeader decode(byte[] b) {
        CommonFields.requireExact("request header", b);
        return decode(b, 0);
    }

    public void encodeTo(byte[] b, int off) {
        CommonFields.encode(b, off, protoVersion, opcode, flags, epoch, id, dataLength);
        System.arraycopy(union.raw(), 0, b, off + 16, RequestUnion.SIZE);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encodeTo(b, 0);
        return b;
    }

    /** The union variant this opcode uses. */
    public RequestVariant variant() {
        return RequestVariant.of(opcode);
    }

    /** The union decoded as the opcode's variant. */
    public RequestUnion body() {
        return variant().decode(union.raw());
    }

    /** The union read as the obj variant, whatever the opcode. */
    public ObjRequest obj() {
        return ObjRequest.decode(union.raw());
    }

    public VdiRequest vdi() {
        return VdiRequest.decode(union.raw());
    }

    public ClusterRequest cluster() {
        return ClusterRequest.decode(union.raw());
    }

    public VdiStateRequest vdiState() {
        return VdiStateRequest.decode(union.raw());
    }

    public RefRequest ref() {
        return RefRequest.decode(union.raw());
    }

    public ForwardRequest forward() {
        return ForwardRequest.decode(union.raw());
    }

    public boolean hasFlag(int bit) {
        return RequestFlags.has(flags, bit);
    }

    /** True if a payload of {@link #dataLength} bytes follows (WRITE flag). */
    public boolean hasPayload() {
        return hasFlag(RequestFlags.WRITE);
    }

    public RequestHeader withId(int newId) {
        return new RequestHeader(protoVersion, opcode, flags, epoch, newId, dataLength, union);
    }

    public RequestHeader withEpoch(int newEpoch) {
        return new RequestHeader(protoVersion, opcode, flags, newEpoch, id, dataLength, union);
    }

    public RequestHeader withProtoVersion(int v) {
        return new RequestHeader(v, opcode, flags, epoch, id, dataLength, union);
    }

    public RequestHeader withFlags(int newFlags) {
        return new RequestHeader(protoVersion, opcode, newFlags, epoch, id, dataLength, union);
    }

    public RequestHeader withDataLength(long dl) {
        return new RequestHeader(protoVersion, opcode, flags, epoch, id, dl, union);
    }

    @Override
    public String toString() {
        return "RequestHeader[" + Opcode.name(opcode) + " proto=0x" + Integer.toHexString(protoVersion) + " flags="
            + RequestFlags.describe(flags) + " epoch=" + Integer.toUnsignedString(epoch) + " id="
            + Integer.toUnsignedString(id) + " dl=" + dataLength + " " + body() + "]";
    }
}
