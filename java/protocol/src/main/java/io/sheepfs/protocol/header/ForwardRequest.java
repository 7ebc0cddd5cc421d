package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.NodeAddress;

/** forw variant: REPAIR_REPLICA. Header offsets: 16 oid; 24 addr[16]; 40 port u16. */
public record ForwardRequest(long oid, NodeAddress addr, int port) implements RequestUnion {
    public ForwardRequest {
        java.util.Objects.requireNonNull(addr, "addr");
        Fields.u16("port", port);
    }

    public static ForwardRequest decode(byte[] u) {
        return new ForwardRequest(Le.u64(u, 0), NodeAddress.read(u, 8), Le.u16(u, 24));
    }

    @Override
    public void encodeTo(byte[] u) {
        Le.put64(u, 0, oid);
        addr.writeTo(u, 8);
        Le.put16(u, 24, port);
    }
}
