package io.sheepfs.protocol;

import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.MdInfo;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.vdi.VdiBitmap;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every decoder rejects short or lying input with ProtocolException, never by allocating what a length field says. */
class MalformedInputTest {
    @Test
    void truncatedHeaders() {
        assertThrows(ProtocolException.class, () -> RequestHeader.decode(new byte[47]));
        assertThrows(ProtocolException.class, () -> ResponseHeader.decode(new byte[49]));
        assertThrows(ProtocolException.class, () -> RequestHeader.decode(new byte[60], 13));
        assertThrows(ProtocolException.class, () -> RequestHeader.decode(new byte[60], -1));
    }

    @Test
    void headerFieldsOutOfRange() {
        assertThrows(ProtocolException.class, () -> RequestHeader.decode(new byte[48]).withDataLength(1L << 32));
        assertThrows(ProtocolException.class, () -> RequestHeader.decode(new byte[48]).withFlags(0x10000));
        assertEquals(0xfffffff0L, RequestHeader.decode(Le.unhex(
            "020301000000000000000000f0ffffff0100000000000000000000000000000000000000000000000000000000000000"))
            .dataLength(), "raw_oversized's announced length decodes as unsigned");
    }

    @Test
    void nodeListsCannotClaimMoreThanPresentOrPermitted() {
        byte[] ci = new byte[48 + 80];
        Le.put16(ci, 2, 2); // claims 2 nodes, holds 1
        assertThrows(ProtocolException.class, () -> ClusterInfo.decode(ci));
        Le.put16(ci, 2, 6145);
        assertThrows(ProtocolException.class, () -> ClusterInfo.decode(ci));
        assertThrows(ProtocolException.class, () -> SdNode.decodeNodeList(new byte[81]));
        assertThrows(ProtocolException.class, () -> SdNode.decodeList(new byte[80], 0, 7000));
    }

    @Test
    void epochLogsCannotOverflowTheirStride() {
        byte[] p = new byte[EpochLog.stride(1)];
        Le.put32(p, 20, 2); // 2 nodes in room for 1
        assertThrows(ProtocolException.class, () -> EpochLog.decodeAll(p, 1));
        assertThrows(ProtocolException.class, () -> EpochLog.decodeAll(new byte[EpochLog.stride(1) + 1], 1));
        assertThrows(ProtocolException.class, () -> EpochLog.decodeAll(new byte[0], 7000));
        Le.put32(p, 20, 0xFFFFFFFFL);
        assertThrows(ProtocolException.class, () -> EpochLog.decodeAll(p, 1));
    }

    @Test
    void vdiStatesBoundParticipants() {
        byte[] p = new byte[VdiState.SIZE];
        Le.put32(p, 60, 32);
        assertThrows(ProtocolException.class, () -> VdiState.decodeAll(p));
        assertThrows(ProtocolException.class, () -> VdiState.decodeAll(new byte[VdiState.SIZE - 1]));
    }

    @Test
    void attributesBoundTheirValue() {
        byte[] p = new byte[VdiAttribute.SIZE];
        Le.put32(p, 524, VdiAttribute.MAX_VALUE + 1);
        assertThrows(ProtocolException.class, () -> VdiAttribute.decode(p));
        byte[] shortOne = new byte[VdiAttribute.OFF_VALUE + 3];
        Le.put32(shortOne, 524, 4);
        assertThrows(ProtocolException.class, () -> VdiAttribute.decode(shortOne));
        assertThrows(ProtocolException.class, () -> VdiAttribute.decode(new byte[100]));
    }

    @Test
    void btreeNodesAreValidated() {
        assertThrows(ProtocolException.class, () -> BTree.header(ByteBuffer.wrap(new byte[8])), "zero magic");
        byte[] root = BTree.encodeLeaf(java.util.List.of(new BTree.LeafEntry(1, 2)));
        Le.put16(root, 2, 3);
        assertThrows(ProtocolException.class, () -> BTree.header(ByteBuffer.wrap(root)), "depth 3");
        Le.put16(root, 2, 1);
        Le.put32(root, 4, 2);
        assertThrows(ProtocolException.class, () -> BTree.header(ByteBuffer.wrap(root)), "entries beyond bytes");
        Le.put32(root, 4, 0xFFFFFFFFL);
        assertThrows(ProtocolException.class, () -> BTree.headerOnly(ByteBuffer.wrap(root)), "entries beyond capacity");
        // a depth-2 root whose indirect entry points to something that is not a node object
        byte[] ind = BTree.encodeIndirect(java.util.List.of(new BTree.IndirectEntry(10, ObjectId.data(1, 0))));
        assertThrows(ProtocolException.class, () -> BTree.lookup(ByteBuffer.wrap(ind), 3, oid -> null));
        // ... or to a node that is itself indirect
        byte[] ind2 = BTree.encodeIndirect(java.util.List.of(new BTree.IndirectEntry(10, ObjectId.btreeNode(1, 0))));
        assertThrows(ProtocolException.class, () -> BTree.lookup(ByteBuffer.wrap(ind2), 3, oid -> ByteBuffer.wrap(ind2)));
    }

    @Test
    void inodesAreBounded() {
        assertThrows(ProtocolException.class, () -> Inode.decode(new byte[InodeHeader.SIZE - 1]));
        assertThrows(ProtocolException.class, () -> Inode.decode(ByteBuffer.allocate(ObjectId.INODE_SIZE + 1)));
        Inode headerOnly = Inode.decode(new byte[InodeHeader.SIZE + 8]);
        assertThrows(ProtocolException.class, () -> headerOnly.dataVdiId(2), "entry not read");
        assertEquals(0, headerOnly.dataVdiId(1));
        assertThrows(ProtocolException.class, () -> headerOnly.dataVdiId(1 << 20));
        assertThrows(ProtocolException.class, () -> headerOnly.gref(0));
        byte[] bigShift = new byte[InodeHeader.SIZE];
        bigShift[555] = 40;
        assertThrows(ProtocolException.class, () -> Inode.decode(bigShift).header().objectSize());
    }

    @Test
    void inodeWriteRanges() {
        assertEquals(new Inode.IndexRange(0, 0), Inode.indexRange(256, 256), "tag write");
        assertEquals(new Inode.IndexRange(1, 2), Inode.indexRange(4668, 4), "sheepfs index update of object 1");
        assertEquals(new Inode.IndexRange(0, 4), Inode.indexRange(0, 4680), "hyper header + root write");
        assertEquals(new Inode.IndexRange(0, 1 << 20), Inode.indexRange(0, ObjectId.INODE_SIZE));
        assertEquals(new Inode.IndexRange(1, 2), Inode.indexRange(4669, 1), "partial entry");
        assertTrue(Inode.indexRange(Inode.GREF_OFFSET, 8).isEmpty());
        assertThrows(ProtocolException.class, () -> Inode.indexRange(-1, 4));
    }

    @Test
    void bitmapsAndMdInfo() {
        assertThrows(ProtocolException.class, () -> VdiBitmap.decode(new byte[VdiBitmap.SIZE - 1]));
        byte[] md = new byte[MdInfo.SIZE];
        Le.put32(md, MdInfo.MAX_DISKS * MdInfo.DISK_SIZE, 65);
        assertThrows(ProtocolException.class, () -> MdInfo.decode(md));
        Le.put32(md, MdInfo.MAX_DISKS * MdInfo.DISK_SIZE, -1);
        assertThrows(ProtocolException.class, () -> MdInfo.decode(md));
    }

    @Test
    void stringsMustFitTheirFields() {
        assertThrows(ProtocolException.class, () -> FixedString.encode("x".repeat(256), 256));
        assertThrows(ProtocolException.class, () -> FixedString.encode("a\0b", 256));
        assertEquals("abc", FixedString.read(FixedString.encode("abc", 256), 0, 256));
        assertEquals("", FixedString.read(new byte[256], 0, 256), "all-NUL field is empty");
        byte[] full = "y".repeat(256).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(256, FixedString.read(full, 0, 256).length(), "an unterminated field stops at its end");
    }

    @Test
    void unknownCodesHaveDogsFallbackMessage() {
        assertEquals("Invalid error code 92", Result.message(0x92));
        assertEquals("Invalid error code 1c", Result.message(0x1c));
        assertEquals("No VDI found", Result.message(Result.NO_VDI));
        assertEquals("UNKNOWN(0x70)", Opcode.name(0x70));
        assertEquals(Opcode.SHEEP_PROTO_VER, Opcode.protoVersion(Opcode.GET_NODE_LIST));
        assertEquals(Opcode.PROTO_VER, Opcode.protoVersion(Opcode.READ_OBJ));
    }
}
