package io.sheepfs.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.wire.WireCorpus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client against a peer that answers only the byte-identical requests dog sent in a
 * recorded scenario (answering batches in reverse order): the client must send what dog sent
 * and decode what sheep answered.
 */
class ClientCorpusTest {
    private static final long MB = 1 << 20;

    /** Runs {@code body} against a replay of {@code scenarios}; asserts nothing unrecorded was sent. */
    private static <T> T replay(Body<T> body, String... scenarios) throws IOException {
        CorpusReplay replay = new CorpusReplay(scenarios);
        try (ScriptedPeer peer = new ScriptedPeer(replay, true);
             SheepClient client = SheepClient.connect(peer.address())) {
            T out = body.run(client, peer);
            assertEquals(List.of(), replay.unmatched(), "requests dog never sent");
            return out;
        }
    }

    interface Body<T> {
        T run(SheepClient client, ScriptedPeer peer) throws IOException;
    }

    @Test
    void listVdisSendsDogsReadsAllAtOnce() throws IOException {
        replay((client, peer) -> {
            List<VdiSummary> vdis = client.listVdis();
            List<String> rows = new ArrayList<>();
            for (VdiSummary v : vdis) {
                rows.add(v.header().name() + " " + Integer.toHexString(v.header().vdiId()) + " "
                        + v.usedBytes() / MB + " " + v.sharedBytes() / MB + " " + v.header().isSnapshot());
            }
            assertEquals(List.of("rec1clone 23c745 0 12 false", "t2 6a5c63 256 0 false", "test 7c2b25 256 0 false",
                    "rec1 e2d588 12 0 true", "rec1 e2d589 8 4 false", "rec2 e2daa1 16 0 false"), rows);
            // all six header reads were on the wire before the first answer
            assertTrue(peer.maxBatch() >= 6, "largest batch " + peer.maxBatch());
            return null;
        }, "vdi_list_after");
    }

    @Test
    void listVdisCountsHyperVolumeBTreeEntries() throws IOException {
        replay((client, peer) -> {
            List<VdiSummary> vdis = client.listVdis();
            assertEquals(3, vdis.size());
            VdiSummary big = vdis.get(1);
            assertEquals("big", big.header().name());
            assertTrue(big.header().isHyper());
            assertEquals(8 * MB, big.usedBytes());
            assertEquals(4 * MB, vdis.get(2).usedBytes());
            assertEquals(20, vdis.get(2).header().blockSizeShift());
            return null;
        }, "fresh_vdi_list2");
    }

    @Test
    void clusterStatusReadsTheEpochLogs() throws IOException {
        replay((client, peer) -> {
            ClusterStatus s = client.clusterStatus();
            assertEquals(Result.SUCCESS, s.result());
            assertEquals(1, s.logs().size());
            assertEquals(1, s.logs().get(0).epoch());
            assertEquals(3, s.logs().get(0).nodes().size());
            assertEquals(7002, s.logs().get(0).nodes().get(2).nid().port());
            return null;
        }, "cluster_info");
    }

    @Test
    void clusterStatusOfAnUnformattedNode() throws IOException {
        replay((client, peer) -> {
            ClusterStatus s = client.clusterStatus();
            assertEquals(Result.WAIT_FOR_FORMAT, s.result());
            assertEquals(List.of(), s.logs());
            return null;
        }, "fresh_cluster_info_unformatted");
    }

    @Test
    void nodeList() throws IOException {
        replay((client, peer) -> {
            List<SdNode> nodes = client.nodes();
            assertEquals(3, nodes.size());
            assertEquals("127.0.0.1:7001", nodes.get(1).nid().addr() + ":" + nodes.get(1).nid().port());
            assertEquals(128, nodes.get(1).nrVnodes());
            return null;
        }, "node_list");
    }

    @Test
    void lookupsByNameTagAndSnapshotId() throws IOException {
        replay((client, peer) -> {
            assertEquals(0x1af0fe, client.lookupVdi("snaptest").vid());
            assertEquals(0x1af0fd, client.lookup("snaptest", "before", 0).vid());
            assertEquals(0x1af0fd, client.lookup("snaptest", "", 1).vid());
            SheepResultException noTag = assertThrows(SheepResultException.class,
                    () -> client.lookup("snaptest", "nosuchtag", 0));
            assertEquals(Result.NO_TAG, noTag.result());
            SheepResultException noVdi = assertThrows(SheepResultException.class, () -> client.lookupVdi("nosuchvdi"));
            assertEquals(Result.NO_VDI, noVdi.result());
            return null;
        }, "raw_vdi_info_variants");
    }

    @Test
    void createThenDuplicateCreate() throws IOException {
        replay((client, peer) -> {
            assertEquals(0x346d26, client.createVdi(NewVdi.of("dup", 1L << 30)).vid());
            SheepResultException dup = assertThrows(SheepResultException.class,
                    () -> client.createVdi(NewVdi.of("dup", 1L << 30)));
            assertEquals(Result.VDI_EXIST, dup.result());
            return null;
        }, "fresh_vdi_create_dup1", "fresh_vdi_create_dup2");
    }

    @Test
    void snapshotSendsDogsSequence() throws IOException {
        replay((client, peer) -> {
            VdiRef working = client.snapshot("rec1", "snap1");
            assertEquals(0xe2d589, working.vid());
            assertEquals(2, working.copies());
            return null;
        }, "vdi_snapshot");
    }

    @Test
    void pipelinedObjectReadsMatchTheirAnswersById() throws IOException {
        WireCorpus.Scenario s = WireCorpus.scenario("raw_pipelined");
        replay((client, peer) -> {
            List<Request> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(Request.read(Opcode.READ_OBJ, 0, 65536, ObjRequest.of(ObjectId.data(0x7c2b25, i), 0)));
            }
            List<Response> answers = client.transport().callAll(reads);
            for (WireCorpus.Exchange e : s.exchanges()) {
                RequestHeader rq = RequestHeader.decode(e.request().header());
                if (rq.opcode() != Opcode.READ_OBJ) {
                    continue;
                }
                int idx = (int) ObjectId.index(rq.obj().oid());
                // the recorded answer with this request's id
                byte[] expected = s.exchanges().stream().map(x -> x.response().orElseThrow())
                        .filter(m -> Le.i32(m.header(), 8) == rq.id()).findFirst().orElseThrow().payload().bytes();
                assertArrayEquals(expected, answers.get(idx).data(), "object " + idx);
            }
            return null;
        }, "raw_pipelined");
    }
}
