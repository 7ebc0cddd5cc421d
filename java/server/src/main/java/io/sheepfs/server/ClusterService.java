package io.sheepfs.server;

import io.sheepfs.protocol.NodeAddress;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.NodeId;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.server.store.ClusterConfig;
import io.sheepfs.server.store.ClusterConfigFile;
import io.sheepfs.server.store.ObjectStore;
import io.sheepfs.server.vdi.VdiService;
import io.sheepfs.server.vdi.VdiTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The node's cluster state (PROTOCOL.md 9.1-9.3, 9.7): format parameters, status, epoch, this
 * node's identity, and the answers built from them (node list, cluster info, epoch log, ...).
 */
final class ClusterService implements VdiService.ClusterDefaults {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterService.class);
    private static final int DEFAULT_COPIES = 3;
    private static final String STORES = "plain tree ";

    private final ObjectStore store;
    private final VdiTable table;
    private final ClusterConfigFile configFile;
    /** Storage this node offers, fixed at start as sheep fixes its node's space. */
    private final long space;
    private volatile ClusterConfig config;
    private volatile boolean shutdown;
    private volatile boolean killed;
    private volatile NodeAddress address = NodeAddress.parse("127.0.0.1");
    private volatile int port;

    ClusterService(ObjectStore store, VdiTable table, ClusterConfigFile configFile) throws IOException {
        this.store = store;
        this.table = table;
        this.configFile = configFile;
        this.config = configFile.load().orElse(null);
        this.space = store.freeBytes() + store.usedBytes();
    }

    void advertise(NodeAddress addr, int listenPort) {
        this.address = addr;
        this.port = listenPort;
    }

    NodeId self() {
        return NodeId.of(address, port);
    }

    SdNode node() {
        return NodeRecords.node(address, port, space);
    }

    int epoch() {
        ClusterConfig c = config;
        return c == null ? 0 : c.epoch();
    }

    int status() {
        if (killed) {
            return ClusterFlags.STATUS_KILLED;
        }
        if (shutdown) {
            return ClusterFlags.STATUS_SHUTDOWN;
        }
        return config == null ? ClusterFlags.STATUS_WAIT : ClusterFlags.STATUS_OK;
    }

    /** The result a status other than OK imposes on requests that are not served before format. */
    int gate(boolean force) {
        int st = status();
        if (st == ClusterFlags.STATUS_KILLED) {
            return Result.KILLED;
        }
        if (st == ClusterFlags.STATUS_SHUTDOWN) {
            return Result.SHUTDOWN;
        }
        return st == ClusterFlags.STATUS_WAIT && !force ? Result.WAIT_FOR_FORMAT : Result.SUCCESS;
    }

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
        return c != null && (c.flags() & ClusterFlags.USE_LOCK) != 0;
    }

    /** MAKE_FS: wipe everything, store the parameters, epoch 1. */
    Reply format(ClusterRequest c, byte[] data, int len) throws IOException {
        String storeName = new String(data, 0, len, StandardCharsets.US_ASCII);
        int nul = storeName.indexOf('\0');
        storeName = nul >= 0 ? storeName.substring(0, nul) : storeName;
        if (!storeName.equals("plain") && !storeName.equals("tree")) {
            LOG.warn("MAKE_FS with unknown store '{}'", storeName);
            return Reply.of(Result.NO_STORE);
        }
        int copies = c.copies() == 0 ? DEFAULT_COPIES : c.copies();
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

    Reply shutdown() {
        shutdown = true;
        LOG.info("cluster shutdown requested");
        return Reply.of(Result.SUCCESS);
    }

    /** KILL_NODE ('dog node kill'): this node leaves; later requests get KILLED. */
    Reply kill() {
        killed = true;
        LOG.info("node killed by request");
        return Reply.of(Result.SUCCESS);
    }

    /** STAT_CLUSTER: the epoch logs that fit the buffer, with the status as result. */
    Reply statCluster(ClusterRequest c, int dl) {
        ClusterConfig cfg = config;
        int st = status();
        int result = st == ClusterFlags.STATUS_OK ? Result.SUCCESS
                : st == ClusterFlags.STATUS_SHUTDOWN ? Result.SHUTDOWN
                : st == ClusterFlags.STATUS_KILLED ? Result.SYSTEM_ERROR
                : cfg == null ? Result.WAIT_FOR_FORMAT : Result.WAIT_FOR_JOIN;
        if (cfg == null) {
            return Reply.of(result);
        }
        long nodesNr = Integer.toUnsignedLong(c.nodesNr());
        if (nodesNr > SdNode.MAX_NODES || dl < EpochLog.stride((int) nodesNr)) {
            return Reply.data(result, new byte[0]); // no entry fits the buffer
        }
        // a single node only ever has epoch 1
        return Reply.data(result, NodeRecords.epochLog(cfg, (int) nodesNr, node()));
    }

    Reply clusterInfo() {
        return Reply.data(Result.SUCCESS, NodeRecords.clusterInfo(config, status(), node()));
    }

    Reply nodeList() {
        return Reply.node(Result.SUCCESS, node().encode(), 1, 0, 0);
    }

    Reply clusterDefault() {
        ClusterConfig c = config;
        return c == null ? Reply.clusterDefault(0, 0, 0)
                : Reply.clusterDefault(c.nrCopies(), c.copyPolicy(), c.blockSizeShift());
    }

    Reply statSheep() throws IOException {
        long free = store.freeBytes();
        return Reply.node(Result.SUCCESS, null, 0, free + store.usedBytes(), free);
    }

    byte[] mdInfo() throws IOException {
        long free = store.freeBytes();
        long used = store.usedBytes();
        return NodeRecords.mdInfo(store.directory().toString(), free + used, used);
    }

    byte[] storeList() {
        return (STORES + "\0").getBytes(StandardCharsets.US_ASCII);
    }
}
