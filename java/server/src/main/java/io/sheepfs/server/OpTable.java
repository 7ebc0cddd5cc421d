package io.sheepfs.server;

import io.sheepfs.protocol.Opcode;

import java.util.HashMap;
import java.util.Map;

/**
 * The opcodes this node has a handler for (anything else is INVALID_PARMS, as in sheep), whether
 * each is served before format ("force") and whether it is a cluster operation (serialized).
 * Opcodes sheep 1.0 defines without a handler (SNAPSHOT, RESTORE, GET_CACHE_INFO, ...) are absent.
 */
final class OpTable {
    record Entry(boolean force, boolean cluster) {
    }

    private static final Map<Integer, Entry> OPS = new HashMap<>();

    static {
        gateway(Opcode.CREATE_AND_WRITE_OBJ, Opcode.READ_OBJ, Opcode.WRITE_OBJ, Opcode.REMOVE_OBJ,
                Opcode.DISCARD_OBJ, Opcode.FLUSH_VDI, Opcode.STAT_SHEEP, Opcode.STAT_RECOVERY,
                Opcode.FLUSH_DEL_CACHE, Opcode.MD_INFO, Opcode.GET_HASH, Opcode.STAT,
                Opcode.CREATE_AND_WRITE_PEER, Opcode.READ_PEER, Opcode.WRITE_PEER, Opcode.REMOVE_PEER,
                Opcode.GET_VNODES, Opcode.SET_VNODES);
        cluster(false, Opcode.NEW_VDI, Opcode.LOCK_VDI, Opcode.RELEASE_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI,
                Opcode.GET_VDI_ATTR, Opcode.ENABLE_RECOVER, Opcode.DISABLE_RECOVER, Opcode.DELETE_CACHE);
        cluster(true, Opcode.MAKE_FS, Opcode.SHUTDOWN, Opcode.CLEANUP, Opcode.NOTIFY_VDI_DEL);
        for (int op : new int[] {Opcode.READ_VDIS, Opcode.GET_CLUSTER_DEFAULT, Opcode.GET_NODE_LIST,
            Opcode.STAT_CLUSTER, Opcode.GET_STORE_LIST, Opcode.GET_VDI_COPIES, Opcode.GET_LOGLEVEL,
            Opcode.SET_LOGLEVEL, Opcode.EXIST, Opcode.CLUSTER_INFO, Opcode.OIDS_EXIST, Opcode.READ_DEL_VDIS,
            Opcode.GET_RECOVERY, Opcode.SET_RECOVERY, Opcode.KILL_NODE}) {
            OPS.put(op, new Entry(true, false));
        }
    }

    private OpTable() {
    }

    private static void gateway(int... ops) {
        for (int op : ops) {
            OPS.put(op, new Entry(false, false));
        }
    }

    private static void cluster(boolean force, int... ops) {
        for (int op : ops) {
            OPS.put(op, new Entry(force, true));
        }
    }

    /** @return null if sheep 1.0 has no handler for {@code op} */
    static Entry get(int op) {
        return OPS.get(op);
    }
}
