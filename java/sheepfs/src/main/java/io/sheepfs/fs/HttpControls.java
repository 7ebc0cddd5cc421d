package io.sheepfs.fs;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * http/address (stored text, shown as written) and http/object. Sheep 1.0 serves objects over
 * HTTP only when started with its Swift service; sheepfs does not mount HTTP objects: writing
 * to http/object explains why it cannot (ENXIO without a reachable service, EOPNOTSUPP with one).
 */
final class HttpControls {
    /** Longest address text kept. */
    static final int MAX_ADDRESS = 1024;

    private HttpControls() {
    }

    static ControlFile address(AtomicReference<byte[]> stored) {
        return new ControlFile() {
            @Override
            public byte[] content() {
                return stored.get().clone();
            }

            @Override
            public void write(byte[] data) throws FsException {
                if (data.length > MAX_ADDRESS) {
                    throw new FsException(Errno.EFBIG, "http address of " + data.length + " bytes");
                }
                stored.set(data.clone());
            }
        };
    }

    static ControlFile object(AtomicReference<byte[]> address) {
        return new ControlFile() {
            @Override
            public byte[] content() {
                return new byte[0];
            }

            @Override
            public boolean readable() {
                return false;
            }

            @Override
            public void write(byte[] data) throws FsException {
                String path = CommandText.line(data);
                if (!path.matches("/[^/]+/[^/]+/[^/]+")) {
                    throw new FsException(Errno.EINVAL, "expected /ACCOUNT/CONTAINER/OBJECT, got "
                            + CommandText.printable(path));
                }
                byte[] a = address.get();
                int len = a.length > 0 && a[a.length - 1] == '\n' ? a.length - 1 : a.length;
                if (len == 0) {
                    throw new FsException(Errno.ENXIO, "the cluster has no HTTP service configured"
                            + " (write its address to http/address)");
                }
                String text = new String(Arrays.copyOf(a, len), java.nio.charset.StandardCharsets.UTF_8);
                try {
                    java.net.InetSocketAddress target = ConfigControls.parseAddress(text.strip());
                    try (Socket s = new Socket()) {
                        s.connect(target, 2000);
                    }
                } catch (IOException | FsException e) {
                    throw new FsException(Errno.ENXIO, "no HTTP service at " + CommandText.printable(text) + ": "
                            + e.getMessage());
                }
                throw new FsException(Errno.EOPNOTSUPP, "HTTP objects are not supported by this sheepfs");
            }
        };
    }
}
