package io.sheepfs.protocol.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheepfs.protocol.Le;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the recorded Sheepdog traffic in {@code shared/wire} (see its README): one JSON
 * file per scenario, each a list of TCP connections, each a list of request/response exchanges
 * with 48-byte hex headers and payloads either inline (hex) or in gzip blobs.
 *
 * <p>Shared with the server, client and sheepfs tests through this module's test-jar. The
 * corpus is read where it lies, never copied: the directory comes from the system property
 * {@code sheepfs.wire.dir} (set by surefire in the parent pom), else {@code ../shared/wire}
 * relative to the repository root found by walking up from the working directory.
 *
 * <p>Typical use:
 * <pre>{@code
 * for (WireCorpus.Scenario s : WireCorpus.scenarios()) {
 *     for (WireCorpus.Exchange e : s.exchanges()) {
 *         RequestHeader h = RequestHeader.decode(e.request().header());
 *         byte[] data = e.request().payload().bytes();   // inline or unzipped blob, checked
 *     }
 * }
 * }</pre>
 */
public final class WireCorpus {
    public static final String DIR_PROPERTY = "sheepfs.wire.dir";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Scenario> CACHE = new ConcurrentHashMap<>();
    private static volatile List<String> names;

    private WireCorpus() {
    }

    /** The corpus directory; fails with a clear message if it cannot be found. */
    public static Path dir() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            Path d = Paths.get(p).toAbsolutePath().normalize();
            if (Files.isDirectory(d)) {
                return d;
            }
            throw new IllegalStateException(DIR_PROPERTY + "=" + p + " is not a directory");
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("java"))) {
                Path w = d.resolveSibling("shared").resolve("wire");
                if (Files.isDirectory(w)) {
                    return w;
                }
            }
        }
        throw new IllegalStateException("wire corpus not found: set -D" + DIR_PROPERTY + "=/path/to/shared/wire");
    }

    /** Scenario names (file names without .json), sorted. */
    public static List<String> names() {
        List<String> n = names;
        if (n == null) {
            try (Stream<Path> files = Files.list(dir())) {
                n = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".json"))
                    .map(f -> f.substring(0, f.length() - 5)).sorted().collect(Collectors.toUnmodifiableList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            names = n;
        }
        return n;
    }

    /** Every scenario, in name order (parsed once, cached). */
    public static List<Scenario> scenarios() {
        return names().stream().map(WireCorpus::scenario).collect(Collectors.toUnmodifiableList());
    }

    /** One scenario by name, e.g. "vdi_create". */
    public static Scenario scenario(String name) {
        return CACHE.computeIfAbsent(name, WireCorpus::parse);
    }

    /** Every exchange of every scenario. */
    public static Stream<Exchange> allExchanges() {
        return scenarios().stream().flatMap(s -> s.exchanges().stream());
    }

    private static Scenario parse(String name) {
        Path file = dir().resolve(name + ".json");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
        List<Connection> conns = new ArrayList<>();
        JsonNode cs = root.path("connections");
        for (int c = 0; c < cs.size(); c++) {
            List<Exchange> ex = new ArrayList<>();
            JsonNode list = cs.get(c);
            for (int i = 0; i < list.size(); i++) {
                JsonNode e = list.get(i);
                Message req = message(e.get("request"));
                Message rsp = e.hasNonNull("response") ? message(e.get("response")) : null;
                ex.add(new Exchange(name, c, i, req, Optional.ofNullable(rsp)));
            }
            conns.add(new Connection(c, List.copyOf(ex)));
        }
        return new Scenario(name, root.path("command").asText(), root.path("cluster").asText(),
            Optional.ofNullable(root.hasNonNull("stdout") ? root.get("stdout").asText() : null), List.copyOf(conns));
    }

    private static Message message(JsonNode m) {
        byte[] header = Le.unhex(m.get("header").asText());
        JsonNode p = m.get("payload");
        Payload payload;
        if (p == null || p.isNull()) {
            payload = new Payload(0, null, "", null);
        } else if (p.has("blob")) {
            payload = new Payload(p.get("len").asInt(), p.get("sha256").asText(), null, p.get("blob").asText());
        } else {
            payload = new Payload(p.get("len").asInt(), null, p.path("hex").asText(""), null);
        }
        return new Message(header, payload);
    }

    /** A recorded scenario: the command that produced it and its connections in order. */
    public record Scenario(String name, String command, String cluster, Optional<String> stdout,
                           List<Connection> connections) {
        /** All exchanges, connection by connection, in recorded order. */
        public List<Exchange> exchanges() {
            return connections.stream().flatMap(c -> c.exchanges().stream()).collect(Collectors.toUnmodifiableList());
        }

        /** dog's output without the recorder's trailing "rc=N" line (empty if none was recorded). */
        public String output() {
            String s = stdout.orElse("");
            int i = s.lastIndexOf("rc=");
            return i >= 0 && s.substring(i).matches("rc=-?\\d+\\n?") ? s.substring(0, i) : s;
        }

        /** The exit code from the recorder's "rc=N" line, if any. */
        public Optional<Integer> exitCode() {
            String s = stdout.orElse("");
            int i = s.lastIndexOf("rc=");
            if (i < 0 || !s.substring(i).matches("rc=-?\\d+\\n?")) {
                return Optional.empty();
            }
            return Optional.of(Integer.parseInt(s.substring(i + 3).trim()));
        }

        /** True for scenarios recorded on the single-node cluster (7010). */
        public boolean singleNode() {
            return cluster.startsWith("1 node");
        }
    }

    /** One TCP connection (index within its scenario) and its exchanges. */
    public record Connection(int index, List<Exchange> exchanges) {
    }

    /**
     * One request and the response paired with it in wire order ({@code response} is empty when
     * none came, e.g. raw_oversized). For pipelined traffic match by header id instead.
     */
    public record Exchange(String scenario, int connection, int index, Message request, Optional<Message> response) {
        @Override
        public String toString() {
            return scenario + "#" + connection + "." + index;
        }
    }

    /** A 48-byte header and its payload. */
    public record Message(byte[] header, Payload payload) {
        public Message {
            if (header.length != 48) {
                throw new IllegalArgumentException("header of " + header.length + " bytes");
            }
            header = header.clone();
        }

        @Override
        public byte[] header() {
            return header.clone();
        }
    }

    /**
     * A payload: {@code length} bytes, either inline ({@code hex}) or in {@code blob} (path
     * relative to the corpus directory, gzip, checked against {@code sha256}).
     */
    public record Payload(int length, String sha256, String hex, String blob) {
        public boolean isEmpty() {
            return length == 0;
        }

        /** The bytes, unzipped and verified (length, and sha256 for blobs). */
        public byte[] bytes() {
            byte[] b;
            if (blob == null) {
                b = Le.unhex(hex);
            } else {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(dir().resolve(blob)), 1 << 16)) {
                    b = in.readNBytes(length + 1);
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + blob, e);
                }
                if (!sha256Hex(b).equals(sha256)) {
                    throw new IllegalStateException(blob + ": sha256 mismatch");
                }
            }
            if (b.length != length) {
                throw new IllegalStateException("payload has " + b.length + " bytes, expected " + length);
            }
            return b;
        }
    }

    static String sha256Hex(byte[] b) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b);
            return Le.hex(d, 0, d.length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
