package io.sheepfs.protocol;

import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.MdInfo;
import io.sheepfs.protocol.cluster.RecoveryState;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.vdi.VdiBitmap;
import io.sheepfs.protocol.vdi.VdiName;

import java.nio.ByteBuffer;

/**
 * Decodes a recorded payload with the structure decoder its opcode (and oid/offset) calls for,
 * returning what it was decoded as. Used by the corpus tests; throws ProtocolException on
 * malformed payloads.
 */
final class CorpusDecoding {
    private CorpusDecoding() {
    }

    /** Kind of a request payload ("name", "attribute", "inode-header", ...) after decoding it. */
    static String requestPayload(RequestHeader h, byte[] p) {
        if (p.length == 0) {
            return "none";
        }
        switch (h.opcode()) {
            case Opcode.NEW_VDI, Opcode.GET_VDI_INFO, Opcode.DEL_VDI, Opcode.LOCK_VDI -> {
                VdiName n = VdiName.decode(p);
                byte[] again = p.length == VdiName.NAME_ONLY ? n.encodeNameOnly() : n.encodeWithTag();
                if (!java.util.Arrays.equals(p, again)) {
                    throw new ProtocolException("VDI name payload does not re-encode: " + n);
                }
                return "vdi-name";
            }
            case Opcode.OIDS_EXIST -> {
                OidList.decode(p);
                return "oid-list";
            }
            case Opcode.GET_VDI_ATTR -> {
                VdiAttribute.decode(p);
                return "attribute";
            }
            case Opcode.MAKE_FS -> {
                FixedString.read(p, 0, p.length);
                return "store-name";
            }
            case Opcode.WRITE_OBJ, Opcode.CREATE_AND_WRITE_OBJ -> {
                return objectBytes(h.obj(), p);
            }
            default -> {
                return "raw";
            }
        }
    }

    /** Kind of a response payload after decoding it. */
    static String responsePayload(RequestHeader rq, ResponseHeader rs, byte[] p) {
        if (p.length == 0) {
            return "none";
        }
        switch (rs.opcode()) {
            case Opcode.READ_OBJ -> {
                return objectBytes(rq.obj(), p);
            }
            case Opcode.GET_NODE_LIST -> {
                var nodes = SdNode.decodeNodeList(p);
                if (nodes.size() != rs.node().nrNodes()) {
                    throw new ProtocolException("node list has " + nodes.size() + " nodes, header says "
                        + rs.node().nrNodes());
                }
                return "node-list";
            }
            case Opcode.CLUSTER_INFO -> {
                ClusterInfo.decode(p);
                return "cluster-info";
            }
            case Opcode.STAT_CLUSTER -> {
                EpochLog.decodeAll(p, rq.cluster().nodesNr());
                return "epoch-logs";
            }
            case Opcode.GET_VDI_COPIES -> {
                VdiState.decodeAll(p);
                return "vdi-states";
            }
            case Opcode.READ_VDIS, Opcode.READ_DEL_VDIS -> {
                VdiBitmap.decode(p);
                return "bitmap";
            }
            case Opcode.STAT_RECOVERY -> {
                RecoveryState.decode(p);
                return "recovery-state";
            }
            case Opcode.MD_INFO -> {
                MdInfo.decode(p);
                return "md-info";
            }
            default -> {
                return "raw";
            }
        }
    }

    /** Object bytes at obj.offset of obj.oid, as read or written. */
    static String objectBytes(ObjRequest obj, byte[] p) {
        long oid = obj.oid();
        long off = obj.offset();
        switch (ObjectId.kind(oid)) {
            case INODE -> {
                if (off == 0 && p.length >= InodeHeader.SIZE) {
                    Inode inode = Inode.decode(p);
                    if (inode.header().isHyper() && p.length >= Inode.HEADER_WITH_BTREE_HEADER) {
                        inode.btreeRoot();
                    }
                    return p.length == ObjectId.INODE_SIZE ? "inode-full" : "inode-header";
                }
                if (off >= InodeHeader.SIZE && off < Inode.GREF_OFFSET) {
                    return "inode-index";
                }
                return "inode-part";
            }
            case BTREE -> {
                if (off == 0) {
                    BTree.header(ByteBuffer.wrap(p));
                    return "btree-node";
                }
                return "btree-part";
            }
            case ATTRIBUTE -> {
                if (off == 0) {
                    VdiAttribute.decode(p);
                    return "attribute";
                }
                return "attribute-part";
            }
            default -> {
                return "data";
            }
        }
    }
}
