package io.sheepfs.fs;

import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HEAD and ranged GET of Swift-style objects ({@code http://ADDRESS/v1/A/C/O}) with the JDK
 * client. Every request has a deadline covering headers and body; a body is never kept beyond
 * the bytes asked for. Failures become errnos: 404 ENOENT, no service (refused, unreachable,
 * connect timeout) ENXIO, anything else EIO.
 */
final class HttpObjectService {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client;
    private final Duration requestTimeout;

    HttpObjectService(Duration connectTimeout, Duration requestTimeout) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.requestTimeout = requestTimeout;
    }

    HttpObjectService() {
        this(CONNECT_TIMEOUT, REQUEST_TIMEOUT);
    }

    /**
     * The object's URL for the text of http/address ("host:port", one trailing newline allowed).
     * No usable address means no service: ENXIO.
     */
    static URI uri(byte[] address, SwiftPath path) throws FsException {
        int len = address.length > 0 && address[address.length - 1] == '\n' ? address.length - 1 : address.length;
        if (len == 0) {
            throw new FsException(Errno.ENXIO, "the cluster has no HTTP service configured"
                    + " (write its address to http/address)");
        }
        String text = new String(Arrays.copyOf(address, len), StandardCharsets.UTF_8).strip();
        InetSocketAddress target;
        try {
            target = ConfigControls.parseAddress(text);
        } catch (FsException e) {
            throw new FsException(Errno.ENXIO, "no HTTP service at " + CommandText.printable(text) + ": "
                    + e.getMessage());
        }
        String host = target.getAddress() instanceof Inet6Address
                ? "[" + target.getAddress().getHostAddress() + "]"
                : target.getAddress().getHostAddress();
        return URI.create("http://" + host + ":" + target.getPort() + path.urlPath());
    }

    /** Content-Length of the object (HEAD must answer 2xx with one). */
    long head(URI uri) throws FsException {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<byte[]> r = send(req, "HEAD", uri, info -> HttpResponse.BodySubscribers.replacing(new byte[0]));
        int status = r.statusCode();
        if (status == 404) {
            throw new FsException(Errno.ENOENT, "HEAD " + uri + ": 404 no such object");
        }
        if (status / 100 != 2) {
            throw new FsException(Errno.EIO, "HEAD " + uri + ": HTTP status " + status);
        }
        OptionalLong length = contentLength(r.headers());
        if (length.isEmpty()) {
            throw new FsException(Errno.EIO, "HEAD " + uri + ": no valid Content-Length");
        }
        return length.getAsLong();
    }

    /**
     * Up to {@code len} bytes from {@code start} ({@code Range: bytes=start-(start+len-1)}).
     * Fewer bytes only where the object ends; a 416 (start at or past the end: the object
     * shrank since its HEAD) is EIO, never an empty read that looks like the end of the file.
     */
    byte[] get(URI uri, long start, int len) throws FsException {
        if (len <= 0) {
            return new byte[0];
        }
        long end = start + len - 1;
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("Range", "bytes=" + start + "-" + end).GET().build();
        String what = "GET " + uri + " bytes " + start + "-" + end;
        HttpResponse<byte[]> r = send(req, what, uri, info -> {
            int s = info.statusCode();
            if (s == 206 && rangeStartsAt(info.headers(), start)) {
                return new Bounded(len, false);
            }
            // a server that ignores Range sends the whole object: its first bytes are still right
            return s == 200 && start == 0 ? new Bounded(len, true) : HttpResponse.BodySubscribers.replacing(null);
        });
        int status = r.statusCode();
        if (status == 416) {
            // reads stop at the size HEAD gave: the object got shorter since it was attached
            throw new FsException(Errno.EIO, what + ": 416 the object is shorter than when it was attached; write "
                    + "its path to http/object again to refresh its size");
        }
        if (status == 404) {
            throw new FsException(Errno.ENOENT, what + ": 404 the object is gone");
        }
        if (r.body() == null) {
            throw new FsException(Errno.EIO, what + ": HTTP status " + status
                    + (status == 206 || status == 200 ? " for another range" : ""));
        }
        return r.body();
    }

    private static boolean rangeStartsAt(java.net.http.HttpHeaders h, long start) {
        // "bytes START-END/TOTAL"
        String cr = h.firstValue("Content-Range").orElse("").strip();
        if (!cr.startsWith("bytes ")) {
            return false;
        }
        int dash = cr.indexOf('-');
        try {
            return dash > 6 && Long.parseLong(cr.substring(6, dash).strip()) == start;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static OptionalLong contentLength(java.net.http.HttpHeaders h) {
        List<String> values = h.allValues("Content-Length");
        if (values.size() != 1 || !values.get(0).strip().matches("[0-9]{1,18}")) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(values.get(0).strip()));
    }

    private HttpResponse<byte[]> send(HttpRequest req, String what, URI uri, HttpResponse.BodyHandler<byte[]> handler)
            throws FsException {
        CompletableFuture<HttpResponse<byte[]>> f = client.sendAsync(req, handler);
        try {
            // the client's own timeout covers the headers; this deadline covers the body too
            return f.get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new FsException(Errno.EIO, what + ": no complete answer within " + requestTimeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, what + ": interrupted");
        } catch (ExecutionException e) {
            throw failure(what, uri, e.getCause());
        }
    }

    private static FsException failure(String what, URI uri, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof HttpConnectTimeoutException || t instanceof UnresolvedAddressException) {
                return new FsException(Errno.ENXIO, "no HTTP service at " + uri.getAuthority() + " (" + what + "): " + t);
            }
            if (t instanceof BodyTooLong) {
                return new FsException(Errno.EIO, what + ": " + t.getMessage());
            }
        }
        return new FsException(Errno.EIO, what + ": " + cause, cause);
    }

    /** The server sent more than asked. */
    private static final class BodyTooLong extends Exception {
        private static final long serialVersionUID = 1L;

        BodyTooLong(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Collects at most {@code limit} bytes into one array; more is an error, or with
     * {@code prefix} the rest is dropped unread (never buffered).
     */
    private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
        private final byte[] buf;
        private int filled;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final boolean prefix;
        private Flow.Subscription subscription;

        Bounded(int limit, boolean prefix) {
            buf = new byte[limit];
            this.prefix = prefix;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                int n = b.remaining();
                if (n > buf.length - filled) {
                    subscription.cancel();
                    if (prefix) {
                        b.get(buf, filled, buf.length - filled);
                        filled = buf.length;
                        result.complete(buf);
                        return;
                    }
                    result.completeExceptionally(new BodyTooLong("answer longer than the " + buf.length
                            + " bytes asked for"));
                    return;
                }
                b.get(buf, filled, n);
                filled += n;
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(filled == buf.length ? buf : Arrays.copyOf(buf, filled));
        }
    }
}
