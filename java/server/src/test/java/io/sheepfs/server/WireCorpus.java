package io.sheepfs.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheepfs.protocol.Le;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the recorded traffic in ../shared/wire (system property sheepfs.wire.dir).
 * TODO(protocol): switch to the corpus reader of the sheepfs-protocol test-jar once it is published.
 */
final class WireCorpus {
    record Exchange(byte[] request, byte[] requestPayload, byte[] response, byte[] responsePayload) {
    }

    record Scenario(String name, String command, String cluster, String stdout, List<List<Exchange>> connections) {
    }

    private WireCorpus() {
    }

    static Path dir() {
        String p = System.getProperty("sheepfs.wire.dir");
        Path d = p != null ? Path.of(p) : Path.of("../../../shared/wire");
        if (!Files.isDirectory(d)) {
            d = Path.of("../../shared/wire");
        }
        return d.toAbsolutePath().normalize();
    }

    static Scenario load(String name) throws IOException {
        Path d = dir();
        JsonNode root = new ObjectMapper().readTree(d.resolve(name + ".json").toFile());
        List<List<Exchange>> conns = new ArrayList<>();
        for (JsonNode c : root.get("connections")) {
            List<Exchange> ex = new ArrayList<>();
            for (JsonNode x : c) {
                JsonNode rsp = x.get("response");
                ex.add(new Exchange(Le.unhex(x.get("request").get("header").asText()),
                        payload(d, x.get("request").get("payload")),
                        rsp == null || rsp.isNull() ? null : Le.unhex(rsp.get("header").asText()),
                        rsp == null || rsp.isNull() ? null : payload(d, rsp.get("payload"))));
            }
            conns.add(ex);
        }
        JsonNode out = root.get("stdout");
        return new Scenario(root.get("scenario").asText(), root.get("command").asText(), root.get("cluster").asText(),
                out == null || out.isNull() ? null : out.asText(), conns);
    }

    private static byte[] payload(Path d, JsonNode p) throws IOException {
        if (p == null || p.isNull()) {
            return new byte[0];
        }
        if (p.has("hex")) {
            return Le.unhex(p.get("hex").asText());
        }
        if (p.has("blob")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(d.resolve(p.get("blob").asText())))) {
                return in.readAllBytes();
            }
        }
        return new byte[0];
    }
}
