package io.sheepfs.server.store;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.ProtocolException;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.server.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * Object I/O as a sheep gateway + local store does it on one node (PROTOCOL.md 9.5): read, write,
 * create-and-write (optionally copy-on-write), remove, discard, exist. Data objects of snapshots
 * are read-only; writes of inode index entries drop references of the objects they replace.
 */
public final class ObjectService {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectService.class);
    private static final int DATA_VDI_ID = Inode.DATA_VDI_ID_OFFSET;
    private static final int NR_INDEX = Inode.MAX_DATA_OBJS;
    private static final int GREF = Inode.GREF_OFFSET;

    private final ObjectStore store;
    private final ObjectLocks locks;
    private final RefCounts refs;
    private final IntPredicate isSnapshot;
    private final IntUnaryOperator blockSizeShiftOf;

    /**
     * @param isSnapshot       vid -> data objects are read-only
     * @param blockSizeShiftOf vid -> object size shift (the VDI's, or the cluster default)
     */
    public ObjectService(ObjectStore store, ObjectLocks locks, IntPredicate isSnapshot,
                         IntUnaryOperator blockSizeShiftOf) {
        this.store = store;
        this.locks = locks;
        this.refs = new RefCounts(store, locks);
        this.isSnapshot = isSnapshot;
        this.blockSizeShiftOf = blockSizeShiftOf;
    }

    public ObjectStore store() {
        return store;
    }

    public ObjectLocks locks() {
        return locks;
    }

    /** Size in bytes of the object {@code oid}. */
    public long objectSize(long oid) {
        return ObjectId.size(oid, blockSizeShiftOf.applyAsInt(ObjectId.vid(oid)));
    }

    private boolean readOnly(long oid) {
        return ObjectId.isData(oid) && isSnapshot.test(ObjectId.vid(oid));
    }

    public Reply read(long oid, long offset, int len) throws IOException {
        Lock l = locks.forOid(oid).readLock();
        l.lock();
        try {
            byte[] b = store.read(oid, offset, len);
            return b == null ? Reply.of(Result.NO_OBJ) : Reply.data(Result.SUCCESS, b);
        } finally {
            l.unlock();
        }
    }

    /** Reads without a reply wrapper; null when absent. */
    public byte[] readRaw(long oid, long offset, int len) throws IOException {
        Lock l = locks.forOid(oid).readLock();
        l.lock();
        try {
            return store.read(oid, offset, len);
        } finally {
            l.unlock();
        }
    }

    private boolean pastEnd(long oid, long offset, int len) {
        if (offset + len > objectSize(oid)) {
            LOG.warn("refusing I/O past the end of {}: offset {} + {} bytes > object size {}",
                    ObjectId.toHex(oid), offset, len, objectSize(oid));
            return true;
        }
        return false;
    }

    public Reply write(long oid, long offset, byte[] data, int len) throws IOException {
        if (readOnly(oid)) {
            return Reply.of(Result.READONLY);
        }
        if (pastEnd(oid, offset, len)) {
            return Reply.of(Result.INVALID_PARMS);
        }
        if (ObjectId.isInode(oid) && offset >= DATA_VDI_ID && offset + len <= GREF && offset % 4 == 0 && len % 4 == 0) {
            return writeIndex(oid, offset, data, len);
        }
        Lock l = locks.forOid(oid).writeLock();
        l.lock();
        try {
            return Reply.of(store.write(oid, offset, data, 0, len) ? Result.SUCCESS : Result.NO_OBJ);
        } finally {
            l.unlock();
        }
    }

    /** A pending decrement, applied after the inode lock is released. */
    private record Decref(long dataOid, int generation, int count) {
    }

    /** An inode write inside data_vdi_id: sheep zeroes the entries' gref and drops the old objects' references. */
    private Reply writeIndex(long inodeOid, long offset, byte[] data, int len) throws IOException {
        int nr = len / 4;
        int start = (int) ((offset - DATA_VDI_ID) / 4);
        List<Decref> drops = new ArrayList<>();
        Lock l = locks.forOid(inodeOid).writeLock();
        l.lock();
        try {
            byte[] oldVids = store.read(inodeOid, DATA_VDI_ID + 4L * start, nr * 4);
            if (oldVids == null) {
                return Reply.of(Result.NO_OBJ);
            }
            byte[] oldRefs = store.read(inodeOid, GREF + 8L * start, nr * 8);
            if (!store.write(inodeOid, offset, data, 0, len)) {
                return Reply.of(Result.NO_OBJ);
            }
            if (nr > 0) {
                store.write(inodeOid, GREF + 8L * start, new byte[nr * 8], 0, nr * 8);
            }
            for (int i = 0; i < nr; i++) {
                long oldVid = Le.u32(oldVids, 4 * i);
                long newVid = Le.u32(data, 4 * i);
                if (oldVid == 0 || oldVid == newVid) {
                    continue;
                }
                drops.add(new Decref(ObjectId.data((int) oldVid, start + i), Le.i32(oldRefs, 8 * i),
                        Le.i32(oldRefs, 8 * i + 4)));
            }
        } finally {
            l.unlock();
        }
        for (Decref d : drops) {
            try {
                refs.decref(d.dataOid(), d.generation(), d.count());
            } catch (IOException e) {
                // the inode write succeeded; sheep only logs a failed ledger update too
                LOG.error("reference update of {} failed: {}", ObjectId.toHex(d.dataOid()), e.toString());
            }
        }
        return Reply.of(Result.SUCCESS);
    }

    public Reply createAndWrite(long oid, long cowOid, boolean cow, long offset, byte[] data, int len)
            throws IOException {
        if (readOnly(oid)) {
            return Reply.of(Result.READONLY);
        }
        if (pastEnd(oid, offset, len)) {
            return Reply.of(Result.INVALID_PARMS);
        }
        long size = objectSize(oid);
        byte[] base = null;
        if (cow && len != size) {
            base = readRaw(cowOid, 0, (int) size);
            if (base == null) {
                return Reply.of(Result.NO_OBJ);
            }
        }
        Lock l = locks.forOid(oid).writeLock();
        l.lock();
        try {
            store.create(oid, size, base, offset, data, 0, len);
            return Reply.of(Result.SUCCESS);
        } finally {
            l.unlock();
        }
    }

    public Reply remove(long oid) throws IOException {
        Lock l = locks.forOid(oid).writeLock();
        l.lock();
        try {
            return Reply.of(store.remove(oid) ? Result.SUCCESS : Result.NO_OBJ);
        } finally {
            l.unlock();
        }
    }

    public Reply exist(long oid) {
        return Reply.of(store.exists(oid) ? Result.SUCCESS : Result.NO_OBJ);
    }

    /** DISCARD_OBJ: clear the index entry of a data object (dropping its reference) and remove it. */
    public Reply discard(long oid) throws IOException {
        if (!ObjectId.isData(oid)) {
            return Reply.of(Result.INVALID_PARMS);
        }
        long inodeOid = ObjectId.inode(ObjectId.vid(oid));
        byte[] header = readRaw(inodeOid, 0, InodeHeader.SIZE);
        if (header == null) {
            return Reply.of(Result.NO_OBJ);
        }
        if (InodeHeader.decode(header).isHyper()) {
            return discardHyper(oid, inodeOid);
        }
        if (ObjectId.index(oid) >= NR_INDEX) {
            return Reply.of(Result.INVALID_PARMS);
        }
        long entryOffset = DATA_VDI_ID + 4 * ObjectId.index(oid);
        byte[] entry = readRaw(inodeOid, entryOffset, 4);
        if (entry == null) {
            return Reply.of(Result.NO_OBJ);
        }
        if (Le.u32(entry, 0) != 0) {
            Reply r = writeIndex(inodeOid, entryOffset, new byte[4], 4);
            if (r.result() != Result.SUCCESS) {
                return r;
            }
            remove(oid);
        }
        return Reply.of(Result.SUCCESS);
    }

    /** OIDS_EXIST: the oids of the payload that are missing (answered with NO_OBJ), or SUCCESS. */
    public Reply oidsExist(byte[] data, int len) {
        java.io.ByteArrayOutputStream missing = new java.io.ByteArrayOutputStream();
        for (int i = 0; i + 8 <= len; i += 8) {
            if (!store.exists(Le.u64(data, i))) {
                missing.write(data, i, 8);
            }
        }
        return missing.size() == 0 ? Reply.of(Result.SUCCESS) : Reply.data(Result.NO_OBJ, missing.toByteArray());
    }

    /** GET_HASH: SHA-1 of the whole object, as sheep's plain store computes it for vdi check. */
    public Reply hash(long oid) throws IOException {
        long size = objectSize(oid);
        if (size > Integer.MAX_VALUE - 8) {
            return Reply.of(Result.INVALID_PARMS);
        }
        byte[] b = readRaw(oid, 0, (int) size);
        if (b == null) {
            return Reply.of(Result.NO_OBJ);
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(b);
            return new Reply(Result.SUCCESS, null, new io.sheepfs.protocol.header.HashResponse(digest));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * DISCARD_OBJ on a hyper volume: the B-tree leaf entry of the index keeps its place with vid 0
     * (as sheep's sd_inode_set_vid leaves it), then the object is removed. Each object is locked
     * only while it is read or written (clients update the B-tree the same way, entry by entry).
     */
    private Reply discardHyper(long oid, long inodeOid) throws IOException {
        long idx = ObjectId.index(oid);
        try {
            byte[] rootHeader = readRaw(inodeOid, DATA_VDI_ID, BTree.HEADER_SIZE);
            if (rootHeader == null || BTree.isUninitialized(ByteBuffer.wrap(rootHeader))) {
                return Reply.of(rootHeader == null ? Result.NO_OBJ : Result.SUCCESS);
            }
            BTree.Header h = BTree.headerOnly(ByteBuffer.wrap(rootHeader));
            long leafOid = inodeOid;
            long leafOffset = DATA_VDI_ID;
            byte[] leaf = readRaw(inodeOid, DATA_VDI_ID, h.byteLength());
            if (h.depth() == 2) {
                BTree.IndirectEntry target = null;
                for (BTree.IndirectEntry e : BTree.indirectEntries(ByteBuffer.wrap(leaf))) {
                    if (e.idx() >= idx) {
                        target = e;
                        break;
                    }
                }
                if (target == null) {
                    return Reply.of(Result.SUCCESS);
                }
                leafOid = target.oid();
                leafOffset = 0;
                leaf = readRaw(leafOid, 0, ObjectId.BTREE_NODE_SIZE);
                if (leaf == null) {
                    return Reply.of(Result.NO_OBJ);
                }
            }
            List<BTree.LeafEntry> entries = BTree.leafEntries(ByteBuffer.wrap(leaf));
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).idx() == idx && entries.get(i).vid() != 0) {
                    long at = leafOffset + BTree.HEADER_SIZE + (long) i * BTree.LEAF_ENTRY_SIZE + 4;
                    Lock l = locks.forOid(leafOid).writeLock();
                    l.lock();
                    try {
                        store.write(leafOid, at, new byte[4], 0, 4);
                    } finally {
                        l.unlock();
                    }
                    remove(oid);
                    break;
                }
            }
            return Reply.of(Result.SUCCESS);
        } catch (ProtocolException e) {
            LOG.warn("DISCARD_OBJ {}: malformed B-tree index: {}", ObjectId.toHex(oid), e.getMessage());
            return Reply.of(Result.INVALID_PARMS);
        }
    }
}
