package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Shared checks for tests that mount for real. */
final class FuseTests {
    private FuseTests() {}

    /** A mount needs /dev/fuse: without it the test fails (skips only with SHEEPFS_SKIP_FUSE_TESTS=1). */
    static void requireFuse() {
        if (Files.exists(Path.of("/dev/fuse"))) {
            return;
        }
        if ("1".equals(System.getenv("SHEEPFS_SKIP_FUSE_TESTS"))) {
            Assumptions.abort("no /dev/fuse and SHEEPFS_SKIP_FUSE_TESTS=1");
        }
        fail("/dev/fuse is missing: this test mounts a real FUSE file system. Load the fuse module "
                + "(modprobe fuse) or run the container with --device /dev/fuse; set SHEEPFS_SKIP_FUSE_TESTS=1 to skip");
    }

    private static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");

    /** The kernel's switch for FUSE over io_uring, set to Y until closed (then put back as it was). */
    record UringSwitch(String before) implements AutoCloseable {
        @Override
        public void close() throws java.io.IOException {
            Files.writeString(ENABLE_URING, before);
        }
    }

    /** Turns FUSE over io_uring on (Linux 6.14+, as root): without it the test fails (skips only with
     *  SHEEPFS_SKIP_URING_TESTS=1). */
    static UringSwitch enableUring() throws java.io.IOException {
        if (!Files.isWritable(ENABLE_URING)) {
            if ("1".equals(System.getenv("SHEEPFS_SKIP_URING_TESTS"))) {
                Assumptions.abort("no writable " + ENABLE_URING + " and SHEEPFS_SKIP_URING_TESTS=1");
            }
            fail(ENABLE_URING + " is missing or not writable: this test serves FUSE over io_uring, which needs "
                    + "Linux 6.14+ built with CONFIG_FUSE_IO_URING and root; set SHEEPFS_SKIP_URING_TESTS=1 to skip");
        }
        String before = Files.readString(ENABLE_URING).trim();
        Files.writeString(ENABLE_URING, "Y");
        return new UringSwitch(before);
    }
}
