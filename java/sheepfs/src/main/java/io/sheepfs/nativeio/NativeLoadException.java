package io.sheepfs.nativeio;

/** The native shim could not be loaded; the message says why and what to do. */
public final class NativeLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
