package io.sheepfs.client;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.ClusterDefaultResponse;
import io.sheepfs.protocol.header.ClusterRequest;
import io.sheepfs.protocol.header.NoRequestUnion;
import io.sheepfs.protocol.header.NodeResponse;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.header.VdiResponse;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.vdi.VdiBitmap;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sheepdog 1.0 client: the calls sheepfs and the tests make (cluster and node state, VDI
 * lookup/list/create/snapshot/clone, object I/O), over a {@link Transport} that pipelines,
 * matches responses by id and fails over between gateways.
 *
 * <p>Errors: {@link SheepResultException} when sheep answers with a result other than SUCCESS,
 * {@link ConnectionException} when no gateway could be reached or one broke the protocol.
 */
public final class SheepClient implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SheepClient.class);
    /** Response bytes allowed in flight for one pipelined batch (bounds memory, not latency). */
    static final long MAX_BATCH_BYTES = 64L << 20;

    private final Transport transport;

    public SheepClient(ClientConfig config) {
        this.transport = new Transport(config);
    }

    public static SheepClient connect(InetSocketAddress gateway) {
        return new SheepClient(ClientConfig.of(gateway));
    }

    public Transport transport() {
        return transport;
    }

    public InetSocketAddress gateway() {
        return transport.gateway();
    }

    /** Sends requests to {@code gateway} from now on, once it accepts a connection. */
    public void switchGateway(InetSocketAddress gateway) throws ConnectionException {
        transport.switchGateway(gateway);
    }

    // ---- VDIs -------------------------------------------------------------------------------

    /** The working (non-snapshot) VDI named {@code name}: NO_VDI if there is none. */
    public VdiRef lookupVdi(String name) throws IOException {
        return lookup(name, "", 0);
    }

    /**
     * A VDI by name plus snapshot tag or id (empty tag and id 0 = the working VDI). NO_VDI: no
     * such name; NO_TAG: the name exists but not that snapshot.
     */
    public VdiRef lookup(String name, String tag, int snapId) throws IOException {
        byte[] payload = new byte[2 * FixedString.NAME_LEN];
        FixedString.write(payload, 0, FixedString.NAME_LEN, name);
        FixedString.write(payload, FixedString.NAME_LEN, FixedString.NAME_LEN, tag);
        Response r = checked(Request.write(Opcode.GET_VDI_INFO, 0, payload, VdiRequest.lookup(snapId)));
        return vdiRef(r);
    }

    /** Creates a VDI (or a clone, with a base vid); VDI_EXIST if the name is taken. */
    public VdiRef createVdi(NewVdi spec) throws IOException {
        byte[] payload = FixedString.encode(spec.name(), FixedString.NAME_LEN);
        VdiRequest u = new VdiRequest(spec.size(), spec.baseVid(), spec.copies(), spec.copyPolicy(),
                spec.storePolicy(), spec.blockSizeShift(), 0, 0);
        return vdiRef(checked(Request.write(Opcode.NEW_VDI, 0, payload, u)));
    }

    /**
     * Snapshots the working VDI {@code name} as dog does: refuses a tag the VDI already has
     * (VDI_EXIST), writes the tag into the working inode, then NEW_VDI(snapid 1, base = working
     * vid). Returns the new working VDI; the old vid is now the snapshot.
     */
    public VdiRef snapshot(String name, String tag) throws IOException {
        try {
            lookup(name, tag, 0);
            throw new SheepResultException(Opcode.NEW_VDI, Result.VDI_EXIST);
        } catch (SheepResultException e) {
            if (e.result() != Result.NO_TAG) {
                throw e;
            }
        }
        VdiRef working = lookupVdi(name);
        InodeHeader h = readInodeHeader(working.vid());
        writeObject(ObjectId.inode(working.vid()), InodeHeader.OFF_TAG, FixedString.encode(tag, FixedString.NAME_LEN),
                h.nrCopies());
        byte[] payload = FixedString.encode(name, FixedString.NAME_LEN);
        VdiRequest u = new VdiRequest(h.vdiSize(), working.vid(), h.nrCopies(), h.copyPolicy(), h.storePolicy(),
                h.blockSizeShift(), 1, 0);
        return vdiRef(checked(Request.write(Opcode.NEW_VDI, 0, payload, u)));
    }

    /** Clones snapshot {@code snapshotVid} as a new VDI {@code newName} with the snapshot's parameters. */
    public VdiRef cloneVdi(int snapshotVid, String newName) throws IOException {
        InodeHeader h = readInodeHeader(snapshotVid);
        return createVdi(new NewVdi(newName, h.vdiSize(), h.nrCopies(), h.copyPolicy(), h.storePolicy(),
                h.blockSizeShift(), snapshotVid));
    }

    public InodeHeader readInodeHeader(int vid) throws IOException {
        return InodeHeader.decode(readObject(ObjectId.inode(vid), 0, InodeHeader.SIZE, RequestFlags.DIRECT));
    }

    /** The whole inode object (12.5 MB): header, index and grefs. */
    public Inode readInode(int vid) throws IOException {
        return Inode.decode(readObject(ObjectId.inode(vid), 0, ObjectId.INODE_SIZE, RequestFlags.DIRECT));
    }

    /** READ_VDIS (in use) or, with {@code deleted}, READ_DEL_VDIS. */
    public VdiBitmap readVdiBitmap(boolean deleted) throws IOException {
        int op = deleted ? Opcode.READ_DEL_VDIS : Opcode.READ_VDIS;
        return VdiBitmap.decode(checked(Request.read(op, 0, VdiBitmap.SIZE, NoRequestUnion.INSTANCE)).data());
    }

    /**
     * Every live VDI (in use, not deleted, named) in ascending vid order, with the object counts
     * `dog vdi list` shows. Unlike dog, which reads the inodes one at a time, all header reads
     * go out at once, then all index reads.
     */
    public List<VdiSummary> listVdis() throws IOException {
        List<byte[]> headerBytes = readLiveInodeHeaders();
        List<Request> indexReads = new ArrayList<>(headerBytes.size());
        for (byte[] hb : headerBytes) {
            InodeHeader h = InodeHeader.decode(hb);
            indexReads.add(Request.read(Opcode.READ_OBJ, RequestFlags.DIRECT, indexLength(h, hb),
                    ObjRequest.of(ObjectId.inode(h.vdiId()), InodeHeader.SIZE)));
        }
        List<Response> indexes = callBatched(indexReads);

        List<VdiSummary> out = new ArrayList<>(indexes.size());
        for (int i = 0; i < indexes.size(); i++) {
            Response r = indexes.get(i).check();
            byte[] hb = headerBytes.get(i);
            byte[] whole = new byte[InodeHeader.SIZE + r.data().length];
            System.arraycopy(hb, 0, whole, 0, InodeHeader.SIZE);
            System.arraycopy(r.data(), 0, whole, InodeHeader.SIZE, r.data().length);
            Inode inode = Inode.decode(whole);
            out.add(new VdiSummary(inode.header(), inode.usage(this::readBTreeNode)));
        }
        return out;
    }

    /** Headers of every live VDI (in use, not deleted, named), ascending vid, read pipelined. */
    public List<InodeHeader> listInodeHeaders() throws IOException {
        List<InodeHeader> out = new ArrayList<>();
        for (byte[] hb : readLiveInodeHeaders()) {
            out.add(InodeHeader.decode(hb));
        }
        return out;
    }

    /** The first 4672 bytes (header + B-tree root header) of every live inode. */
    private List<byte[]> readLiveInodeHeaders() throws IOException {
        List<Response> maps = transport.callAll(List.of(
                Request.read(Opcode.READ_VDIS, 0, VdiBitmap.SIZE, NoRequestUnion.INSTANCE),
                Request.read(Opcode.READ_DEL_VDIS, 0, VdiBitmap.SIZE, NoRequestUnion.INSTANCE)));
        int[] vids = liveVids(maps.get(0).check().data(), maps.get(1).check().data());

        List<Request> headerReads = new ArrayList<>(vids.length);
        for (int vid : vids) {
            headerReads.add(Request.read(Opcode.READ_OBJ, RequestFlags.DIRECT, Inode.HEADER_WITH_BTREE_HEADER,
                    ObjRequest.of(ObjectId.inode(vid), 0)));
        }
        List<Response> headers = callBatched(headerReads);

        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < vids.length; i++) {
            Response r = headers.get(i);
            if (!r.isSuccess() || r.data().length < Inode.HEADER_WITH_BTREE_HEADER) {
                LOG.warn("vdi list: cannot read the inode of {}: {}", Integer.toHexString(vids[i]),
                        Result.message(r.result()));
                continue;
            }
            if (!InodeHeader.decode(r.data()).isDeleted()) {
                out.add(r.data());
            }
        }
        return out;
    }

    /**
     * Vids set in the in-use bitmap and not in the deleted one, ascending. Scans bytes rather
     * than bits: the bitmaps are 2 MiB each and mostly zero.
     */
    static int[] liveVids(byte[] inUse, byte[] deleted) {
        if (inUse.length != VdiBitmap.SIZE || deleted.length != VdiBitmap.SIZE) {
            throw new io.sheepfs.protocol.ProtocolException("VDI bitmaps must be " + VdiBitmap.SIZE + " bytes, got "
                    + inUse.length + " and " + deleted.length);
        }
        int[] out = new int[64];
        int n = 0;
        for (int i = 0; i < inUse.length; i++) {
            int live = inUse[i] & ~deleted[i] & 0xff;
            while (live != 0) {
                int bit = Integer.numberOfTrailingZeros(live);
                live &= live - 1;
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, n * 2);
                }
                out[n++] = i << 3 | bit;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Bytes of the index area dog reads for its usage figures (PROTOCOL.md 10.6). */
    private static int indexLength(InodeHeader h, byte[] headerWithRoot) {
        if (h.isHyper()) {
            ByteBuffer root = ByteBuffer.wrap(headerWithRoot, InodeHeader.SIZE, BTree.HEADER_SIZE).slice();
            if (BTree.isUninitialized(root)) {
                return BTree.HEADER_SIZE;
            }
            return BTree.headerOnly(root).byteLength();
        }
        return (int) Math.min(h.objectCount(), Inode.MAX_DATA_OBJS) * 4;
    }

    private ByteBuffer readBTreeNode(long oid) {
        try {
            return ByteBuffer.wrap(readObject(oid, 0, BTree.NODE_SIZE, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- objects ----------------------------------------------------------------------------

    public byte[] readObject(long oid, long offset, int length) throws IOException {
        return readObject(oid, offset, length, 0);
    }

    private byte[] readObject(long oid, long offset, int length, int flags) throws IOException {
        byte[] data = checked(Request.read(Opcode.READ_OBJ, flags, length, ObjRequest.of(oid, offset))).data();
        if (data.length != length) {
            throw new ConnectionException("READ_OBJ " + ObjectId.toHex(oid) + " returned " + data.length
                    + " bytes, asked for " + length);
        }
        return data;
    }

    public void writeObject(long oid, long offset, byte[] data) throws IOException {
        writeObject(oid, offset, data, 0);
    }

    /** WRITE_OBJ with an explicit number of copies (0 = the VDI's). */
    public void writeObject(long oid, long offset, byte[] data, int copies) throws IOException {
        checked(Request.write(Opcode.WRITE_OBJ, 0, data, ObjRequest.of(oid, 0, copies, offset)));
    }

    /**
     * Creates (or replaces) object {@code oid} with {@code data} at {@code offset}, the rest
     * zero or, with a non-zero {@code cowOid}, copied from that object.
     */
    public void createAndWriteObject(long oid, long cowOid, long offset, byte[] data) throws IOException {
        int flags = cowOid != 0 ? RequestFlags.COW : 0;
        checked(Request.write(Opcode.CREATE_AND_WRITE_OBJ, flags, data, ObjRequest.of(oid, cowOid, 0, offset)));
    }

    /**
     * GET_VDI_COPIES as dog asks it: the state of every VDI (copies, lock), with room for 512
     * states first, twice as many on BUFFER_SMALL.
     */
    public List<VdiState> vdiStates() throws IOException {
        long len = 512L * VdiState.SIZE;
        while (true) {
            Response r = transport.call(Request.read(Opcode.GET_VDI_COPIES, 0, len, NoRequestUnion.INSTANCE));
            if (r.result() == Result.BUFFER_SMALL && len < (256L << 20)) {
                len *= 2;
                continue;
            }
            return VdiState.decodeAll(r.check().data());
        }
    }

    /**
     * RELEASE_VDI as `dog vdi lock unlock` sends it: the vid in base_vdi_id and the lock's type
     * ({@link VdiRequest#LOCK_NORMAL} or {@link VdiRequest#LOCK_SHARED}).
     */
    public void releaseVdi(int vid, int type) throws IOException {
        checked(Request.read(Opcode.RELEASE_VDI, 0, 0, new VdiRequest(0, vid, 0, 0, 0, 0, 0, type)));
    }

    // ---- cluster and nodes ------------------------------------------------------------------

    /** GET_CLUSTER_DEFAULT: copies, copy policy and block size shift of new VDIs. */
    public ClusterDefaultResponse clusterDefault() throws IOException {
        return checked(Request.read(Opcode.GET_CLUSTER_DEFAULT, 0, 0, NoRequestUnion.INSTANCE)).header()
                .clusterDefault();
    }

    /**
     * MAKE_FS as `dog cluster format -c COPIES` sends it: ctime now, AUTO_VNODES, the "plain"
     * store; {@code copies} 0 = sheep's default, {@code blockSizeShift} 0 = 22. Wipes the cluster.
     */
    public void format(int copies, int blockSizeShift) throws IOException {
        format(copies, blockSizeShift, false);
    }

    /**
     * MAKE_FS as above; {@code useLock} adds USE_LOCK as `dog cluster format -l` does, so that
     * sheep refuses LOCK_VDI of a VDI that is locked already (VDI_LOCKED).
     */
    public void format(int copies, int blockSizeShift, boolean useLock) throws IOException {
        long now = System.currentTimeMillis();
        long ctime = (now / 1000) << 32 | (now % 1000) * 1_000_000L;
        int flags = ClusterFlags.AUTO_VNODES | (useLock ? ClusterFlags.USE_LOCK : 0);
        ClusterRequest u = new ClusterRequest(0, ctime, copies, 0, flags, 0, 0, blockSizeShift);
        byte[] store = "plain\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        checked(Request.write(Opcode.MAKE_FS, 0, store, u));
    }

    /** GET_NODE_LIST: the cluster's nodes, in sheep's order. */
    public List<SdNode> nodes() throws IOException {
        Response r = checked(Request.read(Opcode.GET_NODE_LIST, 0, (long) SdNode.MAX_NODES * SdNode.SIZE,
                NoRequestUnion.INSTANCE));
        return SdNode.decodeNodeList(r.data());
    }

    /** CLUSTER_INFO: format parameters, status and nodes of the contacted sheep. */
    public ClusterInfo clusterInfo() throws IOException {
        return ClusterInfo.decode(checked(Request.read(Opcode.CLUSTER_INFO, 0, ClusterInfo.SIZE,
                NoRequestUnion.INSTANCE)).data());
    }

    /**
     * The cluster's status and epoch history as `dog cluster info` gets them: a first
     * STAT_CLUSTER learns the epoch, a second asks for every epoch log with room for as many
     * nodes as the node list has (doubled on BUFFER_SMALL). The request is capped at 32 MiB.
     */
    public ClusterStatus clusterStatus() throws IOException {
        int nodesNr = Math.max(1, nodes().size());
        Response first = transport.call(Request.read(Opcode.STAT_CLUSTER, 0, EpochLog.HEADER_SIZE,
                ClusterRequest.statCluster(0)));
        long epoch = Integer.toUnsignedLong(first.header().epoch());
        while (true) {
            long stride = EpochLog.stride(nodesNr);
            long entries = Math.min(epoch, (32L << 20) / stride);
            Response r = transport.call(Request.read(Opcode.STAT_CLUSTER, 0, entries * stride,
                    ClusterRequest.statCluster(nodesNr)));
            if (r.result() == Result.BUFFER_SMALL && nodesNr < SdNode.MAX_NODES) {
                nodesNr = Math.min(SdNode.MAX_NODES, nodesNr * 2);
                continue;
            }
            return new ClusterStatus(r.result(), EpochLog.decodeAll(r.data(), nodesNr));
        }
    }

    /**
     * STAT_SHEEP of every node of the list, each asked at its own address as dog does; nodes
     * that do not answer are left out (logged).
     */
    public List<NodeStat> nodeStats(List<SdNode> nodes) {
        List<NodeStat> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            SdNode n = nodes.get(i);
            InetSocketAddress a = new InetSocketAddress(n.nid().addr().toInetAddress(), n.nid().port());
            try {
                NodeResponse s = statSheep(a);
                out.add(new NodeStat(i, n, s.storeSize(), s.storeFree()));
            } catch (IOException e) {
                LOG.warn("node {} ({}): {}", i, SheepConnection.text(a), e.getMessage());
            }
        }
        return out;
    }

    /**
     * STAT_SHEEP sent to {@code node} itself (as dog does, not through the gateway): its store
     * size and free bytes.
     */
    public NodeResponse statSheep(InetSocketAddress node) throws IOException {
        int timeout = (int) transport.config().connectTimeout().toMillis();
        try (SheepConnection c = SheepConnection.open(node, timeout)) {
            Response r = Transport.await(c, c.send(Request.read(Opcode.STAT_SHEEP, 0, 0, NoRequestUnion.INSTANCE)),
                    transport.config().requestTimeout());
            return r.check().header().node();
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------

    Response checked(Request r) throws IOException {
        return transport.call(r).check();
    }

    /** Pipelines {@code requests} in batches whose response buffers total at most 64 MiB. */
    List<Response> callBatched(List<Request> requests) throws ConnectionException {
        List<Response> out = new ArrayList<>(requests.size());
        int from = 0;
        while (from < requests.size()) {
            long bytes = 0;
            int to = from;
            while (to < requests.size() && (to == from || bytes + requests.get(to).responseLimit() <= MAX_BATCH_BYTES)) {
                bytes += requests.get(to).responseLimit();
                to++;
            }
            out.addAll(transport.callAll(requests.subList(from, to)));
            from = to;
        }
        return out;
    }

    private static VdiRef vdiRef(Response r) {
        VdiResponse v = r.header().vdi();
        return new VdiRef(v.vdiId(), v.copies(), v.blockSizeShift());
    }

    @Override
    public void close() {
        transport.close();
    }
}
