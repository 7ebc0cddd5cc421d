package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

/**
 * The first 16 bytes shared by request and response headers: proto_ver u8 @0, opcode u8 @1,
 * flags u16 @2, epoch u32 @4, id u32 @8, data_length u32 @12.
 */
final class CommonFields {
    static final int SIZE = 48;

    private CommonFields() {
    }

    static void check(int protoVersion, int opcode, int flags, long dataLength, UnionBytes union, int unionSize) {
        Fields.u8("proto_ver", protoVersion);
        Fields.u8("opcode", opcode);
        Fields.u16("flags", flags);
        Fields.u32("data_length", dataLength);
        if (union.length() != unionSize) {
            throw new ProtocolException("header union must be " + unionSize + " bytes, got " + union.length());
        }
    }

    /** Throws unless {@code b} holds a 48-byte header at {@code off}. */
    static void requireHeader(String what, byte[] b, int off) {
        if (off < 0 || off > b.length || b.length - off < SIZE) {
            throw new ProtocolException(what + ": need 48 bytes, got " + Math.max(0, b.length - Math.max(0, off)));
        }
    }

    /** Throws unless {@code b} is exactly one header. */
    static void requireExact(String what, byte[] b) {
        if (b.length != SIZE) {
            throw new ProtocolException(what + " must be 48 bytes, got " + b.length);
        }
    }

    static void encode(byte[] b, int off, int protoVersion, int opcode, int flags, int epoch, int id, long dataLength) {
        Le.put8(b, off, protoVersion);
        Le.put8(b, off + 1, opcode);
        Le.put16(b, off + 2, flags);
        Le.put32(b, off + 4, epoch);
        Le.put32(b, off + 8, id);
        Le.put32(b, off + 12, dataLength);
    }
}
