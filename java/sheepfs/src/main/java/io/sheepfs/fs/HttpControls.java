package io.sheepfs.fs;

import java.util.concurrent.atomic.AtomicReference;

/**
 * http/address (stored text, shown as written) and http/object, which attaches objects of the
 * cluster's HTTP (Swift) service as files under http/ ({@link HttpObjects}).
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

    /** Write-only: each write of "/ACCOUNT/CONTAINER/OBJECT[\n]" attaches that object. */
    static ControlFile object(HttpObjects objects) {
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
                objects.attach(SwiftPath.parse(data));
            }
        };
    }
}
