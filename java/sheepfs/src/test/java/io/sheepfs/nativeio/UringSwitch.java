package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The kernel's switch for FUSE over io_uring, turned on for a test and put back as it was when
 * closed. Public: the end-to-end tests (tests/) mount with --io-uring too.
 */
public final class UringSwitch implements AutoCloseable {
    private static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");
    private final String before;

    private UringSwitch(String before) {
        this.before = before;
    }

    /** Turns FUSE over io_uring on (Linux 6.14+, as root): without it the test fails (skips only with
     *  SHEEPFS_SKIP_URING_TESTS=1). */
    public static UringSwitch on() throws IOException {
        if (!Files.isWritable(ENABLE_URING)) {
            if ("1".equals(System.getenv("SHEEPFS_SKIP_URING_TESTS"))) {
                Assumptions.abort("no writable " + ENABLE_URING + " and SHEEPFS_SKIP_URING_TESTS=1");
            }
            fail(ENABLE_URING + " is missing or not writable: this test serves FUSE over io_uring, which needs "
                    + "Linux 6.14+ built with CONFIG_FUSE_IO_URING and root; set SHEEPFS_SKIP_URING_TESTS=1 to skip");
        }
        String was = Files.readString(ENABLE_URING).trim();
        Files.writeString(ENABLE_URING, "Y");
        return new UringSwitch(was);
    }

    @Override
    public void close() throws IOException {
        Files.writeString(ENABLE_URING, before);
    }
}
