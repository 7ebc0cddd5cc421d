package io.sheepfs.protocol;

import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every inode payload of the corpus decodes, and its index agrees with the data objects the
 * same session touched afterwards: a READ_OBJ or WRITE_OBJ of data oid (v, idx) after reading
 * the inode of VDI x means lookup_x(idx) == v; a CREATE_AND_WRITE_OBJ means a hole (or, with
 * COW, the cow_oid's vid). The test keeps each VDI's inode bytes up to date with the inode
 * writes the session sent (index updates, B-tree root rewrites, discards), exactly as a client
 * would.
 *
 * <p>The original sheepfs spreads its I/O over a pool of sockets; the corpus keeps each socket's
 * exchanges in order but not their interleaving. For such sessions (more than two connections)
 * data reads and writes are checked against the index after all the session's inode writes, and
 * creates against the index as first read.
 */
class InodeCorpusTest {
    /** The inode bytes of one VDI as known from the session, and how many index entries are known. */
    private static final class Known {
        final byte[] bytes = new byte[ObjectId.INODE_SIZE];
        int knownUpTo;

        void apply(long offset, byte[] data) {
            System.arraycopy(data, 0, bytes, (int) offset, data.length);
            if (offset <= knownUpTo) {
                knownUpTo = (int) Math.max(knownUpTo, offset + data.length);
            }
        }

        Inode inode() {
            return Inode.decode(ByteBuffer.wrap(bytes, 0, knownUpTo));
        }
    }

    @Test
    void inodeIndexesAgreeWithTheObjectsTheSessionUsedNext() {
        int inodes = 0;
        int fullInodes = 0;
        int reads = 0;
        int writes = 0;
        int creates = 0;
        int hyperLookups = 0;
        List<String> unchecked = new ArrayList<>();
        for (WireCorpus.Scenario s : WireCorpus.scenarios()) {
            Map<Integer, Known> known = new HashMap<>();
            Map<Long, byte[]> btreeNodes = new HashMap<>();
            Integer current = null;
            boolean pool = s.connections().size() > 2;
            Map<Integer, Inode> firstRead = new HashMap<>();
            List<WireCorpus.Exchange> order = new ArrayList<>(s.exchanges());
            if (pool) {
                // inode traffic first (in recorded order), then the data traffic
                order.sort(java.util.Comparator.comparing(x -> !ObjectId.isInode(RequestHeader.decode(
                    x.request().header()).obj().oid())));
            }
            for (WireCorpus.Exchange e : order) {
                RequestHeader rq = RequestHeader.decode(e.request().header());
                if (e.response().isEmpty()) {
                    continue;
                }
                ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
                int op = rq.opcode();
                if (op != Opcode.READ_OBJ && op != Opcode.WRITE_OBJ && op != Opcode.CREATE_AND_WRITE_OBJ
                    && op != Opcode.DISCARD_OBJ) {
                    continue;
                }
                ObjRequest obj = rq.obj();
                long oid = obj.oid();
                int vid = ObjectId.vid(oid);
                long idx = ObjectId.index(oid);
                if (ObjectId.isInode(oid)) {
                    if (!rs.isSuccess()) {
                        continue;
                    }
                    Known k = known.computeIfAbsent(vid, v -> new Known());
                    byte[] data = op == Opcode.READ_OBJ ? e.response().get().payload().bytes()
                        : e.request().payload().bytes();
                    k.apply(obj.offset(), data);
                    if (op == Opcode.READ_OBJ) {
                        if (obj.offset() == 0) {
                            Inode decoded = Inode.decode(data);
                            assertEquals(vid, decoded.header().vdiId(), e + " inode vdi_id");
                            assertTrue(data.length == InodeHeader.SIZE || data.length == Inode.HEADER_WITH_BTREE_HEADER
                                || data.length == ObjectId.INODE_SIZE, e + " inode read size " + data.length);
                            inodes++;
                            if (data.length == ObjectId.INODE_SIZE) {
                                fullInodes++;
                                assertTrue(decoded.hasGref() && decoded.hasFullIndex());
                            }
                        }
                        if (k.knownUpTo > InodeHeader.SIZE) {
                            current = vid;
                            if (data.length == ObjectId.INODE_SIZE) {
                                firstRead.putIfAbsent(vid, Inode.decode(data.clone()));
                            }
                        }
                    }
                    continue;
                }
                if (ObjectId.isBtree(oid)) {
                    byte[] data = op == Opcode.READ_OBJ ? e.response().get().payload().bytes()
                        : e.request().payload().bytes();
                    if (obj.offset() == 0 && rs.isSuccess()) {
                        BTree.header(ByteBuffer.wrap(data));
                        btreeNodes.put(oid, data);
                    }
                    continue;
                }
                if (!ObjectId.isData(oid)) {
                    continue;
                }
                if (current == null) {
                    unchecked.add(e + " " + Opcode.name(op) + " " + ObjectId.toHex(oid) + " (no inode read before)");
                    continue;
                }
                Known k = known.get(current);
                Inode inode = k.inode();
                if (!inode.header().isHyper() && idx >= inode.indexEntriesAvailable()) {
                    unchecked.add(e + " " + ObjectId.toHex(oid) + " (index entry not read)");
                    continue;
                }
                int owner = inode.lookup(idx, o -> ByteBuffer.wrap(btreeNodes.get(o)));
                if (inode.header().isHyper()) {
                    hyperLookups++;
                }
                String where = e + " " + Opcode.name(op) + " " + ObjectId.toHex(oid) + " via inode of "
                    + Integer.toHexString(current);
                switch (op) {
                    case Opcode.READ_OBJ -> {
                        assertEquals(vid, owner, where);
                        reads++;
                    }
                    case Opcode.WRITE_OBJ -> {
                        assertEquals(vid, owner, where);
                        assertEquals((int) current, vid, where + ": writes go to own objects");
                        writes++;
                    }
                    case Opcode.CREATE_AND_WRITE_OBJ -> {
                        int expected = rq.hasFlag(RequestFlags.COW) ? ObjectId.vid(obj.cowOid()) : 0;
                        if (pool) {
                            owner = firstRead.get(current).lookup(idx);
                        }
                        assertEquals(expected, owner, where + ": create into a hole, or COW from the owner");
                        if (rq.hasFlag(RequestFlags.COW)) {
                            assertEquals(idx, ObjectId.index(obj.cowOid()), where + ": cow_oid index");
                        }
                        creates++;
                    }
                    case Opcode.DISCARD_OBJ -> {
                        assertEquals(vid, owner, where);
                        if (rs.isSuccess() && !inode.header().isHyper()) {
                            k.apply(Inode.DATA_VDI_ID_OFFSET + 4 * idx, new byte[4]);
                        }
                    }
                    default -> throw new AssertionError(op);
                }
            }
        }
        // only the raw protocol probes touch data objects without reading an inode first
        assertTrue(unchecked.stream().allMatch(u -> u.startsWith("raw_")), "unchecked: " + unchecked);
        System.out.printf("inodes: %d inode reads decoded (%d full 12,587,576-byte objects); index agreed with "
            + "%d data reads, %d writes, %d creates (%d via B-tree)%n", inodes, fullInodes, reads, writes, creates,
            hyperLookups);
        unchecked.forEach(u -> System.out.println("  not checkable: " + u));
        assertTrue(inodes >= 60 && fullInodes >= 10, "inode count");
        assertTrue(reads >= 20 && writes >= 10 && creates >= 10 && hyperLookups > 0, "checked counts");
    }
}
