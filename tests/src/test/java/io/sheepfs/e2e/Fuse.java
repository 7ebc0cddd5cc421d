package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * FUSE tests never skip silently: without /dev/fuse they fail and say why, unless the machine
 * explicitly opts out with SHEEPFS_SKIP_FUSE_TESTS=1.
 */
final class Fuse {
    private Fuse() {}

    static void require() {
        if (Files.exists(Path.of("/dev/fuse"))) {
            return;
        }
        if ("1".equals(System.getenv("SHEEPFS_SKIP_FUSE_TESTS"))) {
            Assumptions.abort("SHEEPFS_SKIP_FUSE_TESTS=1: FUSE tests skipped on request (no /dev/fuse)");
        }
        fail("/dev/fuse is missing: these end-to-end tests mount for real. Load the fuse module "
                + "(modprobe fuse) or, on a machine that cannot, set SHEEPFS_SKIP_FUSE_TESTS=1 to skip them explicitly");
    }

    static void requireRoot(String why) {
        if (!"root".equals(System.getProperty("user.name"))) {
            if ("1".equals(System.getenv("SHEEPFS_SKIP_ROOT_TESTS"))) {
                Assumptions.abort("SHEEPFS_SKIP_ROOT_TESTS=1: skipped (" + why + ")");
            }
            fail(why + " needs root; run as root or set SHEEPFS_SKIP_ROOT_TESTS=1 to skip explicitly");
        }
    }
}
