package io.sheepfs.server.vdi;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.VdiId;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.server.Reply;
import io.sheepfs.server.store.ObjectService;
import io.sheepfs.server.store.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;

/**
 * The cluster-class VDI operations of one node: lookup, create, snapshot, clone, delete,
 * attributes, locks. The caller runs them one at a time (sheep serializes cluster operations),
 * so a lookup never sees a half-made snapshot.
 */
public final class VdiService {
    private static final Logger LOG = LoggerFactory.getLogger(VdiService.class);
    private static final int NAME_LEN = FixedString.NAME_LEN;
    private static final int DATA_VDI_ID = Inode.DATA_VDI_ID_OFFSET;
    private static final int GREF = Inode.GREF_OFFSET;
    private static final int NR_INDEX = Inode.MAX_DATA_OBJS;
    private static final int INODE_SIZE = ObjectId.INODE_SIZE;
    /** sheepdog_vdi_attr layout (PROTOCOL.md 7.3). */
    static final int ATTR_CTIME = 512;
    static final int ATTR_SNAP_ID = 520;
    static final int ATTR_KEY = VdiAttribute.OFF_KEY;

    private final ObjectService objects;
    private final ObjectStore store;
    private final VdiTable table;
    private final ClusterDefaults defaults;
    private final LongSupplier clock;

    /** Cluster-wide defaults the VDI operations fall back to. */
    public interface ClusterDefaults {
        int nrCopies();

        int copyPolicy();

        int blockSizeShift();

        boolean useLock();
    }

    /**
     * @param clock current time as sheep encodes it, (seconds << 32) | (microseconds * 1000)
     */
    public VdiService(ObjectService objects, VdiTable table, ClusterDefaults defaults, LongSupplier clock) {
        this.objects = objects;
        this.store = objects.store();
        this.table = table;
        this.defaults = defaults;
        this.clock = clock;
    }

    public static long now() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() << 32 | (t.getNano() / 1000) * 1000L;
    }

    /** The name and optional tag of a request payload, validated. */
    public record NameTag(byte[] name, byte[] tag) {
    }

    /**
     * Parses name[256] [+ tag[256]]; null when the payload size or the strings are malformed
     * (sheep would read past the field; we answer INVALID_PARMS).
     */
    public static NameTag parseNameTag(byte[] payload, int len, boolean tagAllowed) {
        if (payload == null || !(len == NAME_LEN || (tagAllowed && len == 2 * NAME_LEN))) {
            return null;
        }
        if (!terminated(payload, 0) || (len == 2 * NAME_LEN && !terminated(payload, NAME_LEN))) {
            return null;
        }
        byte[] name = FixedString.bytes(payload, 0, NAME_LEN);
        byte[] tag = len == 2 * NAME_LEN ? FixedString.bytes(payload, NAME_LEN, NAME_LEN) : new byte[0];
        return new NameTag(name, tag);
    }

    private static boolean terminated(byte[] b, int off) {
        for (int i = off; i < off + NAME_LEN; i++) {
            if (b[i] == 0) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- lookup

    private byte[] readHeader(int vid) throws IOException {
        return objects.readRaw(ObjectId.inode(vid), 0, InodeHeader.SIZE);
    }

    private static boolean nameEquals(byte[] inode, byte[] name) {
        return Arrays.equals(FixedString.bytes(inode, 0, NAME_LEN), name);
    }

    /** sheep's vdi_lookup without RECYCLE_VID support beyond the plain probe run. */
    public Lookup lookup(byte[] name, byte[] tag, int snapid) throws IOException {
        int left = VdiId.ofName(name);
        int right = table.nextFree(left);
        if (right == left) {
            return new Lookup(Result.NO_VDI, 0, 0, 0, right);
        }
        if (right == ObjectId.NR_VDIS) {
            right = table.nextFree(1);
            if (right == ObjectId.NR_VDIS) {
                return new Lookup(Result.FULL_VDI, 0, 0, 0, right);
            }
        }
        Scan scan = new Scan(right);
        if (left < right) {
            scanRange(left, right, name, tag, snapid, scan);
        } else {
            if (right > 1) {
                scanRange(1, right, name, tag, snapid, scan);
            }
            if (scan.result == Result.NO_VDI || scan.result == Result.NO_TAG) {
                scan.result = Result.NO_VDI;
                scanRange(left, ObjectId.NR_VDIS, name, tag, snapid, scan);
            }
        }
        return new Lookup(scan.result, scan.vid, scan.nextSnapId, scan.createTime, scan.freeBit);
    }

    private static final class Scan {
        int result = Result.NO_VDI;
        int vid;
        int nextSnapId;
        long createTime;
        final int freeBit;

        Scan(int freeBit) {
            this.freeBit = freeBit;
        }
    }

    private void scanRange(int left, int right, byte[] name, byte[] tag, int snapid, Scan scan)
            throws IOException {
        boolean hasTag = tag.length > 0 || snapid != 0;
        boolean workingSeen = false;
        for (int i = right - 1; i >= left && i > 0; i--) {
            if (!table.known(i)) {
                continue;
            }
            byte[] inode = readHeader(i);
            if (inode == null) {
                scan.result = Result.NO_OBJ;
                return;
            }
            if (!nameEquals(inode, name)) {
                continue;
            }
            InodeHeader h = InodeHeader.decode(inode);
            int inodeVid = h.vdiId();
            int inodeSnapId = h.snapId();
            if (hasTag) {
                if (!h.isSnapshot()) {
                    workingSeen = true;
                    scan.vid = inodeVid;
                    continue;
                }
                byte[] inodeTag = FixedString.bytes(inode, InodeHeader.OFF_TAG, NAME_LEN);
                boolean match = (inodeTag.length > 0 && Arrays.equals(inodeTag, tag)) || snapid == inodeSnapId;
                if (!match) {
                    continue;
                }
            } else {
                scan.nextSnapId = inodeSnapId + 1;
                if (h.isSnapshot()) {
                    // the working VDI of this name was deleted
                    scan.vid = inodeVid;
                    scan.result = Result.NO_VDI;
                    return;
                }
            }
            scan.createTime = h.createTime();
            scan.vid = inodeVid;
            scan.result = Result.SUCCESS;
            return;
        }
        scan.result = workingSeen ? Result.NO_TAG : Result.NO_VDI;
    }

    // ---------------------------------------------------------------- GET_VDI_INFO / LOCK / RELEASE

    public Reply getInfo(NameTag nt, int snapid) throws IOException {
        Lookup l = lookup(nt.name(), nt.tag(), snapid);
        if (l.result() != Result.SUCCESS) {
            return Reply.vdi(l.result(), 0, 0, 0, 0);
        }
        VdiTable.StateView s = table.state(l.vid());
        int copies = s == null ? defaults.nrCopies() : s.nrCopies();
        int bss = s == null ? defaults.blockSizeShift() : s.blockSizeShift();
        return Reply.vdi(Result.SUCCESS, l.vid(), 0, copies, bss);
    }

    public Reply lockVdi(NameTag nt, int snapid, int type) throws IOException {
        Reply r = getInfo(nt, snapid);
        if (r.result() != Result.SUCCESS || !defaults.useLock()) {
            return r;
        }
        if (!table.lock(r.vdiId(), type)) {
            LOG.info("VDI {} is already locked", Integer.toHexString(r.vdiId()));
            return Reply.vdi(Result.VDI_LOCKED, r.vdiId(), 0, r.copies(), r.blockSizeShift());
        }
        return r;
    }

    public Reply releaseVdi(int vid, int type) {
        if (defaults.useLock()) {
            table.unlock(vid, type);
        }
        return Reply.of(Result.SUCCESS);
    }

    // ---------------------------------------------------------------- NEW_VDI

    /** Request parameters of NEW_VDI after defaults are applied. */
    public record NewVdi(byte[] name, long size, int baseVid, boolean snapshot, int copies, int copyPolicy,
                         int storePolicy, int blockSizeShift) {
    }

    public Reply newVdi(byte[] payload, int len, long size, int baseVid, int copies, int copyPolicy,
                        int storePolicy, int bss, int snapid) throws IOException {
        int nrCopies = copies;
        int policy = copyPolicy;
        if (copies == 0) {
            nrCopies = defaults.nrCopies();
            policy = defaults.copyPolicy();
        }
        if (policy != 0) {
            // erasure code: copies = data + parity strips
            nrCopies = ((policy >> 4) & 0xf) * 2 + (policy & 0xf);
        }
        int shift = bss == 0 ? defaults.blockSizeShift() : bss;
        if (len != NAME_LEN) {
            return Reply.vdi(Result.INVALID_PARMS, 0, 0, nrCopies, shift);
        }
        NameTag nt = parseNameTag(payload, len, false);
        if (nt == null || shift < 20 || shift > 31) {
            LOG.warn("NEW_VDI with a malformed name or block size shift {}", shift);
            return Reply.vdi(Result.INVALID_PARMS, 0, 0, nrCopies, shift);
        }
        NewVdi req = new NewVdi(nt.name(), size, baseVid, snapid != 0, nrCopies, policy, storePolicy, shift);
        long time = clock.getAsLong();
        Lookup l = lookup(nt.name(), new byte[0], 0);
        int result;
        int newVid = 0;
        if (req.snapshot()) {
            if (l.result() != Result.SUCCESS) {
                return Reply.vdi(l.result(), 0, 0, nrCopies, shift);
            }
            newVid = l.freeBit();
            table.markSnapshot(l.vid(), nrCopies, shift);
            table.addState(newVid, nrCopies, false, policy, shift, l.vid());
            result = baseVid == l.vid()
                    ? snapshotVdi(req, l.nextSnapId(), newVid, time)
                    : rebaseVdi(req, l.nextSnapId(), newVid, l.vid(), time);
        } else {
            if (l.result() == Result.SUCCESS) {
                return Reply.vdi(Result.VDI_EXIST, 0, 0, nrCopies, shift);
            }
            if (l.result() != Result.NO_VDI) {
                return Reply.vdi(l.result(), 0, 0, nrCopies, shift);
            }
            int snapId = l.nextSnapId() == 0 ? 1 : l.nextSnapId();
            newVid = l.freeBit();
            int old = baseVid == 0 ? l.vid() : baseVid;
            if (old != 0) {
                table.markSnapshot(old, nrCopies, shift);
            }
            table.addState(newVid, nrCopies, false, policy, shift, old);
            result = baseVid == 0 ? createVdi(req, snapId, newVid, time) : cloneVdi(req, snapId, newVid, time);
        }
        if (result == Result.SUCCESS) {
            table.setInUse(newVid);
            LOG.info("new VDI {} vid {} (base {}, snapshot {})", new String(nt.name(),
                    java.nio.charset.StandardCharsets.UTF_8), Integer.toHexString(newVid),
                    Integer.toHexString(baseVid), req.snapshot());
        }
        return Reply.vdi(result, result == Result.SUCCESS ? newVid : 0, 0, nrCopies, shift);
    }

    /** A fresh inode as sheep's alloc_inode builds it, without the index. */
    private static byte[] newHeader(NewVdi req, int snapId, int vid, long time, int parent) {
        byte[] h = new byte[InodeHeader.SIZE + BTree.HEADER_SIZE];
        new InodeHeader("", "", time, 0, 0, req.size(), 0, req.copyPolicy(), req.storePolicy(), req.copies(),
                req.blockSizeShift(), snapId, vid, parent, 0).encodeTo(h, 0);
        // the name goes in as the client's bytes, not through a String
        System.arraycopy(req.name(), 0, h, 0, req.name().length);
        return h;
    }

    private int createVdi(NewVdi req, int snapId, int vid, long time) throws IOException {
        byte[] h = newHeader(req, snapId, vid, time, 0);
        if (req.storePolicy() != 0) {
            System.arraycopy(BTree.emptyRoot(), 0, h, DATA_VDI_ID, BTree.HEADER_SIZE);
        }
        return writeInode(vid, h) ? Result.SUCCESS : Result.VDI_WRITE;
    }

    /**
     * A new inode whose index is copied from {@code base}: generation = base's + 1 and count 0
     * for every used entry (sheep's alloc_inode with a base).
     */
    private static byte[] childInode(NewVdi req, int snapId, int vid, long time, int parent, byte[] base) {
        byte[] n = new byte[INODE_SIZE];
        byte[] h = newHeader(req, snapId, vid, time, parent);
        System.arraycopy(h, 0, n, 0, InodeHeader.SIZE);
        System.arraycopy(base, DATA_VDI_ID, n, DATA_VDI_ID, Inode.DATA_VDI_ID_SIZE);
        if (req.storePolicy() == 0) {
            for (int i = 0; i < NR_INDEX; i++) {
                if (Le.u32(base, DATA_VDI_ID + 4 * i) != 0) {
                    int g = GREF + 8 * i;
                    Le.put32(n, g, (Le.u32(base, g) + 1) & 0xFFFF_FFFFL);
                }
            }
        }
        return n;
    }

    private static void bumpCounts(byte[] base) {
        for (int i = 0; i < NR_INDEX; i++) {
            if (Le.u32(base, DATA_VDI_ID + 4 * i) != 0) {
                int c = GREF + 8 * i + 4;
                Le.put32(base, c, (Le.u32(base, c) + 1) & 0xFFFF_FFFFL);
            }
        }
    }

    private int cloneVdi(NewVdi req, int snapId, int vid, long time) throws IOException {
        Lock l = objects.locks().forOid(ObjectId.inode(req.baseVid())).writeLock();
        byte[] base;
        l.lock();
        try {
            base = store.read(ObjectId.inode(req.baseVid()), 0, INODE_SIZE);
            if (base == null) {
                return Result.BASE_VDI_READ;
            }
            bumpCounts(base);
            byte[] grefs = Arrays.copyOfRange(base, GREF, INODE_SIZE);
            if (!store.write(ObjectId.inode(req.baseVid()), GREF, grefs, 0, grefs.length)) {
                return Result.BASE_VDI_WRITE;
            }
        } finally {
            l.unlock();
        }
        return writeInode(vid, childInode(req, snapId, vid, time, req.baseVid(), base))
                ? Result.SUCCESS : Result.VDI_WRITE;
    }

    private int snapshotVdi(NewVdi req, int snapId, int vid, long time) throws IOException {
        long baseOid = ObjectId.inode(req.baseVid());
        Lock l = objects.locks().forOid(baseOid).writeLock();
        byte[] base;
        l.lock();
        try {
            base = store.read(baseOid, 0, INODE_SIZE);
            if (base == null) {
                return Result.BASE_VDI_READ;
            }
            Le.put64(base, InodeHeader.OFF_SNAP_CTIME, time);
            bumpCounts(base);
            store.create(baseOid, INODE_SIZE, trimmed(base), 0, new byte[0], 0, 0);
        } finally {
            l.unlock();
        }
        return writeInode(vid, childInode(req, snapId, vid, time, req.baseVid(), base))
                ? Result.SUCCESS : Result.VDI_WRITE;
    }

    /** Rollback: the current working VDI becomes a snapshot, the new one starts from {@code base}. */
    private int rebaseVdi(NewVdi req, int snapId, int vid, int curVid, long time) throws IOException {
        byte[] t = new byte[8];
        Le.put64(t, 0, time);
        if (objects.write(ObjectId.inode(curVid), InodeHeader.OFF_SNAP_CTIME, t, 8).result() != Result.SUCCESS) {
            return Result.VDI_WRITE;
        }
        return cloneVdi(req, snapId, vid, time);
    }

    private static byte[] trimmed(byte[] b) {
        int end = b.length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        return end == b.length ? b : Arrays.copyOf(b, end);
    }

    private boolean writeInode(int vid, byte[] content) throws IOException {
        long oid = ObjectId.inode(vid);
        Lock l = objects.locks().forOid(oid).writeLock();
        l.lock();
        try {
            store.create(oid, INODE_SIZE, trimmed(content), 0, new byte[0], 0, 0);
            return true;
        } catch (IOException e) {
            LOG.error("writing inode {} failed: {}", ObjectId.toHex(oid), e.toString());
            return false;
        } finally {
            l.unlock();
        }
    }

    // ---------------------------------------------------------------- DEL_VDI

    public Reply deleteVdi(NameTag nt, int snapid) throws IOException {
        Lookup l = lookup(nt.name(), nt.tag(), snapid);
        if (l.result() != Result.SUCCESS) {
            return Reply.vdi(l.result(), 0, 0, 0, 0);
        }
        int vid = l.vid();
        long oid = ObjectId.inode(vid);
        Lock lock = objects.locks().forOid(oid).writeLock();
        lock.lock();
        try {
            byte[] inode = store.read(oid, 0, INODE_SIZE);
            if (inode == null) {
                LOG.error("cannot find VDI object {}", ObjectId.toHex(oid));
            } else if (!(InodeHeader.decode(inode).vdiSize() == 0 && inode[0] == 0)) {
                deleteInode(vid, oid, inode);
            }
        } finally {
            lock.unlock();
        }
        table.setDeleted(vid);
        return Reply.vdi(Result.SUCCESS, vid, 0, 0, 0);
    }

    private void deleteInode(int vid, long oid, byte[] inode) throws IOException {
        InodeHeader h = InodeHeader.decode(inode);
        if (!h.isHyper()) {
            int shift = h.blockSizeShift();
            long objSize = 1L << shift;
            long nrObjs = Math.min((h.vdiSize() + objSize - 1) >>> shift, NR_INDEX);
            for (int i = 0; i < nrObjs; i++) {
                long v = Le.u32(inode, DATA_VDI_ID + 4 * i);
                if (v != 0) {
                    // sheep refuses to free a VDI whose index dog did not clear, and still answers success
                    LOG.error("vid {} still has objects", Long.toHexString(v));
                    return;
                }
            }
        } else {
            HyperIndex.forEach(store, inode, (idx, owner) -> {
                if (owner == vid) {
                    store.remove(ObjectId.data(owner, idx));
                }
            });
        }
        if (inode[0] == 0) {
            return;
        }
        Le.put64(inode, InodeHeader.OFF_VDI_SIZE, 0);
        Arrays.fill(inode, 0, NAME_LEN, (byte) 0);
        Arrays.fill(inode, InodeHeader.SIZE, INODE_SIZE, (byte) 0);
        store.create(oid, INODE_SIZE, trimmed(inode), 0, new byte[0], 0, 0);
    }

    // ---------------------------------------------------------------- GET_VDI_ATTR

    public Reply getAttr(byte[] attr, int len, int snapid, boolean create, boolean excl, boolean delete)
            throws IOException {
        if (attr == null || len < ATTR_KEY + NAME_LEN || len > ObjectId.ATTR_SIZE
                || !terminated(attr, 0) || !terminated(attr, NAME_LEN) || !terminated(attr, ATTR_KEY)) {
            LOG.warn("GET_VDI_ATTR with a malformed attribute of {} bytes", len);
            return Reply.vdi(Result.INVALID_PARMS, 0, 0, 0, 0);
        }
        byte[] name = FixedString.bytes(attr, 0, NAME_LEN);
        byte[] tag = FixedString.bytes(attr, NAME_LEN, NAME_LEN);
        Lookup l = lookup(name, tag, snapid);
        if (l.result() != Result.SUCCESS) {
            return Reply.vdi(l.result(), 0, 0, 0, 0);
        }
        int hashVid = VdiId.ofName(name);
        Le.put64(attr, ATTR_CTIME, l.createTime());
        long attrId = VdiId.fnv1a64(VdiId.FNV1A_64_INIT, attr, 0, 2 * NAME_LEN);
        attrId = VdiId.fnv1a64(attrId, attr, ATTR_SNAP_ID, 4);
        attrId = VdiId.fnv1a64(attrId, attr, ATTR_KEY, NAME_LEN) & 0xFFFF_FFFFL;
        VdiTable.StateView s = table.state(hashVid);
        int copies = s == null ? defaults.nrCopies() : s.nrCopies();
        long end = (attrId - 1) & 0xFFFF_FFFFL;
        int result = Result.NO_OBJ;
        while (attrId != end) {
            long oid = ObjectId.attribute(hashVid, attrId);
            byte[] cur = null;
            if (excl || !create) {
                cur = objects.readRaw(oid, 0, ObjectId.ATTR_SIZE);
                result = cur == null ? Result.NO_OBJ : Result.SUCCESS;
            }
            if (result == Result.NO_OBJ && create) {
                objects.createAndWrite(oid, 0, false, 0, attr, len);
                result = Result.SUCCESS;
                break;
            }
            if (result != Result.SUCCESS) {
                break;
            }
            if (Arrays.equals(FixedString.bytes(cur, 0, NAME_LEN), name)
                    && Arrays.equals(FixedString.bytes(cur, NAME_LEN, NAME_LEN), tag)
                    && Le.u32(cur, ATTR_SNAP_ID) == Le.u32(attr, ATTR_SNAP_ID)
                    && Arrays.equals(FixedString.bytes(cur, ATTR_KEY, NAME_LEN), FixedString.bytes(attr, ATTR_KEY, NAME_LEN))) {
                if (excl) {
                    result = Result.VDI_EXIST;
                } else if (delete) {
                    objects.write(oid, 0, new byte[1], 1);
                } else if (create) {
                    byte[] full = Arrays.copyOf(attr, ObjectId.ATTR_SIZE);
                    objects.write(oid, 0, full, full.length);
                }
                break;
            }
            attrId = (attrId + 1) & 0xFFFF_FFFFL;
        }
        if (attrId == end) {
            result = Result.FULL_VDI;
        }
        return Reply.vdi(result, hashVid, attrId, copies, 0);
    }
}
