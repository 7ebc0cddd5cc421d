package io.sheepfs.protocol;

import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FNV-1a VDI ids of PROTOCOL.md 6.2 and of every vid the corpus shows. */
class VdiIdCorpusTest {
    @Test
    void namedIdsOfTheReference() {
        assertEquals(0xe2d588, VdiId.ofName("rec1"));
        assertEquals(0xe2daa1, VdiId.ofName("rec2"));
        assertEquals(0x7c2b25, VdiId.ofName("test"));
        assertEquals(0x6a5c63, VdiId.ofName("t2"));
        assertEquals(0x346d26, VdiId.ofName("dup"));
        assertEquals(0x4fd259, VdiId.ofName("big"));
        assertEquals(0x96a911, VdiId.ofName("small-objs"));
        assertEquals(0x23c745, VdiId.ofName("rec1clone"));
        assertEquals(0x1af0fd, VdiId.ofName("snaptest"));
        assertEquals(0xbcd113b5L, VdiId.attributeId("rec1", "", 0, "color"));
        assertEquals(0x20e2d588bcd113b5L, ObjectId.attribute(VdiId.ofName("rec1"), 0xbcd113b5L));
    }

    /**
     * Every vid named by a successful NEW_VDI / GET_VDI_INFO response, and every inode read, is the
     * hash of the VDI's name or lies a few probe steps after it (snapshots and their working VDIs).
     */
    @Test
    void everyVidInTheCorpusIsTheNameHashOrProbedFromIt() {
        Map<String, Integer> hashed = new TreeMap<>();
        Map<String, Integer> probed = new TreeMap<>();
        int checked = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            if (e.response().isEmpty()) {
                continue;
            }
            RequestHeader rq = RequestHeader.decode(e.request().header());
            ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
            if (!rs.isSuccess()) {
                continue;
            }
            String name;
            int vid;
            if (rq.opcode() == Opcode.NEW_VDI || rq.opcode() == Opcode.GET_VDI_INFO) {
                name = FixedString.read(e.request().payload().bytes(), 0, 256);
                vid = rs.vdi().vdiId();
            } else if (rq.opcode() == Opcode.READ_OBJ && ObjectId.isInode(rq.obj().oid()) && rq.obj().offset() == 0) {
                Inode inode = Inode.decode(e.response().get().payload().bytes());
                if (inode.header().isDeleted()) {
                    continue;
                }
                name = inode.header().name();
                vid = inode.header().vdiId();
                assertEquals(ObjectId.vid(rq.obj().oid()), vid, e + " inode of another vid");
            } else if (rq.opcode() == Opcode.GET_VDI_ATTR) {
                VdiAttribute a = VdiAttribute.decode(e.request().payload().bytes());
                assertEquals(VdiId.ofName(a.name()), rs.vdi().vdiId(), e + " attr response carries the name hash");
                assertEquals(a.attributeId(), Integer.toUnsignedLong(rs.vdi().attrId()), e + " attr id");
                checked++;
                continue;
            } else {
                continue;
            }
            int hash = VdiId.ofName(name);
            int distance = vid - hash;
            assertTrue(distance >= 0 && distance < 8, e + ": vid " + Integer.toHexString(vid) + " of '" + name
                + "' is not at or just after its hash " + Integer.toHexString(hash));
            (distance == 0 ? hashed : probed).put(name + "@" + Integer.toHexString(vid), distance);
            checked++;
        }
        System.out.printf("vdi ids: %d checks; equal to the name hash: %s; probed: %s%n", checked, hashed.keySet(),
            probed);
        assertTrue(hashed.size() >= 9 && !probed.isEmpty());
    }
}
