package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.header.NodeResponse;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.InodeHeader;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the embedded sheep, over real TCP. */
class ClientServerTest {
    private static final int OBJ = 4 << 20;

    @TempDir
    Path dir;
    private EmbeddedSheep sheep;
    private SheepClient client;

    @BeforeEach
    void start() throws IOException {
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
        client = SheepClient.connect(sheep.address());
    }

    @AfterEach
    void stop() {
        client.close();
        sheep.close();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    void unformattedNode() throws IOException {
        assertEquals(Result.WAIT_FOR_FORMAT, client.clusterStatus().result());
        assertFalse(client.clusterInfo().isFormatted());
        assertEquals(List.of(), client.listVdis());
        SheepResultException e = assertThrows(SheepResultException.class, () -> client.createVdi(NewVdi.of("x", 1 << 20)));
        assertEquals(Result.WAIT_FOR_FORMAT, e.result());
    }

    @Test
    void clusterAndNodeState() throws IOException {
        client.format(1, 0);
        ClusterStatus s = client.clusterStatus();
        assertEquals(Result.SUCCESS, s.result());
        assertEquals(1, s.logs().size());
        assertEquals(1, s.logs().get(0).nrCopies());
        List<SdNode> nodes = client.nodes();
        assertEquals(1, nodes.size());
        assertEquals(sheep.port(), nodes.get(0).nid().port());
        ClusterInfo info = client.clusterInfo();
        assertTrue(info.isFormatted());
        assertEquals(22, client.clusterDefault().blockSizeShift());
        NodeResponse stat = client.statSheep(sheep.address());
        assertTrue(stat.storeSize() > 0 && stat.storeFree() <= stat.storeSize(), stat.toString());
        List<NodeStat> stats = client.nodeStats(nodes);
        assertEquals(1, stats.size());
        assertEquals(0, stats.get(0).index());
    }

    @Test
    void createWriteReadSnapshotClone() throws IOException {
        client.format(1, 0);
        VdiRef v = client.createVdi(NewVdi.of("disk", 3L * OBJ));
        assertEquals(v, client.lookupVdi("disk"));
        InodeHeader h = client.readInodeHeader(v.vid());
        assertEquals("disk", h.name());
        assertEquals(3L * OBJ, h.vdiSize());
        assertEquals(1, h.snapId());

        byte[] data = new byte[OBJ];
        new Random(1).nextBytes(data);
        long oid = ObjectId.data(v.vid(), 1);
        client.createAndWriteObject(oid, 0, 0, data);
        client.writeObject(ObjectId.inode(v.vid()), Inode.DATA_VDI_ID_OFFSET + 4, le32(v.vid()));
        assertArrayEquals(data, client.readObject(oid, 0, OBJ));
        byte[] patch = {1, 2, 3};
        client.writeObject(oid, 100, patch);
        assertArrayEquals(patch, client.readObject(oid, 100, 3));
        assertEquals(v.vid(), client.readInode(v.vid()).dataVdiId(1));

        List<VdiSummary> list = client.listVdis();
        assertEquals(1, list.size());
        assertEquals(OBJ, list.get(0).usedBytes());

        VdiRef working = client.snapshot("disk", "snap1");
        assertNotEquals(v.vid(), working.vid());
        assertTrue(client.readInodeHeader(v.vid()).isSnapshot());
        assertEquals(v.vid(), client.lookup("disk", "snap1", 0).vid());
        SheepResultException dupTag = assertThrows(SheepResultException.class, () -> client.snapshot("disk", "snap1"));
        assertEquals(Result.VDI_EXIST, dupTag.result());
        SheepResultException ro = assertThrows(SheepResultException.class, () -> client.writeObject(oid, 0, patch));
        assertEquals(Result.READONLY, ro.result());

        // copy-on-write into the new working VDI keeps the snapshot's bytes
        long own = ObjectId.data(working.vid(), 1);
        client.createAndWriteObject(own, oid, 0, new byte[] {9});
        byte[] cow = client.readObject(own, 0, OBJ);
        assertEquals(9, cow[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1, 100), java.util.Arrays.copyOfRange(cow, 1, 100));
        assertEquals(data[0], client.readObject(oid, 0, 1)[0]);

        VdiRef clone = client.cloneVdi(v.vid(), "disk-clone");
        InodeHeader ch = client.readInodeHeader(clone.vid());
        assertTrue(ch.isClone());
        assertEquals(v.vid(), ch.parentVdiId());
        List<VdiSummary> after = client.listVdis();
        assertEquals(3, after.size());
        VdiSummary cl = after.stream().filter(x -> x.header().name().equals("disk-clone")).findFirst().orElseThrow();
        assertEquals(OBJ, cl.sharedBytes());
        assertEquals(0, cl.usedBytes());
    }

    @Test
    void missingThingsAreResults() throws IOException {
        client.format(1, 0);
        assertEquals(Result.NO_VDI, assertThrows(SheepResultException.class, () -> client.lookupVdi("none")).result());
        assertEquals(Result.NO_OBJ, assertThrows(SheepResultException.class,
                () -> client.readObject(ObjectId.data(0x123, 0), 0, 512)).result());
        client.createVdi(NewVdi.of("x", OBJ));
        assertEquals(Result.VDI_EXIST, assertThrows(SheepResultException.class,
                () -> client.createVdi(NewVdi.of("x", OBJ))).result());
    }

    @Test
    void failsOverFromADeadGatewayToTheServer() throws IOException {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
        try (SheepClient c = new SheepClient(new ClientConfig(List.of(dead, sheep.address()), 2,
                Duration.ofSeconds(2), Duration.ofSeconds(10)))) {
            c.format(1, 0);
            assertEquals(1, c.nodes().size());
            assertEquals(sheep.address(), c.gateway());
        }
    }

    @Test
    void manyVdisAreListedInVidOrder() throws IOException {
        client.format(1, 0);
        for (int i = 0; i < 50; i++) {
            client.createVdi(NewVdi.of("v" + i, (i + 1L) * OBJ));
        }
        List<VdiSummary> list = client.listVdis();
        assertEquals(50, list.size());
        for (int i = 1; i < list.size(); i++) {
            assertTrue(list.get(i - 1).header().vdiId() < list.get(i).header().vdiId());
        }
        assertEquals(50, client.listInodeHeaders().size());
    }
}
