package io.sheepfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountPointCheckTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyDirectoryIsFine() {
        assertNull(MountPointCheck.problem(dir, List.of()));
    }

    @Test
    void missingAndNonDirectoriesSayHowToFix() throws Exception {
        assertTrue(MountPointCheck.problem(dir.resolve("nope"), List.of()).contains("mkdir -p"));
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertTrue(MountPointCheck.problem(file, List.of()).contains("not a directory"));
    }

    @Test
    void anExistingMountIsReportedWithTheUnmountCommand() {
        String line = "75 30 0:52 / " + dir + " rw,nosuid,nodev,relatime shared:40 - fuse.sheepfs sheepfs rw,user_id=0";
        String p = MountPointCheck.problem(dir, List.of(line));
        assertTrue(p.contains("already mounted (fuse.sheepfs)") && p.contains("fusermount3 -u " + dir), p);
    }

    @Test
    void mountinfoOctalEscapesAreDecoded() {
        String line = "75 30 0:52 / /mnt/with\\040space rw - fuse.sheepfs sheepfs rw";
        assertEquals("fuse.sheepfs", MountPointCheck.fsTypeAt(Path.of("/mnt/with space"), List.of(line)));
        assertNull(MountPointCheck.fsTypeAt(Path.of("/mnt/with"), List.of(line)));
        assertEquals("a\\b", MountPointCheck.unescape("a\\134b"));
    }
}
