package io.sheepfs.client;

import java.io.IOException;

/**
 * The connection carrying a request failed: refused, reset, timed out, or closed because the
 * peer broke the protocol (malformed header, unknown id, more data than the request's buffer).
 * Requests that fail this way may be resent on another connection or gateway.
 */
public final class ConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
