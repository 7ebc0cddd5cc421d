package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.ProtocolException;

/**
 * node_id (PROTOCOL.md 7.4), 40 bytes: addr[16] @0, port u16 @16, io_addr[16] @18, io_port u16 @34,
 * 4 bytes pad. {@link #toString} is dog's "addr:port".
 */
public record NodeId(NodeAddress addr, int port, NodeAddress ioAddr, int ioPort) {
    public static final int SIZE = 40;

    public NodeId {
        java.util.Objects.requireNonNull(addr, "addr");
        java.util.Objects.requireNonNull(ioAddr, "ioAddr");
        Fields.u16("port", port);
        Fields.u16("io_port", ioPort);
    }

    /** A node without a separate I/O address. */
    public static NodeId of(NodeAddress addr, int port) {
        return new NodeId(addr, port, NodeAddress.ZERO, 0);
    }

    public static NodeId decode(byte[] b, int off) {
        ProtocolException.requireLength("node_id", b.length - off, SIZE);
        return new NodeId(NodeAddress.read(b, off), Le.u16(b, off + 16), NodeAddress.read(b, off + 18),
            Le.u16(b, off + 34));
    }

    public void encodeTo(byte[] b, int off) {
        addr.writeTo(b, off);
        Le.put16(b, off + 16, port);
        ioAddr.writeTo(b, off + 18);
        Le.put16(b, off + 34, ioPort);
        Le.put32(b, off + 36, 0);
    }

    /** dog's "a.b.c.d:port" ({@link io.sheepfs.protocol.format.DogFormat#address}). */
    @Override
    public String toString() {
        return io.sheepfs.protocol.format.DogFormat.address(addr, port);
    }
}
