package io.sheepfs.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sheepfs.protocol.cluster.ClusterInfo;
import io.sheepfs.protocol.cluster.EpochLog;
import io.sheepfs.protocol.cluster.MdInfo;
import io.sheepfs.protocol.cluster.RecoveryState;
import io.sheepfs.protocol.cluster.RecoveryThrottling;
import io.sheepfs.protocol.cluster.SdNode;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.vdi.BTree;
import io.sheepfs.protocol.vdi.Inode;
import io.sheepfs.protocol.vdi.VdiAttribute;
import io.sheepfs.protocol.vdi.VdiBitmap;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Jazzer fuzz target over every decoder of this module. The first input byte selects the
 * decoder, the rest is its input. A decoder may reject input only with ProtocolException; any
 * other exception (index out of bounds, NPE, OutOfMemoryError from a trusted length field, ...)
 * is a finding. Where decoding succeeds, re-encoding must round-trip.
 *
 * <p>In a normal {@code mvn test} this only replays the seeds in
 * {@code src/test/resources/io/sheepfs/protocol/DecoderFuzzTestInputs/decoders/} (small messages
 * cut from the recorded corpus, the selector byte prepended) — fast, no fuzzing.
 *
 * <p>To fuzz for real use {@code bash java/protocol/fuzz.sh} ({@code FUZZ_SECONDS}, default 60),
 * or by hand:
 * <pre>
 *   JAZZER_FUZZ=1 mvn -B -o -pl java/protocol test -Dtest=DecoderFuzzTest \
 *       -Djazzer.internal.basedir=$PWD/java/protocol/target \
 *       -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time=3600
 * </pre>
 * Without the last two properties it runs for {@code maxDuration} (60 s); libFuzzer arguments
 * given as {@code jazzer.internal.arg.N} (N = 0 is a placeholder for argv[0]) come after, and
 * so override, that limit. The basedir keeps the generated corpus ({@code .cifuzz-corpus}) and
 * crash files under target/. A finding prints its input; add it as a seed file above.
 */
class DecoderFuzzTest {
    /** Decoders, indexed by the selector byte (modulo their count). */
    static final int DECODERS = 13;

    @FuzzTest(maxDuration = "60s")
    void decoders(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] data = Arrays.copyOfRange(input, 1, input.length);
        try {
            decode(Math.floorMod(input[0], DECODERS), data);
        } catch (ProtocolException expected) {
            // malformed input, rejected the documented way
        }
    }

    static void decode(int selector, byte[] data) {
        switch (selector) {
            case 0 -> {
                RequestHeader h = RequestHeader.decode(Arrays.copyOf(data, Math.min(data.length, 48)));
                assertArrayEquals(Arrays.copyOf(data, 48), h.encode());
                h.body();
                h.toString();
            }
            case 1 -> {
                ResponseHeader h = ResponseHeader.decode(Arrays.copyOf(data, Math.min(data.length, 48)));
                assertArrayEquals(Arrays.copyOf(data, 48), h.encode());
                h.body();
                h.toString();
            }
            case 2 -> {
                Inode inode = Inode.decode(data);
                inode.header().encode();
                int n = Math.min(inode.indexEntriesAvailable(), 64);
                BTreeNodeSourceOnInput nodes = new BTreeNodeSourceOnInput(data);
                if (inode.header().isHyper()) {
                    inode.btreeRoot();
                    inode.lookup(n, nodes);
                    inode.usage(nodes);
                } else {
                    for (int i = 0; i < n; i++) {
                        inode.lookup(i);
                    }
                }
            }
            case 3 -> {
                ByteBuffer root = ByteBuffer.wrap(data);
                long idx = data.length >= 4 ? Le.u32(data, 0) : 0;
                BTree.lookup(root, idx, new BTreeNodeSourceOnInput(data));
                BTree.Header h = BTree.header(root);
                byte[] again = h.depth() == 1 ? BTree.encodeLeaf(BTree.leafEntries(root))
                    : BTree.encodeIndirect(BTree.indirectEntries(root));
                assertEquals(h, BTree.header(ByteBuffer.wrap(again)));
            }
            case 4 -> {
                List<SdNode> nodes = SdNode.decodeNodeList(data);
                assertEquals(nodes, SdNode.decodeNodeList(SdNode.encodeList(nodes)));
                nodes.forEach(SdNode::toString);
            }
            case 5 -> {
                ClusterInfo ci = ClusterInfo.decode(data);
                assertEquals(ci, ClusterInfo.decode(ci.encode()));
            }
            case 6 -> {
                int nodesNr = data.length > 0 ? data[0] & 0x0f : 0;
                byte[] p = Arrays.copyOfRange(data, Math.min(1, data.length), data.length);
                List<EpochLog> logs = EpochLog.decodeAll(p, nodesNr);
                assertEquals(logs, EpochLog.decodeAll(EpochLog.encodeAll(logs, nodesNr), nodesNr));
            }
            case 7 -> {
                List<VdiState> states = VdiState.decodeAll(data);
                assertEquals(states, VdiState.decodeAll(VdiState.encodeAll(states)));
            }
            case 8 -> {
                VdiAttribute a = VdiAttribute.decode(data);
                assertEquals(a, VdiAttribute.decode(a.encode()));
            }
            case 9 -> {
                assertEquals(OidList.decode(Arrays.copyOf(data, data.length & ~7)),
                    OidList.decode(OidList.decode(Arrays.copyOf(data, data.length & ~7)).encode()));
                RecoveryState.decode(data);
                RecoveryThrottling.decode(data);
                VdiBitmap.decode(data);
            }
            case 10 -> {
                MdInfo md = MdInfo.decode(data);
                md.encode();
            }
            case 11 -> {
                if (data.length >= 16) {
                    NodeAddress a = NodeAddress.read(data, 0);
                    DogFormat.address(a, data[0] & 0xff).length();
                }
                if (data.length >= 8) {
                    DogFormat.size(Le.u64(data, 0));
                    DogFormat.printfFixed(Double.longBitsToDouble(Le.u64(data, 0)) % 1e12, 1);
                }
                FixedString.read(data, 0, data.length);
                DogFormat.rawEscape(new String(data, java.nio.charset.StandardCharsets.UTF_8));
            }
            case 12 -> {
                // a whole message: request header + payload, through the corpus payload dispatcher
                RequestHeader h = RequestHeader.decode(Arrays.copyOf(data, Math.min(data.length, 48)));
                byte[] payload = Arrays.copyOfRange(data, 48, data.length);
                CorpusDecoding.requestPayload(h, payload);
                ResponseHeader r = ResponseHeader.of(h.opcode(), 0, h.id(), 0, payload.length,
                    io.sheepfs.protocol.header.PlainResponse.INSTANCE);
                CorpusDecoding.responsePayload(h, r, payload);
            }
            default -> throw new AssertionError(selector);
        }
    }

    /** Node source for depth-2 lookups: every node oid reads the fuzz input itself. */
    private record BTreeNodeSourceOnInput(byte[] data) implements io.sheepfs.protocol.vdi.BTreeNodeSource {
        @Override
        public ByteBuffer read(long oid) {
            return ByteBuffer.wrap(data);
        }
    }
}
