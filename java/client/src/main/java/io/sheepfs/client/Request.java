package io.sheepfs.client;

import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.RequestUnion;

/**
 * A request ready to send: its header (the connection assigns the id) and, with the WRITE
 * flag, exactly {@code header.dataLength()} payload bytes.
 *
 * @param header  the request header; its id is replaced by the connection's
 * @param payload the bytes after the header (empty unless WRITE)
 */
public record Request(RequestHeader header, byte[] payload) {
    private static final byte[] NONE = new byte[0];

    public Request {
        boolean write = header.hasPayload();
        if (write && payload.length != header.dataLength()) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes, header announces "
                    + header.dataLength());
        }
        if (!write && payload.length != 0) {
            throw new IllegalArgumentException("payload without the WRITE flag");
        }
    }

    /** A request without payload offering a response buffer of {@code buffer} bytes. */
    public static Request read(int opcode, int flags, long buffer, RequestUnion union) {
        return new Request(RequestHeader.of(opcode, flags & ~RequestFlags.WRITE, buffer, union), NONE);
    }

    /** A request carrying {@code payload} (WRITE flag added). */
    public static Request write(int opcode, int flags, byte[] payload, RequestUnion union) {
        return new Request(RequestHeader.of(opcode, flags | RequestFlags.WRITE, payload.length, union), payload);
    }

    /**
     * The most response data this request accepts: sheep writes the answer into the request's
     * own buffer, so it can never legitimately send more than {@code data_length}.
     */
    public long responseLimit() {
        return header.dataLength();
    }

    public int opcode() {
        return header.opcode();
    }
}
