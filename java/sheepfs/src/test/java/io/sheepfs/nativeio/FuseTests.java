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
}
