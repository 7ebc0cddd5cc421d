package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;

import java.util.Arrays;

/**
 * The 48-byte response header (PROTOCOL.md 2.2). Bytes 20..47 are kept raw ({@link #rest}) so a
 * decoded header re-encodes byte for byte; {@link #body()} gives the typed variant.
 *
 * @param protoVersion u8, always 0 from sheep 1.0
 * @param opcode       u8, copy of the request's
 * @param flags        u16, always 0
 * @param epoch        u32 raw bits: the server's epoch
 * @param id           u32 raw bits: copy of the request id
 * @param dataLength   u32 as long: payload bytes that follow
 * @param result       u32 raw bits, see {@link Result}
 * @param rest         header bytes 20..47
 */
public record ResponseHeader(int protoVersion, int opcode, int flags, int epoch, int id, long dataLength, int result,
                             UnionBytes rest) {
    public static final int SIZE = 48;

    public ResponseHeader {
        CommonFields.check(protoVersion, opcode, flags, dataLength, rest, ResponseUnion.SIZE);
    }

    /** A response as sheep sends it: proto_ver 0, flags 0. */
    public static ResponseHeader of(int opcode, int epoch, int id, int result, long dataLength, ResponseUnion body) {
        return new ResponseHeader(0, opcode, 0, epoch, id, dataLength, result, body.toUnionBytes());
    }

    /** The answer to {@code req}: its opcode and id, proto_ver 0, flags 0. */
    public static ResponseHeader reply(RequestHeader req, int epoch, int result, long dataLength, ResponseUnion body) {
        return of(req.opcode(), epoch, req.id(), result, dataLength, body);
    }

    public static ResponseHeader decode(byte[] b, int off) {
        CommonFields.requireHeader("response header", b, off);
        return new ResponseHeader(Le.u8(b, off), Le.u8(b, off + 1), Le.u16(b, off + 2), Le.i32(b, off + 4),
            Le.i32(b, off + 8), Le.u32(b, off + 12), Le.i32(b, off + 16),
            new UnionBytes(Arrays.copyOfRange(b, off + 20, off + SIZE)));
    }

    public static ResponseHeader decode(byte[] b) {
        CommonFields.requireExact("response header", b);
        return decode(b, 0);
    }

    public void encodeTo(byte[] b, int off) {
        CommonFields.encode(b, off, protoVersion, opcode, flags, epoch, id, dataLength);
        Le.put32(b, off + 16, result);
        System.arraycopy(rest.raw(), 0, b, off + 20, ResponseUnion.SIZE);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encodeTo(b, 0);
        return b;
    }

    public ResponseVariant variant() {
        return ResponseVariant.of(opcode);
    }

    /** Bytes 20..47 decoded as the opcode's variant. */
    public ResponseUnion body() {
        return variant().decode(rest.raw());
    }

    public ObjResponse obj() {
        return ObjResponse.decode(rest.raw());
    }

    public VdiResponse vdi() {
        return VdiResponse.decode(rest.raw());
    }

    public NodeResponse node() {
        return NodeResponse.decode(rest.raw());
    }

    public HashResponse hash() {
        return HashResponse.decode(rest.raw());
    }

    public ClusterDefaultResponse clusterDefault() {
        return ClusterDefaultResponse.decode(rest.raw());
    }

    public boolean isSuccess() {
        return result == Result.SUCCESS;
    }

    public ResponseHeader withDataLength(long dl) {
        return new ResponseHeader(protoVersion, opcode, flags, epoch, id, dl, result, rest);
    }

    @Override
    public String toString() {
        return "ResponseHeader[" + Opcode.name(opcode) + " result=" + Result.name(result) + " epoch="
            + Integer.toUnsignedString(epoch) + " id=" + Integer.toUnsignedString(id) + " dl=" + dataLength + " "
            + body() + "]";
    }
}
