package io.sheepfs.protocol;

import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every request and response of every recorded scenario decodes, payloads included. */
class CorpusDecodeTest {
    @Test
    void everyMessageOfEveryScenarioDecodes() {
        int requests = 0;
        int responses = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        for (WireCorpus.Scenario s : WireCorpus.scenarios()) {
            for (WireCorpus.Exchange e : s.exchanges()) {
                RequestHeader rq = RequestHeader.decode(e.request().header());
                assertTrue(rq.toString().contains(Opcode.name(rq.opcode())));
                byte[] rqPayload = e.request().payload().bytes();
                if (rq.hasPayload() && !s.name().equals("raw_oversized")) {
                    assertEquals(rq.dataLength(), rqPayload.length, e + " request payload length");
                } else if (!rq.hasPayload()) {
                    assertEquals(0, rqPayload.length, e + " payload without WRITE flag");
                }
                kinds.merge("request " + CorpusDecoding.requestPayload(rq, rqPayload), 1, Integer::sum);
                requests++;
                if (e.response().isEmpty()) {
                    continue;
                }
                ResponseHeader rs = ResponseHeader.decode(e.response().get().header());
                byte[] rsPayload = e.response().get().payload().bytes();
                assertEquals(rs.dataLength(), rsPayload.length, e + " response data_length");
                assertEquals(0, rs.protoVersion(), e + " response proto_ver");
                assertEquals(0, rs.flags(), e + " response flags");
                if (!s.name().equals("raw_pipelined")) {
                    assertEquals(rq.opcode(), rs.opcode(), e + " opcode echo");
                    assertEquals(rq.id(), rs.id(), e + " id echo");
                }
                assertTrue(Result.isKnown(rs.result()), e + " result " + rs.result());
                rs.body();
                kinds.merge("response " + CorpusDecoding.responsePayload(rq, rs, rsPayload), 1, Integer::sum);
                responses++;
            }
        }
        System.out.printf("corpus: %d scenarios, %d requests and %d responses decoded%n",
            WireCorpus.names().size(), requests, responses);
        kinds.forEach((k, v) -> System.out.printf("  %-26s %d%n", k, v));
        assertTrue(WireCorpus.names().size() >= 50, "scenario count " + WireCorpus.names().size());
        assertTrue(requests >= 300, "requests " + requests);
        for (String k : new String[] {"response inode-full", "response inode-header", "response inode-index",
            "response node-list", "response cluster-info", "response epoch-logs", "response vdi-states",
            "response bitmap", "response attribute", "request attribute", "request vdi-name"}) {
            assertTrue(kinds.getOrDefault(k, 0) > 0, "no " + k + " in the corpus");
        }
    }
}
