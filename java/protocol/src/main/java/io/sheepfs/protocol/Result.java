package io.sheepfs.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Sheepdog 1.0 result codes (PROTOCOL.md section 5) with their names and the exact strings dog
 * prints ({@link #message}).
 */
public final class Result {
    public static final int SUCCESS = 0x00;
    public static final int UNKNOWN = 0x01;
    public static final int NO_OBJ = 0x02;
    public static final int EIO = 0x03;
    public static final int VDI_EXIST = 0x04;
    public static final int INVALID_PARMS = 0x05;
    public static final int SYSTEM_ERROR = 0x06;
    public static final int VDI_LOCKED = 0x07;
    public static final int NO_VDI = 0x08;
    public static final int NO_BASE_VDI = 0x09;
    public static final int VDI_READ = 0x0A;
    public static final int VDI_WRITE = 0x0B;
    public static final int BASE_VDI_READ = 0x0C;
    public static final int BASE_VDI_WRITE = 0x0D;
    public static final int NO_TAG = 0x0E;
    public static final int STARTUP = 0x0F;
    public static final int VDI_NOT_LOCKED = 0x10;
    public static final int SHUTDOWN = 0x11;
    public static final int NO_MEM = 0x12;
    public static final int FULL_VDI = 0x13;
    public static final int VER_MISMATCH = 0x14;
    public static final int NO_SPACE = 0x15;
    public static final int WAIT_FOR_FORMAT = 0x16;
    public static final int WAIT_FOR_JOIN = 0x17;
    public static final int JOIN_FAILED = 0x18;
    public static final int HALT = 0x19;
    public static final int READONLY = 0x1A;
    public static final int INODE_INVALIDATED = 0x1D;
    public static final int OLD_NODE_VER = 0x81;
    public static final int NEW_NODE_VER = 0x82;
    public static final int NOT_FORMATTED = 0x83;
    public static final int INVALID_CTIME = 0x84;
    public static final int INVALID_EPOCH = 0x85;
    public static final int NETWORK_ERROR = 0x86;
    public static final int NO_CACHE = 0x87;
    public static final int BUFFER_SMALL = 0x88;
    public static final int FORCE_RECOVER = 0x89;
    public static final int NO_STORE = 0x8A;
    public static final int NO_SUPPORT = 0x8B;
    public static final int NODE_IN_RECOVERY = 0x8C;
    public static final int KILLED = 0x8D;
    public static final int OID_EXIST = 0x8E;
    public static final int AGAIN = 0x8F;
    public static final int STALE_OBJ = 0x90;
    public static final int CLUSTER_ERROR = 0x91;
    public static final int VDI_NOT_EMPTY = 0x92;
    public static final int NOT_FOUND = 0x93;
    public static final int INCOMPLETE = 0x94;
    public static final int COLLECTING_CINFO = 0x95;
    public static final int GATEWAY_MODE = 0x97;
    public static final int INVALID_VNODES_STRATEGY = 0x98;
    public static final int NO_CHECKPOINT_ENTRY = 0x99;

    private record Entry(String name, String message) {
    }

    private static final Map<Integer, Entry> TABLE = new HashMap<>();

    private static void def(int code, String name, String message) {
        TABLE.put(code, new Entry(name, message));
    }

    static {
        def(SUCCESS, "SUCCESS", "Success");
        def(UNKNOWN, "UNKNOWN", "Unknown error");
        def(NO_OBJ, "NO_OBJ", "No object found");
        def(EIO, "EIO", "I/O error");
        def(VDI_EXIST, "VDI_EXIST", "VDI exists already");
        def(INVALID_PARMS, "INVALID_PARMS", "Invalid parameters");
        def(SYSTEM_ERROR, "SYSTEM_ERROR", "System error");
        def(VDI_LOCKED, "VDI_LOCKED", "VDI is already locked");
        def(NO_VDI, "NO_VDI", "No VDI found");
        def(NO_BASE_VDI, "NO_BASE_VDI", "No base VDI found");
        def(VDI_READ, "VDI_READ", "Failed to read from requested VDI");
        def(VDI_WRITE, "VDI_WRITE", "Failed to write to requested VDI");
        def(BASE_VDI_READ, "BASE_VDI_READ", "Failed to read from base VDI");
        def(BASE_VDI_WRITE, "BASE_VDI_WRITE", "Failed to write to base VDI");
        def(NO_TAG, "NO_TAG", "Failed to find requested tag");
        def(STARTUP, "STARTUP", "System is still booting");
        def(VDI_NOT_LOCKED, "VDI_NOT_LOCKED", "VDI is not locked");
        def(SHUTDOWN, "SHUTDOWN", "System is shutting down");
        def(NO_MEM, "NO_MEM", "Out of memory on server");
        def(FULL_VDI, "FULL_VDI", "Maximum number of VDIs reached");
        def(VER_MISMATCH, "VER_MISMATCH", "Protocol version mismatch");
        def(NO_SPACE, "NO_SPACE", "Server has no space for new objects");
        def(WAIT_FOR_FORMAT, "WAIT_FOR_FORMAT", "Waiting for cluster to be formatted");
        def(WAIT_FOR_JOIN, "WAIT_FOR_JOIN", "Waiting for other nodes to join cluster");
        def(JOIN_FAILED, "JOIN_FAILED", "Node has failed to join cluster");
        def(HALT, "HALT", "IO has halted as there are not enough living nodes");
        def(READONLY, "READONLY", "Object is read-only");
        def(INODE_INVALIDATED, "INODE_INVALIDATED", "Inode object is invalidated");
        def(OLD_NODE_VER, "OLD_NODE_VER", "Request has an old epoch");
        def(NEW_NODE_VER, "NEW_NODE_VER", "Request has a new epoch");
        def(NOT_FORMATTED, "NOT_FORMATTED", "Cluster has not been formatted");
        def(INVALID_CTIME, "INVALID_CTIME", "Creation times differ");
        def(INVALID_EPOCH, "INVALID_EPOCH", "Invalid epoch");
        def(NETWORK_ERROR, "NETWORK_ERROR", "Network error between sheep");
        def(NO_CACHE, "NO_CACHE", "No cache object found");
        def(BUFFER_SMALL, "BUFFER_SMALL", "The buffer is too small");
        def(FORCE_RECOVER, "FORCE_RECOVER", "Cluster is running/halted and cannot be force recovered");
        def(NO_STORE, "NO_STORE", "Targeted backend store is not found");
        def(NO_SUPPORT, "NO_SUPPORT", "Operation is not supported");
        def(NODE_IN_RECOVERY, "NODE_IN_RECOVERY", "Targeted node is in recovery");
        def(KILLED, "KILLED", "Node is killed");
        def(OID_EXIST, "OID_EXIST", "Object ID exists already");
        def(AGAIN, "AGAIN", "Ask to try again");
        def(STALE_OBJ, "STALE_OBJ", "Object may be stale");
        def(CLUSTER_ERROR, "CLUSTER_ERROR", "Cluster driver error");
        // defined by sheep but without a dog string: dog prints "Invalid error code 92"
        def(VDI_NOT_EMPTY, "VDI_NOT_EMPTY", null);
        def(NOT_FOUND, "NOT_FOUND", null);
        def(INCOMPLETE, "INCOMPLETE", null);
        def(COLLECTING_CINFO, "COLLECTING_CINFO", null);
        def(GATEWAY_MODE, "GATEWAY_MODE", "Targeted node is gateway mode");
        def(INVALID_VNODES_STRATEGY, "INVALID_VNODES_STRATEGY", "Invalid cluster vnodes strategy");
        def(NO_CHECKPOINT_ENTRY, "NO_CHECKPOINT_ENTRY", null);
    }

    private Result() {
    }

    /** True if sheep 1.0 defines this code. */
    public static boolean isKnown(int result) {
        return TABLE.containsKey(result);
    }

    /** Name without the SD_RES_ prefix, or "UNKNOWN(0x..)" for undefined values. */
    public static String name(int result) {
        Entry e = TABLE.get(result);
        return e != null ? e.name() : String.format("UNKNOWN(0x%x)", Integer.toUnsignedLong(result));
    }

    /** What dog prints for this result (sd_strerror): verbatim, or "Invalid error code %x". */
    public static String message(int result) {
        Entry e = TABLE.get(result);
        if (e != null && e.message() != null) {
            return e.message();
        }
        return "Invalid error code " + Integer.toHexString(result);
    }
}
