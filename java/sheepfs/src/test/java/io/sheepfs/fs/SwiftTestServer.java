package io.sheepfs.fs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on loopback serving Swift-style URLs (/v1/ACCOUNT/CONTAINER/OBJECT, names
 * percent-decoded) with HEAD and ranged GET: "Range: bytes=S-E" is honoured exactly (206 with
 * Content-Range, 416 past the end). Special behaviours per object name, for error tests:
 * registered via {@link #status}, {@link #overlong} and {@link #stall}.
 */
final class SwiftTestServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=([0-9]+)-([0-9]+)");

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    private final Map<String, Boolean> overlong = new ConcurrentHashMap<>();
    private final Map<String, Boolean> stalls = new ConcurrentHashMap<>();
    private final CountDownLatch unstall = new CountDownLatch(1);
    final AtomicInteger heads = new AtomicInteger();
    final AtomicInteger gets = new AtomicInteger();
    /** Largest range one GET asked for. */
    final AtomicLong largestRange = new AtomicLong();

    SwiftTestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code bytes} at /v1/PATH where path is "a/c/o" (decoded form). */
    void put(String path, byte[] bytes) {
        objects.put(path, bytes);
    }

    /** Answers every request for PATH with STATUS and no body. */
    void status(String path, int status) {
        statuses.put(path, status);
    }

    /** GETs of PATH answer 206 with the right Content-Range but twice the bytes asked for. */
    void overlong(String path) {
        overlong.put(path, true);
    }

    /** GETs of PATH never answer (until close). */
    void stall(String path) {
        stalls.put(path, true);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String uriPath = ex.getRequestURI().getPath(); // decoded
            if (!uriPath.startsWith("/v1/")) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            String path = uriPath.substring(4);
            Integer forced = statuses.get(path);
            if (forced != null) {
                ex.sendResponseHeaders(forced, -1);
                return;
            }
            byte[] body = objects.get(path);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            switch (ex.getRequestMethod()) {
                case "HEAD" -> {
                    heads.incrementAndGet();
                    ex.getResponseHeaders().set("Content-Length", Long.toString(body.length));
                    ex.sendResponseHeaders(200, -1);
                }
                case "GET" -> get(ex, path, body);
                default -> ex.sendResponseHeaders(405, -1);
            }
        }
    }

    private void get(HttpExchange ex, String path, byte[] body) throws IOException {
        gets.incrementAndGet();
        if (stalls.containsKey(path)) {
            try {
                unstall.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m == null || !m.matches()) {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        if (start > end || start >= body.length) {
            ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
            ex.sendResponseHeaders(416, -1);
            return;
        }
        largestRange.accumulateAndGet(end - start + 1, Math::max);
        end = Math.min(end, body.length - 1L);
        int len = (int) (end - start + 1);
        int send = overlong.containsKey(path) ? Math.min(2 * len, body.length - (int) start) : len;
        ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + body.length);
        ex.sendResponseHeaders(206, send);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, (int) start, send);
        }
    }

    @Override
    public void close() {
        unstall.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
