package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume as a loop device carrying ext4: the way users use sheepfs. */
class LoopExt4Test {
    @TempDir
    Path dir;

    @Test
    void ext4OnALoopDeviceSurvivesUnmountFsckAndRemount() throws Exception {
        Fuse.requireRoot("losetup and mount");
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("ext4vol", "512M");
            Path vol = m.path("volume/ext4vol");
            Path fsdir = Files.createDirectories(dir.resolve("fs"));
            Path tree = Files.createDirectories(dir.resolve("tree"));
            // a tree of files: many small ones, a few large ones, nested directories
            Sh.bash(120, "cd " + tree + " && for d in a b c d; do mkdir -p $d/deep/er; "
                    + "for i in $(seq 1 50); do head -c $((RANDOM * 3 + 1)) /dev/urandom > $d/f$i; done; "
                    + "head -c 7340033 /dev/urandom > $d/deep/er/big; done; cp -r " + Repo.root().resolve("native") + " src");
            String dev = Sh.ok(30, "losetup", "-f", "--show", vol.toString()).strip();
            try {
                Sh.ok(120, "mkfs.ext4", "-q", "-F", dev);
                Sh.ok(30, "mount", dev, fsdir.toString());
                Sh.ok(120, "cp", "-a", tree + "/.", fsdir.toString());
                Sh.ok(60, "umount", fsdir.toString());
                Sh.ok(120, "fsck.ext4", "-n", "-f", dev);
                // drop the loop device's cached pages: the remount must read through sheepfs
                Sh.ok(30, "losetup", "-d", dev);
                Sh.bash(30, "echo 3 > /proc/sys/vm/drop_caches");
                dev = Sh.ok(30, "losetup", "-f", "--show", vol.toString()).strip();
                Sh.ok(30, "mount", "-o", "ro", dev, fsdir.toString());
                Sh.Result diff = Sh.run(120, "diff", "-r", "-x", "lost+found", tree.toString(), fsdir.toString());
                assertEquals(0, diff.rc(), "tree differs after remount:\n" + diff.out());
                Sh.ok(60, "umount", fsdir.toString());
            } finally {
                Sh.run(30, "umount", fsdir.toString());
                Sh.run(30, "losetup", "-d", dev);
            }
        }
    }
}
