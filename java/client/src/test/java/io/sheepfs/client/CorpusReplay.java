package io.sheepfs.client;

import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.wire.WireCorpus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ScriptedPeer.Handler} that answers each request with what real sheep answered to the
 * byte-identical request (id aside) in a recorded scenario. A request dog never sent in that
 * scenario is recorded in {@link #unmatched()} and answered by closing the connection, so a
 * client that sends anything other than what dog sent fails loudly.
 */
public final class CorpusReplay implements ScriptedPeer.Handler {
    private final Map<String, Deque<byte[]>> answers = new HashMap<>();
    private final List<String> unmatched = Collections.synchronizedList(new ArrayList<>());

    public CorpusReplay(String... scenarios) {
        for (String name : scenarios) {
            for (WireCorpus.Connection c : WireCorpus.scenario(name).connections()) {
                add(c);
            }
        }
    }

    /**
     * Pairs each request of a connection with the response carrying its id (the recording pairs
     * them in wire order, which differs from id order for pipelined traffic).
     */
    private void add(WireCorpus.Connection c) {
        List<WireCorpus.Message> responses = new ArrayList<>();
        for (WireCorpus.Exchange e : c.exchanges()) {
            e.response().ifPresent(responses::add);
        }
        for (WireCorpus.Exchange e : c.exchanges()) {
            byte[] rq = e.request().header();
            int id = Le.i32(rq, 8);
            WireCorpus.Message rsp = null;
            for (WireCorpus.Message m : responses) {
                if (Le.i32(m.header(), 8) == id) {
                    rsp = m;
                    break;
                }
            }
            if (rsp == null) {
                continue;
            }
            responses.remove(rsp);
            byte[] rh = rsp.header();
            byte[] rp = rsp.payload().bytes();
            byte[] answer = new byte[rh.length + rp.length];
            System.arraycopy(rh, 0, answer, 0, rh.length);
            System.arraycopy(rp, 0, answer, rh.length, rp.length);
            answers.computeIfAbsent(key(rq, e.request().payload().bytes()), k -> new ArrayDeque<>()).add(answer);
        }
    }

    /** Requests that matched nothing recorded (header hex with id zeroed). */
    public List<String> unmatched() {
        return List.copyOf(unmatched);
    }

    @Override
    public synchronized byte[] answer(RequestHeader request, byte[] payload) {
        byte[] h = request.withId(0).encode();
        Deque<byte[]> q = answers.get(key(h, payload));
        if (q == null) {
            unmatched.add(request.toString() + " " + Le.hex(h, 0, h.length));
            return null;
        }
        // the last recorded answer stays available, so a resent request is answered again
        byte[] a = (q.size() > 1 ? q.poll() : q.peek()).clone();
        Le.put32(a, 8, request.id());
        return a;
    }

    private static String key(byte[] header, byte[] payload) {
        byte[] h = header.clone();
        Le.put32(h, 8, 0);
        return Le.hex(h, 0, h.length) + "/" + Le.hex(payload, 0, payload.length);
    }
}
