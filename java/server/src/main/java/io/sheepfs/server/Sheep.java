package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.RecoveryState;
import io.sheepfs.protocol.cluster.RecoveryThrottling;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.server.net.Limits;
import io.sheepfs.server.store.ClusterConfigFile;
import io.sheepfs.server.store.ObjectLocks;
import io.sheepfs.server.store.ObjectService;
import io.sheepfs.server.store.ObjectStore;
import io.sheepfs.server.store.StoreErrors;
import io.sheepfs.server.vdi.VdiService;
import io.sheepfs.server.vdi.VdiTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One sheep node: routes every request to the service that answers it, after sheep's checks
 * (PROTOCOL.md 9.1). Thread-safe: object I/O runs concurrently, cluster operations one at a time.
 */
public final class Sheep {
    private static final Logger LOG = LoggerFactory.getLogger(Sheep.class);

    private final ObjectStore store;
    private final VdiTable table = new VdiTable();
    private final ObjectService objects;
    private final VdiService vdis;
    private final ClusterService cluster;
    /** Cluster operations run in arrival order, one at a time (sheep's cluster work queue). */
    private final ReentrantLock clusterOps = new ReentrantLock(true);
    private volatile Runnable shutdownListener = () -> { };

    public Sheep(Path dir, boolean sync) throws IOException {
        this.store = new ObjectStore(dir, sync);
        this.cluster = new ClusterService(store, table, new ClusterConfigFile(dir));
        this.objects = new ObjectService(store, new ObjectLocks(), table::isSnapshot, this::blockSizeShiftOf);
        this.vdis = new VdiService(objects, table, cluster, VdiService::now);
        VdiTableLoader.load(store, table);
    }

    /** The address and port this node lists in its node list: where dog reaches it. */
    public void advertise(NodeAddress addr, int listenPort) {
        cluster.advertise(addr, listenPort);
    }

    /** Called after a SHUTDOWN or KILL_NODE request was executed (the process should stop). */
    public void onShutdown(Runnable listener) {
        this.shutdownListener = listener;
    }

    public ObjectStore store() {
        return store;
    }

    private int blockSizeShiftOf(int vid) {
        var s = table.state(vid);
        return s != null ? s.blockSizeShift() : cluster.blockSizeShift();
    }

    /** The epoch put in every response: 0 before format. */
    public int epoch() {
        return cluster.epoch();
    }

    /**
     * Answers one request (payload already received, or null). Order of checks as sheep:
     * proto_ver, opcode, cluster status, then the operation.
     */
    public Reply handle(RequestHeader h, byte[] payload) {
        int op = h.opcode();
        if (op >= 0x80 ? h.protoVersion() != Opcode.SHEEP_PROTO_VER : h.protoVersion() > Opcode.PROTO_VER) {
            LOG.warn("protocol version 0x{} for opcode 0x{}: VER_MISMATCH", Integer.toHexString(h.protoVersion()),
                    Integer.toHexString(op));
            return Reply.of(Result.VER_MISMATCH);
        }
        OpTable.Entry e = OpTable.get(op);
        if (e == null) {
            LOG.warn("invalid opcode 0x{}", Integer.toHexString(op));
            return Reply.of(Result.INVALID_PARMS);
        }
        int gate = cluster.gate(e.force());
        if (gate != Result.SUCCESS) {
            return Reply.of(gate);
        }
        try {
            if (!e.cluster()) {
                return execute(h, payload);
            }
            clusterOps.lock();
            try {
                return execute(h, payload);
            } finally {
                clusterOps.unlock();
            }
        } catch (IOException | RuntimeException ex) {
            LOG.error("{} failed: {}", Opcode.name(op), ex.toString());
            // a full disk is NO_SPACE, as sheep answers it: the client says ENOSPC, not EIO
            return Reply.of(ex instanceof IOException io ? StoreErrors.result(io) : Result.SYSTEM_ERROR);
        }
    }

    private Reply execute(RequestHeader h, byte[] payload) throws IOException {
        int len = payload == null ? 0 : payload.length;
        byte[] data = payload == null ? new byte[0] : payload;
        int dl = (int) Math.min(h.dataLength(), Integer.MAX_VALUE);
        return switch (h.opcode()) {
            case Opcode.CREATE_AND_WRITE_OBJ, Opcode.CREATE_AND_WRITE_PEER -> {
                ObjRequest o = h.obj();
                yield objects.createAndWrite(o.oid(), o.cowOid(), h.hasFlag(RequestFlags.COW), o.offset(), data, len);
            }
            case Opcode.READ_OBJ, Opcode.READ_PEER -> dl > Limits.MAX_IO
                    ? Reply.of(Result.INVALID_PARMS) : objects.read(h.obj().oid(), h.obj().offset(), dl);
            case Opcode.WRITE_OBJ, Opcode.WRITE_PEER -> objects.write(h.obj().oid(), h.obj().offset(), data, len);
            case Opcode.REMOVE_OBJ, Opcode.REMOVE_PEER -> objects.remove(h.obj().oid());
            case Opcode.DISCARD_OBJ -> objects.discard(h.obj().oid());
            case Opcode.EXIST -> objects.exist(h.obj().oid());
            case Opcode.OIDS_EXIST -> objects.oidsExist(data, len);
            case Opcode.GET_HASH -> objects.hash(h.obj().oid());
            case Opcode.NEW_VDI -> {
                VdiRequest v = h.vdi();
                yield vdis.newVdi(payload, len, v.vdiSize(), v.baseVdiId(), v.copies(), v.copyPolicy(),
                        v.storePolicy(), v.blockSizeShift(), v.snapId());
            }
            case Opcode.GET_VDI_INFO, Opcode.LOCK_VDI, Opcode.DEL_VDI -> nameOp(h, payload, len);
            case Opcode.RELEASE_VDI -> vdis.releaseVdi(h.vdi().baseVdiId(), h.vdi().type());
            case Opcode.GET_VDI_ATTR -> vdis.getAttr(payload, len, h.vdi().snapId(),
                    h.hasFlag(RequestFlags.CREAT), h.hasFlag(RequestFlags.EXCL), h.hasFlag(RequestFlags.DEL));
            case Opcode.READ_VDIS -> dl == VdiTable.BITMAP_BYTES
                    ? Reply.data(Result.SUCCESS, table.inUseBitmap()) : Reply.of(Result.INVALID_PARMS);
            case Opcode.READ_DEL_VDIS -> dl == VdiTable.BITMAP_BYTES
                    ? Reply.data(Result.SUCCESS, table.deletedBitmap()) : Reply.of(Result.INVALID_PARMS);
            case Opcode.GET_VDI_COPIES -> {
                byte[] states = NodeRecords.vdiStates(table.allStates(), cluster.self());
                yield states.length > dl ? Reply.of(Result.BUFFER_SMALL) : Reply.data(Result.SUCCESS, states);
            }
            case Opcode.FLUSH_VDI -> Reply.of(Result.INVALID_PARMS); // no object cache in 1.0
            case Opcode.GET_CLUSTER_DEFAULT -> cluster.clusterDefault();
            case Opcode.GET_NODE_LIST -> cluster.nodeList();
            case Opcode.MAKE_FS -> cluster.format(h.cluster(), data, len);
            case Opcode.SHUTDOWN -> {
                Reply r = cluster.shutdown();
                shutdownListener.run();
                yield r;
            }
            case Opcode.KILL_NODE -> {
                Reply r = cluster.kill();
                shutdownListener.run();
                yield r;
            }
            case Opcode.STAT_SHEEP -> cluster.statSheep();
            case Opcode.STAT_CLUSTER -> cluster.statCluster(h.cluster(), dl);
            case Opcode.CLUSTER_INFO -> cluster.clusterInfo();
            case Opcode.GET_STORE_LIST -> Reply.data(Result.SUCCESS, truncate(cluster.storeList(), dl));
            case Opcode.MD_INFO -> Reply.data(Result.SUCCESS, truncate(cluster.mdInfo(), dl));
            case Opcode.STAT_RECOVERY -> Reply.data(Result.SUCCESS,
                    truncate(new RecoveryState(0, 0, 0, 0).encode(), dl)); // one node never recovers
            case Opcode.GET_RECOVERY -> Reply.data(Result.SUCCESS,
                    truncate(new RecoveryThrottling(0, 0, 0).encode(), dl));
            case Opcode.GET_LOGLEVEL, Opcode.GET_VNODES -> {
                byte[] r = new byte[4];
                Le.put32(r, 0, h.opcode() == Opcode.GET_VNODES ? 128 : 6);
                yield Reply.data(Result.SUCCESS, truncate(r, dl));
            }
            case Opcode.STAT -> Reply.data(Result.SUCCESS, truncate(new byte[120], dl));
            default -> Reply.of(Result.SUCCESS); // accepted no-ops: FLUSH_DEL_CACHE, DELETE_CACHE, ...
        };
    }

    private static byte[] truncate(byte[] b, int dl) {
        return b.length <= dl ? b : Arrays.copyOf(b, dl);
    }

    private Reply nameOp(RequestHeader h, byte[] payload, int len) throws IOException {
        VdiService.NameTag nt = VdiService.parseNameTag(payload, len, true);
        if (nt == null) {
            LOG.warn("{} with a malformed name payload of {} bytes", Opcode.name(h.opcode()), len);
            return Reply.of(Result.INVALID_PARMS);
        }
        VdiRequest v = h.vdi();
        return switch (h.opcode()) {
            case Opcode.GET_VDI_INFO -> vdis.getInfo(nt, v.snapId());
            case Opcode.LOCK_VDI -> vdis.lockVdi(nt, v.snapId(), v.type());
            default -> vdis.deleteVdi(nt, v.snapId());
        };
    }

}
