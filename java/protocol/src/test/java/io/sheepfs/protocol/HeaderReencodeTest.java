package io.sheepfs.protocol;

import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.ResponseHeader;
import io.sheepfs.protocol.header.ResponseUnion;
import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every recorded header re-encodes byte for byte, both from the decoded record (raw union kept)
 * and from the typed union variant alone (proving each variant models every non-zero byte).
 */
class HeaderReencodeTest {
    @Test
    void everyRecordedRequestHeaderReencodesByteForByte() {
        int total = 0;
        int raw = 0;
        int typed = 0;
        List<String> typedDiffs = new ArrayList<>();
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            byte[] wire = e.request().header();
            RequestHeader h = RequestHeader.decode(wire);
            total++;
            assertArrayEquals(wire, h.encode(), e + " raw re-encoding");
            raw++;
            RequestHeader rebuilt = RequestHeader.of(h.protoVersion(), h.opcode(), h.flags(), h.epoch(), h.id(),
                h.dataLength(), h.body());
            if (java.util.Arrays.equals(wire, rebuilt.encode())) {
                typed++;
            } else {
                typedDiffs.add(e + " " + h);
            }
            assertEquals(h, RequestHeader.decode(h.encode()));
        }
        System.out.printf("request headers: %d recorded, %d re-encoded identical from the record, "
            + "%d identical from the typed variant%n", total, raw, typed);
        typedDiffs.forEach(d -> System.out.println("  typed differs: " + d));
        assertEquals(total, raw);
        assertEquals(total, typed, "typed re-encoding differs: " + typedDiffs);
        assertTrue(total >= 300);
    }

    /**
     * The factory a client uses, {@code RequestHeader.of(opcode, flags, dataLength, body)} (proto_ver
     * chosen from the opcode), rebuilds every request that dog sent, given its epoch and id.
     */
    @Test
    void clientFactoryRebuildsDogsRequests() {
        int dog = 0;
        int other = 0;
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            byte[] wire = e.request().header();
            RequestHeader h = RequestHeader.decode(wire);
            if (h.protoVersion() != Opcode.protoVersion(h.opcode())) {
                other++; // sheepfs 1.0 (proto 0) and the bad-proto probe
                continue;
            }
            byte[] ours = RequestHeader.of(h.opcode(), h.flags(), h.dataLength(), h.body()).withEpoch(h.epoch())
                .withId(h.id()).encode();
            assertArrayEquals(wire, ours, e.toString());
            dog++;
        }
        System.out.printf("client factory: %d requests rebuilt identical, %d sent with another proto_ver%n", dog,
            other);
        assertTrue(dog >= 250);
    }

    @Test
    void everyRecordedResponseHeaderReencodesByteForByte() {
        int total = 0;
        int typed = 0;
        List<String> typedDiffs = new ArrayList<>();
        for (WireCorpus.Exchange e : WireCorpus.allExchanges().toList()) {
            if (e.response().isEmpty()) {
                continue;
            }
            byte[] wire = e.response().get().header();
            ResponseHeader h = ResponseHeader.decode(wire);
            total++;
            assertArrayEquals(wire, h.encode(), e + " raw re-encoding");
            ResponseUnion body = h.body();
            ResponseHeader rebuilt = new ResponseHeader(h.protoVersion(), h.opcode(), h.flags(), h.epoch(), h.id(),
                h.dataLength(), h.result(), body.toUnionBytes());
            if (java.util.Arrays.equals(wire, rebuilt.encode())) {
                typed++;
            } else {
                typedDiffs.add(e + " " + h + " rest=" + h.rest());
            }
        }
        System.out.printf("response headers: %d recorded, %d re-encoded identical, %d identical from the typed "
            + "variant%n", total, total, typed);
        typedDiffs.forEach(d -> System.out.println("  typed differs: " + d));
        assertTrue(total >= 300);
        assertEquals(total, typed, "typed re-encoding differs: " + typedDiffs);
    }
}
