package io.sheepfs.protocol;

import java.util.Map;
import java.util.TreeMap;

/**
 * Sheepdog 1.0 opcodes (PROTOCOL.md section 4) with their names. Opcodes below 0x80 are public
 * and sent with proto_ver {@link #PROTO_VER} 0x02; the others are internal and need exactly
 * {@link #SHEEP_PROTO_VER} 0x0a.
 */
public final class Opcode {
    public static final int PROTO_VER = 0x02;
    public static final int SHEEP_PROTO_VER = 0x0a;

    public static final int CREATE_AND_WRITE_OBJ = 0x01;
    public static final int READ_OBJ = 0x02;
    public static final int WRITE_OBJ = 0x03;
    public static final int REMOVE_OBJ = 0x04;
    public static final int DISCARD_OBJ = 0x05;
    public static final int NEW_VDI = 0x11;
    public static final int LOCK_VDI = 0x12;
    public static final int RELEASE_VDI = 0x13;
    public static final int GET_VDI_INFO = 0x14;
    public static final int READ_VDIS = 0x15;
    public static final int FLUSH_VDI = 0x16;
    public static final int DEL_VDI = 0x17;
    public static final int GET_CLUSTER_DEFAULT = 0x18;

    public static final int GET_NODE_LIST = 0x82;
    public static final int MAKE_FS = 0x84;
    public static final int SHUTDOWN = 0x85;
    public static final int STAT_SHEEP = 0x86;
    public static final int STAT_CLUSTER = 0x87;
    public static final int GET_VDI_ATTR = 0x89;
    public static final int FORCE_RECOVER = 0x8A;
    public static final int GET_STORE_LIST = 0x90;
    public static final int SNAPSHOT = 0x91;
    public static final int RESTORE = 0x92;
    public static final int GET_SNAP_FILE = 0x93;
    public static final int CLEANUP = 0x94;
    public static final int TRACE_STATUS = 0x95;
    public static final int TRACE_READ_BUF = 0x96;
    public static final int STAT_RECOVERY = 0x97;
    public static final int FLUSH_DEL_CACHE = 0x98;
    public static final int NOTIFY_VDI_DEL = 0x99;
    public static final int KILL_NODE = 0x9A;
    public static final int TRACE_ENABLE = 0x9B;
    public static final int TRACE_DISABLE = 0x9C;
    public static final int GET_OBJ_LIST = 0xA1;
    public static final int GET_EPOCH = 0xA2;
    public static final int CREATE_AND_WRITE_PEER = 0xA3;
    public static final int READ_PEER = 0xA4;
    public static final int WRITE_PEER = 0xA5;
    public static final int REMOVE_PEER = 0xA6;
    public static final int ENABLE_RECOVER = 0xA8;
    public static final int DISABLE_RECOVER = 0xA9;
    public static final int GET_VDI_COPIES = 0xAB;
    public static final int COMPLETE_RECOVERY = 0xAC;
    public static final int FLUSH_NODES = 0xAD;
    public static final int FLUSH_PEER = 0xAE;
    public static final int NOTIFY_VDI_ADD = 0xAF;
    public static final int DELETE_CACHE = 0xB0;
    public static final int MD_INFO = 0xB1;
    public static final int MD_PLUG = 0xB2;
    public static final int MD_UNPLUG = 0xB3;
    public static final int GET_HASH = 0xB4;
    public static final int REWEIGHT = 0xB5;
    public static final int GET_CACHE_INFO = 0xB6;
    public static final int CACHE_PURGE = 0xB7;
    public static final int STAT = 0xB8;
    public static final int GET_LOGLEVEL = 0xB9;
    public static final int SET_LOGLEVEL = 0xBA;
    public static final int NFS_CREATE = 0xBB;
    public static final int NFS_DELETE = 0xBC;
    public static final int EXIST = 0xBD;
    public static final int CLUSTER_INFO = 0xBE;
    public static final int ALTER_CLUSTER_COPY = 0xBF;
    public static final int ALTER_VDI_COPY = 0xC0;
    public static final int DECREF_OBJ = 0xC1;
    public static final int DECREF_PEER = 0xC2;
    public static final int PREVENT_INODE_UPDATE = 0xC3;
    public static final int ALLOW_INODE_UPDATE = 0xC4;
    public static final int REPAIR_REPLICA = 0xC5;
    public static final int OIDS_EXIST = 0xC6;
    public static final int VDI_STATE_CHECKPOINT_CTL = 0xC7;
    public static final int INODE_COHERENCE = 0xC8;
    public static final int READ_DEL_VDIS = 0xC9;
    public static final int GET_RECOVERY = 0xCA;
    public static final int SET_RECOVERY = 0xCB;
    public static final int SET_VNODES = 0xCC;
    public static final int GET_VNODES = 0xCD;

    private static final Map<Integer, String> NAMES = new TreeMap<>();

    static {
        Object[][] t = {
            {CREATE_AND_WRITE_OBJ, "CREATE_AND_WRITE_OBJ"}, {READ_OBJ, "READ_OBJ"}, {WRITE_OBJ, "WRITE_OBJ"},
            {REMOVE_OBJ, "REMOVE_OBJ"}, {DISCARD_OBJ, "DISCARD_OBJ"}, {NEW_VDI, "NEW_VDI"}, {LOCK_VDI, "LOCK_VDI"},
            {RELEASE_VDI, "RELEASE_VDI"}, {GET_VDI_INFO, "GET_VDI_INFO"}, {READ_VDIS, "READ_VDIS"},
            {FLUSH_VDI, "FLUSH_VDI"}, {DEL_VDI, "DEL_VDI"}, {GET_CLUSTER_DEFAULT, "GET_CLUSTER_DEFAULT"},
            {GET_NODE_LIST, "GET_NODE_LIST"}, {MAKE_FS, "MAKE_FS"}, {SHUTDOWN, "SHUTDOWN"},
            {STAT_SHEEP, "STAT_SHEEP"}, {STAT_CLUSTER, "STAT_CLUSTER"}, {GET_VDI_ATTR, "GET_VDI_ATTR"},
            {FORCE_RECOVER, "FORCE_RECOVER"}, {GET_STORE_LIST, "GET_STORE_LIST"}, {SNAPSHOT, "SNAPSHOT"},
            {RESTORE, "RESTORE"}, {GET_SNAP_FILE, "GET_SNAP_FILE"}, {CLEANUP, "CLEANUP"},
            {TRACE_STATUS, "TRACE_STATUS"}, {TRACE_READ_BUF, "TRACE_READ_BUF"}, {STAT_RECOVERY, "STAT_RECOVERY"},
            {FLUSH_DEL_CACHE, "FLUSH_DEL_CACHE"}, {NOTIFY_VDI_DEL, "NOTIFY_VDI_DEL"}, {KILL_NODE, "KILL_NODE"},
            {TRACE_ENABLE, "TRACE_ENABLE"}, {TRACE_DISABLE, "TRACE_DISABLE"}, {GET_OBJ_LIST, "GET_OBJ_LIST"},
            {GET_EPOCH, "GET_EPOCH"}, {CREATE_AND_WRITE_PEER, "CREATE_AND_WRITE_PEER"}, {READ_PEER, "READ_PEER"},
            {WRITE_PEER, "WRITE_PEER"}, {REMOVE_PEER, "REMOVE_PEER"}, {ENABLE_RECOVER, "ENABLE_RECOVER"},
            {DISABLE_RECOVER, "DISABLE_RECOVER"}, {GET_VDI_COPIES, "GET_VDI_COPIES"},
            {COMPLETE_RECOVERY, "COMPLETE_RECOVERY"}, {FLUSH_NODES, "FLUSH_NODES"}, {FLUSH_PEER, "FLUSH_PEER"},
            {NOTIFY_VDI_ADD, "NOTIFY_VDI_ADD"}, {DELETE_CACHE, "DELETE_CACHE"}, {MD_INFO, "MD_INFO"},
            {MD_PLUG, "MD_PLUG"}, {MD_UNPLUG, "MD_UNPLUG"}, {GET_HASH, "GET_HASH"}, {REWEIGHT, "REWEIGHT"},
            {GET_CACHE_INFO, "GET_CACHE_INFO"}, {CACHE_PURGE, "CACHE_PURGE"}, {STAT, "STAT"},
            {GET_LOGLEVEL, "GET_LOGLEVEL"}, {SET_LOGLEVEL, "SET_LOGLEVEL"}, {NFS_CREATE, "NFS_CREATE"},
            {NFS_DELETE, "NFS_DELETE"}, {EXIST, "EXIST"}, {CLUSTER_INFO, "CLUSTER_INFO"},
            {ALTER_CLUSTER_COPY, "ALTER_CLUSTER_COPY"}, {ALTER_VDI_COPY, "ALTER_VDI_COPY"},
            {DECREF_OBJ, "DECREF_OBJ"}, {DECREF_PEER, "DECREF_PEER"},
            {PREVENT_INODE_UPDATE, "PREVENT_INODE_UPDATE"}, {ALLOW_INODE_UPDATE, "ALLOW_INODE_UPDATE"},
            {REPAIR_REPLICA, "REPAIR_REPLICA"}, {OIDS_EXIST, "OIDS_EXIST"},
            {VDI_STATE_CHECKPOINT_CTL, "VDI_STATE_CHECKPOINT_CTL"}, {INODE_COHERENCE, "INODE_COHERENCE"},
            {READ_DEL_VDIS, "READ_DEL_VDIS"}, {GET_RECOVERY, "GET_RECOVERY"}, {SET_RECOVERY, "SET_RECOVERY"},
            {SET_VNODES, "SET_VNODES"}, {GET_VNODES, "GET_VNODES"},
        };
        for (Object[] e : t) {
            NAMES.put((Integer) e[0], (String) e[1]);
        }
    }

    private Opcode() {
    }

    /** True if sheep 1.0 defines this opcode (with or without a handler). */
    public static boolean isKnown(int opcode) {
        return NAMES.containsKey(opcode);
    }

    /** Name without the SD_OP_ prefix, or "UNKNOWN(0x70)" for undefined values. */
    public static String name(int opcode) {
        String n = NAMES.get(opcode);
        return n != null ? n : String.format("UNKNOWN(0x%02x)", opcode);
    }

    /** True for internal (sheep-to-sheep / admin) opcodes, i.e. opcode >= 0x80. */
    public static boolean isInternal(int opcode) {
        return opcode >= 0x80;
    }

    /** The proto_ver a client must send with this opcode: 0x0a for internal ones, else 0x02. */
    public static int protoVersion(int opcode) {
        return isInternal(opcode) ? SHEEP_PROTO_VER : PROTO_VER;
    }

    /** All defined opcodes, ascending. */
    public static int[] all() {
        return NAMES.keySet().stream().mapToInt(Integer::intValue).toArray();
    }
}
