package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.NativeCodec.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.VdiId;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.ObjResponse;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.RequestVariant;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.header.ResponseVariant;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.protocol.header.VdiResponse;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.wire.WireCorpus;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * The C codec (through JNI) and the Java codec (io.sheepfs.protocol) read every message of the
 * recorded traffic the same way: header fields, union variants, re-encoding, result texts, vids,
 * object sizes, inode headers and every index lookup of every inode in the corpus (plus a
 * generated depth-2 B-tree, which the corpus is too small to contain).
 */
class NativeCodecAgreementTest {
    private static long u32(int v) {
        return Integer.toUnsignedLong(v);
    }

    @Test
    void everyRecordedRequestHeaderDecodesAndEncodesAlike() {
        int checked = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            byte[] h = e.request().header();
            long[] c = decodeRequestHeader(h);
            RequestHeader j = RequestHeader.decode(h);
            String at = e.toString();
            assertEquals(0, c[REQ_STATUS], at);
            assertEquals(j.protoVersion(), c[REQ_PROTO], at);
            assertEquals(j.opcode(), c[REQ_OPCODE], at);
            assertEquals(j.flags(), c[REQ_FLAGS], at);
            assertEquals(u32(j.epoch()), c[REQ_EPOCH], at);
            assertEquals(u32(j.id()), c[REQ_ID], at);
            assertEquals(j.dataLength(), c[REQ_DATA_LENGTH], at);
            RequestVariant v = j.variant();
            if (v == RequestVariant.OBJ) {
                ObjRequest o = j.obj();
                assertEquals(o.oid(), c[OBJ_OID], at);
                assertEquals(o.cowOid(), c[OBJ_COW_OID], at);
                assertEquals(o.copies(), c[OBJ_COPIES], at);
                assertEquals(o.copyPolicy(), c[OBJ_COPY_POLICY], at);
                assertEquals(o.ecIndex(), c[OBJ_EC_INDEX], at);
                assertEquals(u32(o.tgtEpoch()), c[OBJ_TGT_EPOCH], at);
                assertEquals(o.offset(), c[OBJ_OFFSET], at);
                assertArrayEquals(j.encode(), encodeRequestHeader(c, VARIANT_OBJ), at);
            } else if (v == RequestVariant.VDI) {
                VdiRequest d = j.vdi();
                assertEquals(d.vdiSize(), c[VDI_SIZE], at);
                assertEquals(u32(d.baseVdiId()), c[VDI_BASE_VDI_ID], at);
                assertEquals(d.copies(), c[VDI_COPIES], at);
                assertEquals(d.copyPolicy(), c[VDI_COPY_POLICY], at);
                assertEquals(d.storePolicy(), c[VDI_STORE_POLICY], at);
                assertEquals(d.blockSizeShift(), c[VDI_BLOCK_SIZE_SHIFT], at);
                assertEquals(u32(d.snapId()), c[VDI_SNAPID], at);
                assertEquals(u32(d.type()), c[VDI_TYPE], at);
                assertArrayEquals(j.encode(), encodeRequestHeader(c, VARIANT_VDI), at);
            }
            // both codecs reproduce the recorded bytes
            assertArrayEquals(h, j.encode(), at);
            if (v == RequestVariant.OBJ || v == RequestVariant.VDI) {
                assertArrayEquals(h, encodeRequestHeader(c, v == RequestVariant.OBJ ? VARIANT_OBJ : VARIANT_VDI), at);
            }
            checked++;
        }
        assertTrue(checked >= 300, "only " + checked + " requests in the corpus");
        System.out.println("NativeCodecAgreementTest: " + checked + " request headers agree");
    }

    @Test
    void everyRecordedResponseHeaderDecodesAlike() {
        int checked = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            if (e.response().isEmpty()) {
                continue;
            }
            byte[] h = e.response().get().header();
            long[] c = decodeResponseHeader(h);
            ResponseHeader j = ResponseHeader.decode(h);
            String at = e.toString();
            assertEquals(0, c[RSP_STATUS], at);
            assertEquals(j.protoVersion(), c[RSP_PROTO], at);
            assertEquals(j.opcode(), c[RSP_OPCODE], at);
            assertEquals(j.flags(), c[RSP_FLAGS], at);
            assertEquals(u32(j.epoch()), c[RSP_EPOCH], at);
            assertEquals(u32(j.id()), c[RSP_ID], at);
            assertEquals(j.dataLength(), c[RSP_DATA_LENGTH], at);
            assertEquals(u32(j.result()), c[RSP_RESULT], at);
            ResponseVariant v = j.variant();
            if (v == ResponseVariant.OBJ) {
                ObjResponse o = j.obj();
                assertEquals(o.copies(), c[RSP_OBJ_COPIES], at);
                assertEquals(o.offset(), c[RSP_OBJ_OFFSET], at);
            } else if (v == ResponseVariant.VDI) {
                VdiResponse d = j.vdi();
                assertEquals(u32(d.rsvd()), c[RSP_VDI_RSVD], at);
                assertEquals(u32(d.vdiId()), c[RSP_VDI_ID], at);
                assertEquals(u32(d.attrId()), c[RSP_VDI_ATTR_ID], at);
                assertEquals(d.copies(), c[RSP_VDI_COPIES], at);
                assertEquals(d.blockSizeShift(), c[RSP_VDI_BSS], at);
            }
            // both report the recorded result the way dog prints it
            assertEquals(Result.message(j.result()), resultMessage(j.result()), at);
            checked++;
        }
        assertTrue(checked >= 300, "only " + checked + " responses in the corpus");
        System.out.println("NativeCodecAgreementTest: " + checked + " response headers agree");
    }

    @Test
    void shortHeadersAreRejectedNotRead() {
        assertEquals(-1, decodeRequestHeader(new byte[47])[REQ_STATUS]);
        assertEquals(-1, decodeResponseHeader(new byte[0])[RSP_STATUS]);
        assertEquals(-1, decodeInodeHeader(new byte[4663])[INO_STATUS]);
        assertThrows(NullPointerException.class, () -> decodeRequestHeader(null));
        assertThrows(NullPointerException.class, () -> inodeLookup(null, new long[] {1}, null, null));
    }

    @Test
    void resultTextsAndErrnosAgreeForEveryCode() {
        for (int r = 0; r <= 0x1ff; r++) {
            assertEquals(Result.message(r), resultMessage(r), "result 0x" + Integer.toHexString(r));
            assertEquals(r == Result.SUCCESS, resultErrno(r) == 0, "errno of 0x" + Integer.toHexString(r));
        }
        assertEquals(Result.message(0x7fffffff), resultMessage(0x7fffffff));
        assertEquals(30, resultErrno(Result.READONLY)); // EROFS
        assertEquals(2, resultErrno(Result.NO_OBJ)); // ENOENT
        assertEquals(16, resultErrno(Result.VDI_LOCKED)); // EBUSY
        assertEquals(28, resultErrno(Result.NO_SPACE)); // ENOSPC
        assertEquals(22, resultErrno(Result.INVALID_PARMS)); // EINVAL
        assertEquals(5, resultErrno(Result.HALT)); // EIO
    }

    @Test
    void vidsOfRecordedNamesAndObjectSizesAgree() {
        int names = 0;
        int oids = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            RequestHeader j = RequestHeader.decode(e.request().header());
            int op = j.opcode();
            if ((op == Opcode.GET_VDI_INFO || op == Opcode.NEW_VDI || op == Opcode.DEL_VDI || op == Opcode.LOCK_VDI)
                && e.request().payload().length() >= 256) {
                byte[] p = e.request().payload().bytes();
                int n = 0;
                while (n < 256 && p[n] != 0) {
                    n++;
                }
                byte[] name = Arrays.copyOf(p, n);
                assertEquals(VdiId.ofName(name), nameHashVid(name), e.toString());
                names++;
            }
            if (j.variant() == RequestVariant.OBJ && j.obj().oid() != 0) {
                long oid = j.obj().oid();
                for (int bss = 20; bss <= 31; bss++) {
                    assertEquals(ObjectId.size(oid, bss), objectSize(oid, bss), e + " oid " + ObjectId.toHex(oid));
                }
                oids++;
            }
        }
        assertTrue(names >= 20 && oids >= 100, names + " names, " + oids + " oids");
        Random rnd = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] name = new byte[1 + rnd.nextInt(255)];
            rnd.nextBytes(name);
            assertEquals(VdiId.ofName(name), nameHashVid(name));
        }
    }

    /** Every inode read in the corpus: same header, same owner for every index (all 2^20 of a normal VDI). */
    @Test
    void everyRecordedInodeDecodesAndLooksUpAlike() {
        int inodes = 0;
        long lookups = 0;
        int hyper = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            RequestHeader req = RequestHeader.decode(e.request().header());
            if (req.opcode() != Opcode.READ_OBJ || !ObjectId.isInode(req.obj().oid()) || e.response().isEmpty()) {
                continue;
            }
            WireCorpus.Message rsp = e.response().get();
            if (ResponseHeader.decode(rsp.header()).result() != Result.SUCCESS || rsp.payload().length() < InodeHeader.SIZE) {
                continue;
            }
            byte[] b = rsp.payload().bytes();
            Inode j = Inode.decode(b);
            InodeHeader jh = j.header();
            long[] c = decodeInodeHeader(b);
            String at = e.toString();
            assertEquals(0, c[INO_STATUS], at);
            assertEquals(jh.createTime(), c[INO_CREATE_TIME], at);
            assertEquals(jh.snapCtime(), c[INO_SNAP_CTIME], at);
            assertEquals(jh.vdiSize(), c[INO_VDI_SIZE], at);
            assertEquals(jh.copyPolicy(), c[INO_COPY_POLICY], at);
            assertEquals(jh.storePolicy(), c[INO_STORE_POLICY], at);
            assertEquals(jh.nrCopies(), c[INO_NR_COPIES], at);
            assertEquals(jh.blockSizeShift(), c[INO_BLOCK_SIZE_SHIFT], at);
            assertEquals(u32(jh.snapId()), c[INO_SNAP_ID], at);
            assertEquals(u32(jh.vdiId()), c[INO_VDI_ID], at);
            assertEquals(u32(jh.parentVdiId()), c[INO_PARENT], at);
            assertEquals(u32(jh.btreeCounter()), c[INO_BTREE_COUNTER], at);
            assertEquals(jh.objectCount(), c[INO_NR_OBJS], at);
            if (jh.isHyper()) {
                assertEquals(j.btreeRoot().byteLength(), c[INO_META_SIZE], at);
            }
            inodes++;
            if (!j.hasFullIndex()) {
                continue;
            }
            long[] idx;
            if (jh.isHyper()) {
                hyper++;
                List<Long> probe = new ArrayList<>();
                for (BTree.LeafEntry le : BTree.leafEntries(j.indexArea())) {
                    probe.add(le.idx() - 1);
                    probe.add(le.idx());
                    probe.add(le.idx() + 1);
                }
                for (long p = 0; p < 1000; p++) {
                    probe.add(p * 4_294_967L);
                }
                idx = probe.stream().filter(p -> p >= 0 && p <= 0xFFFF_FFFFL).mapToLong(Long::longValue).toArray();
            } else {
                idx = new long[Inode.MAX_DATA_OBJS];
                Arrays.setAll(idx, i -> i);
            }
            long[] cv = inodeLookup(b, idx, null, null);
            for (int i = 0; i < idx.length; i++) {
                assertEquals(u32(j.lookup(idx[i])), cv[i], at + " idx " + idx[i]);
            }
            lookups += idx.length;
        }
        assertTrue(inodes >= 30 && hyper >= 1 && lookups >= 1_000_000, inodes + " inodes, " + lookups + " lookups");
        System.out.println("NativeCodecAgreementTest: " + inodes + " inodes, " + lookups + " index lookups agree");
    }

    /** A depth-2 tree (Java-encoded root and leaves) gives the same answers in both codecs. */
    @Test
    void depthTwoBtreeLookupsAgree() {
        int vid = 0x4fd259;
        Random rnd = new Random(11);
        TreeMap<Long, Integer> all = new TreeMap<>();
        List<BTree.IndirectEntry> root = new ArrayList<>();
        Map<Long, byte[]> nodes = new HashMap<>();
        long next = 3;
        for (int leaf = 0; leaf < 12; leaf++) {
            List<BTree.LeafEntry> entries = new ArrayList<>();
            int n = 1 + rnd.nextInt(5000);
            for (int i = 0; i < n; i++) {
                next += 1 + rnd.nextInt(leaf == 11 ? 500_000 : 40); // stays below 2^32
                int owner = rnd.nextInt(4) == 0 ? vid - 1 : vid;
                entries.add(new BTree.LeafEntry(next, owner));
                all.put(next, owner);
            }
            long oid = ObjectId.btreeNode(vid, leaf);
            nodes.put(oid, BTree.encodeLeaf(entries));
            root.add(new BTree.IndirectEntry(next, oid));
        }
        byte[] inode = new byte[InodeHeader.SIZE + BTree.NODE_SIZE];
        InodeHeader.create("big", vid, 10L << 40, 1, 1, 0, InodeHeader.STORE_POLICY_HYPER, 22).encodeTo(inode, 0);
        byte[] r = BTree.encodeIndirect(root);
        System.arraycopy(r, 0, inode, InodeHeader.SIZE, r.length);
        Inode j = Inode.decode(inode);

        List<Long> probe = new ArrayList<>();
        for (long k : all.keySet()) {
            probe.add(k - 1);
            probe.add(k);
            probe.add(k + 1);
        }
        for (int i = 0; i < 10_000; i++) {
            probe.add(Integer.toUnsignedLong(rnd.nextInt()));
        }
        probe.add(0xFFFF_FFFFL);
        long[] idx = probe.stream().mapToLong(Long::longValue).toArray();
        long[] oids = nodes.keySet().stream().mapToLong(Long::longValue).toArray();
        byte[][] bufs = Arrays.stream(oids).mapToObj(nodes::get).toArray(byte[][]::new);
        long[] cv = inodeLookup(inode, idx, oids, bufs);
        int hits = 0;
        for (int i = 0; i < idx.length; i++) {
            int jv = j.lookup(idx[i], oid -> ByteBuffer.wrap(nodes.get(oid)));
            assertEquals(u32(all.getOrDefault(idx[i], 0)), cv[i], "model, idx " + idx[i]);
            assertEquals(u32(jv), cv[i], "idx " + idx[i]);
            hits += jv != 0 ? 1 : 0;
        }
        assertTrue(hits >= all.size());
        // a missing leaf is an error in C (-6, SD_ERR_FETCH), never a guess
        long[] missing = inodeLookup(inode, new long[] {all.firstKey()}, null, null);
        assertEquals(-8, missing[0]); // SD_ERR_INVAL: depth 2 needs nodes
        long[] wrong = inodeLookup(inode, new long[] {all.firstKey()}, new long[] {ObjectId.btreeNode(vid, 99)},
            new byte[][] {new byte[8]});
        assertEquals(-6, wrong[0]);
    }
}
