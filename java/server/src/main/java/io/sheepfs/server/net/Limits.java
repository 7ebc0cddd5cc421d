package io.sheepfs.server.net;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;

/**
 * Upper bounds on what a request may make this server allocate. Sheep allocates whatever a
 * header announces; we refuse instead.
 */
public final class Limits {
    /** Largest object I/O we buffer: covers inodes and data objects up to block_size_shift 26. */
    public static final int MAX_IO = 64 << 20;
    /** Memory all connections together may hold in request and response buffers. */
    public static final long BUDGET_BYTES = 512L << 20;
    /** The share of it one connection may hold, so one client that stops reading cannot starve the rest. */
    public static final long CONNECTION_BUDGET_BYTES = MAX_IO + (32L << 20);
    /** Requests one connection may have in flight before its reader stops reading. */
    public static final int MAX_IN_FLIGHT = 128;
    public static final int MAX_CONNECTIONS = 1024;

    private Limits() {
    }

    /** The largest payload (WRITE flag) the protocol permits for {@code opcode}. */
    public static long maxPayload(int opcode) {
        return switch (opcode) {
            case Opcode.CREATE_AND_WRITE_OBJ, Opcode.WRITE_OBJ, Opcode.CREATE_AND_WRITE_PEER, Opcode.WRITE_PEER ->
                MAX_IO;
            case Opcode.NEW_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI, Opcode.LOCK_VDI -> 512;
            case Opcode.GET_VDI_ATTR -> ObjectId.ATTR_SIZE;
            case Opcode.OIDS_EXIST -> 1 << 20;
            default -> 64 << 10;
        };
    }

    /** The largest response buffer a request may ask us to fill. */
    public static long maxResponse(int opcode) {
        return switch (opcode) {
            case Opcode.READ_OBJ, Opcode.READ_PEER -> MAX_IO;
            default -> Long.MAX_VALUE; // other replies are built at their own size, never from dl
        };
    }
}
