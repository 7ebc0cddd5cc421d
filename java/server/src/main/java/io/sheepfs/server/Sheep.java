package io.sheepfs.server;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.server.store.ClusterConfig;
import io.sheepfs.server.store.ClusterConfigFile;
import io.sheepfs.server.store.ObjectLocks;
import io.sheepfs.server.store.ObjectService;
import io.sheepfs.server.store.ObjectStore;
import io.sheepfs.server.vdi.VdiService;
import io.sheepfs.server.vdi.VdiTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One sheep node: cluster state, VDI table and object store, and the answer to every request
 * (PROTOCOL.md 9). Thread-safe: object I/O runs concurrently, cluster-class operations one at a time.
 */
public final class Sheep {
    private static final Logger LOG = LoggerFactory.getLogger(Sheep.class);
    private static final int STATUS_OK = 1;
    private static final int STATUS_WAIT = 2;
    private static final int STATUS_SHUTDOWN = 3;
    private static final String STORES = "plain tree ";

    private final Path dir;
    private final ObjectStore store;
    private final ObjectLocks locks = new ObjectLocks();
    private final VdiTable table = new VdiTable();
    private final ObjectService objects;
    private final VdiService vdis;
    private final ClusterConfigFile configFile;
    private final ReentrantLock clusterOps = new ReentrantLock(true);
    private volatile ClusterConfig config;
    private volatile boolean shutdown;
    private volatile NodeAddress address = NodeAddress.parse("127.0.0.1");
    private volatile int port;

    public Sheep(Path dir, boolean sync) throws IOException {
        this.dir = dir;
        this.store = new ObjectStore(dir, sync);
        this.configFile = new ClusterConfigFile(dir);
        this.config = configFile.load().orElse(null);
        this.objects = new ObjectService(store, locks, table::isSnapshot, this::blockSizeShiftOf);
        this.vdis = new VdiService(objects, table, new VdiService.ClusterDefaults() {
            @Override
            public int nrCopies() {
                ClusterConfig c = config;
                return c == null ? 0 : c.nrCopies();
            }

            @Override
            public int copyPolicy() {
                ClusterConfig c = config;
                return c == null ? 0 : c.copyPolicy();
            }

            @Override
            public int blockSizeShift() {
                ClusterConfig c = config;
                return c == null ? ObjectId.DEFAULT_BLOCK_SIZE_SHIFT : c.blockSizeShift();
            }

            @Override
            public boolean useLock() {
                ClusterConfig c = config;
                return c != null && (c.flags() & 0x0008) != 0;
            }
        }, VdiService::now);
        VdiTableLoader.load(store, table);
    }

    /** The address and port this node lists in its node list: where dog reaches it. */
    public void advertise(NodeAddress addr, int listenPort) {
        this.address = addr;
        this.port = listenPort;
    }

    public ObjectStore store() {
        return store;
    }

    public Path directory() {
        return dir;
    }

    private int blockSizeShiftOf(int vid) {
        var s = table.state(vid);
        if (s != null) {
            return s.blockSizeShift();
        }
        ClusterConfig c = config;
        return c == null ? ObjectId.DEFAULT_BLOCK_SIZE_SHIFT : c.blockSizeShift();
    }

    /** The epoch put in every response: 0 before format. */
    public int epoch() {
        ClusterConfig c = config;
        return c == null ? 0 : c.epoch();
    }

    private int status() {
        if (shutdown) {
            return STATUS_SHUTDOWN;
        }
        return config == null ? STATUS_WAIT : STATUS_OK;
    }

    // ------------------------------------------------------------------ dispatch

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
        int st = status();
        if (st == STATUS_SHUTDOWN) {
            return Reply.of(Result.SHUTDOWN);
        }
        if (st == STATUS_WAIT && !e.force()) {
            return Reply.of(Result.WAIT_FOR_FORMAT);
        }
        try {
            if (e.cluster()) {
                clusterOps.lock();
                try {
                    return execute(h, payload);
                } finally {
                    clusterOps.unlock();
                }
            }
            return execute(h, payload);
        } catch (IOException | RuntimeException ex) {
            LOG.error("{} failed: {}", Opcode.name(op), ex.toString());
            return Reply.of(ex instanceof IOException ? Result.EIO : Result.SYSTEM_ERROR);
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
            case Opcode.READ_OBJ, Opcode.READ_PEER -> objects.read(h.obj().oid(), h.obj().offset(), dl);
            case Opcode.WRITE_OBJ, Opcode.WRITE_PEER -> objects.write(h.obj().oid(), h.obj().offset(), data, len);
            case Opcode.REMOVE_OBJ, Opcode.REMOVE_PEER -> objects.remove(h.obj().oid());
            case Opcode.DISCARD_OBJ -> objects.discard(h.obj().oid());
            case Opcode.NEW_VDI -> {
                VdiRequest v = h.vdi();
                yield vdis.newVdi(payload, len, v.vdiSize(), v.baseVdiId(), v.copies(), v.copyPolicy(),
                        v.storePolicy(), v.blockSizeShift(), v.snapId());
            }
            case Opcode.GET_VDI_INFO, Opcode.LOCK_VDI, Opcode.DEL_VDI -> nameOp(h, payload, len);
            case Opcode.RELEASE_VDI -> vdis.releaseVdi(h.vdi().baseVdiId(), h.vdi().type());
            case Opcode.READ_VDIS -> dl == VdiTable.BITMAP_BYTES
                    ? Reply.data(Result.SUCCESS, table.inUseBitmap()) : Reply.of(Result.INVALID_PARMS);
            case Opcode.READ_DEL_VDIS -> dl == VdiTable.BITMAP_BYTES
                    ? Reply.data(Result.SUCCESS, table.deletedBitmap()) : Reply.of(Result.INVALID_PARMS);
            case Opcode.FLUSH_VDI -> Reply.of(Result.INVALID_PARMS);
            case Opcode.GET_CLUSTER_DEFAULT -> {
                ClusterConfig c = config;
                yield c == null ? Reply.clusterDefault(0, 0, 0)
                        : Reply.clusterDefault(c.nrCopies(), c.copyPolicy(), c.blockSizeShift());
            }
            case Opcode.GET_NODE_LIST -> Reply.node(Result.SUCCESS, nodeRecord(), 1, 0, 0);
            case Opcode.MAKE_FS -> makeFs(h.cluster(), data, len);
            case Opcode.SHUTDOWN -> {
                shutdown = true;
                yield Reply.of(Result.SUCCESS);
            }
            case Opcode.STAT_SHEEP -> {
                long free = store.freeBytes();
                yield Reply.node(Result.SUCCESS, null, 0, free + store.usedBytes(), free);
            }
            case Opcode.STAT_CLUSTER -> statCluster(h.cluster(), dl);
            case Opcode.GET_VDI_ATTR -> vdis.getAttr(payload, len, h.vdi().snapId(),
                    h.hasFlag(RequestFlags.CREAT), h.hasFlag(RequestFlags.EXCL), h.hasFlag(RequestFlags.DEL));
            case Opcode.GET_STORE_LIST -> Reply.data(Result.SUCCESS,
                    truncate((STORES + "\0").getBytes(StandardCharsets.US_ASCII), dl));
            case Opcode.STAT_RECOVERY -> Reply.data(Result.SUCCESS, truncate(new byte[24], dl));
            case Opcode.GET_RECOVERY -> {
                byte[] r = new byte[24];
                Le.put32(r, 0, 1); // max_exec_count
                yield Reply.data(Result.SUCCESS, truncate(r, dl));
            }
            case Opcode.MD_INFO -> {
                long free = store.freeBytes();
                long used = store.usedBytes();
                yield Reply.data(Result.SUCCESS, truncate(NodeRecords.mdInfo(store.directory().toString(),
                        free + used, used), dl));
            }
            case Opcode.GET_VDI_COPIES -> {
                byte[] states = NodeRecords.vdiStates(table.allStates(), address, port);
                yield states.length > dl ? Reply.of(Result.BUFFER_SMALL) : Reply.data(Result.SUCCESS, states);
            }
            case Opcode.EXIST -> objects.exist(h.obj().oid());
            case Opcode.OIDS_EXIST -> oidsExist(data, len);
            case Opcode.CLUSTER_INFO -> Reply.data(Result.SUCCESS,
                    NodeRecords.clusterInfo(config, status(), nodeRecord()));
            case Opcode.GET_HASH -> hash(h.obj().oid());
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
        return b.length <= dl ? b : java.util.Arrays.copyOf(b, dl);
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

    private byte[] nodeRecord() {
        byte[] b = new byte[NodeRecords.SD_NODE];
        byte[] a = address.bytes();
        int zone = address.isIpv4() ? (int) Le.u32(a, 12) : 0;
        long space;
        try {
            space = store.freeBytes() + store.usedBytes();
        } catch (IOException e) {
            space = 0;
        }
        NodeRecords.putNode(b, 0, address, port, zone, space);
        return b;
    }

    private Reply makeFs(ClusterRequest c, byte[] data, int len) throws IOException {
        String storeName = new String(data, 0, len, StandardCharsets.US_ASCII);
        int nul = storeName.indexOf('\0');
        storeName = nul >= 0 ? storeName.substring(0, nul) : storeName;
        if (!storeName.equals("plain") && !storeName.equals("tree")) {
            LOG.warn("MAKE_FS with unknown store '{}'", storeName);
            return Reply.of(Result.NO_STORE);
        }
        int copies = c.copies() == 0 ? 3 : c.copies();
        int bss = c.blockSizeShift() == 0 ? ObjectId.DEFAULT_BLOCK_SIZE_SHIFT : c.blockSizeShift();
        ClusterConfig next = new ClusterConfig(c.ctime(), copies, c.copyPolicy(), c.flags(), bss, storeName, 1,
                System.currentTimeMillis() / 1000);
        store.wipe();
        table.clear();
        configFile.save(next);
        config = next;
        LOG.info("formatted: copies {}, flags 0x{}, block size shift {}, store {}", copies,
                Integer.toHexString(c.flags()), bss, storeName);
        return Reply.of(Result.SUCCESS);
    }

    private Reply statCluster(ClusterRequest c, int dl) {
        ClusterConfig cfg = config;
        int st = status();
        int result = st == STATUS_OK ? Result.SUCCESS
                : st == STATUS_SHUTDOWN ? Result.SHUTDOWN
                : cfg == null ? Result.WAIT_FOR_FORMAT : Result.WAIT_FOR_JOIN;
        if (cfg == null) {
            return Reply.of(result);
        }
        long nodesNr = Integer.toUnsignedLong(c.nodesNr());
        long stride = NodeRecords.EPOCH_LOG + nodesNr * NodeRecords.SD_NODE;
        if (dl / stride < 1) {
            return Reply.data(result, new byte[0]);
        }
        // only epoch 1 exists on this node
        return Reply.data(result, NodeRecords.epochLog(cfg, (int) nodesNr, nodeRecord()));
    }

    private Reply oidsExist(byte[] data, int len) {
        java.io.ByteArrayOutputStream missing = new java.io.ByteArrayOutputStream();
        for (int i = 0; i + 8 <= len; i += 8) {
            long oid = Le.u64(data, i);
            if (!store.exists(oid)) {
                missing.write(data, i, 8);
            }
        }
        return missing.size() == 0 ? Reply.of(Result.SUCCESS) : Reply.data(Result.NO_OBJ, missing.toByteArray());
    }

    private Reply hash(long oid) throws IOException {
        long size = objects.objectSize(oid);
        byte[] b = objects.readRaw(oid, 0, (int) Math.min(size, Integer.MAX_VALUE - 8));
        if (b == null) {
            return Reply.of(Result.NO_OBJ);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(b);
            return new Reply(Result.SUCCESS, null, new io.sheepfs.protocol.header.HashResponse(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
