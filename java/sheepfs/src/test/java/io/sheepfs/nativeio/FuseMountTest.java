package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts of the native core with a Java tree behind it: pseudo files go through upcalls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FuseMountTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void fuse() {
        FuseTests.requireFuse();
    }

    static boolean mounted(Path mp) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(mp.toString()));
    }

    @Test
    void servesTheJavaTreeThroughUpcalls() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        TestTree tree = new TestTree("hello from java\n");
        try (FuseSession s = FuseSession.mount(mp, tree, "127.0.0.1:1", FuseSession.Options.defaults())) {
            s.start();
            assertTrue(mounted(mp));
            try (Stream<Path> l = Files.list(mp)) {
                assertEquals(List.of("ctl", "hello", "volume"),
                        l.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
            }
            assertEquals("hello from java\n", Files.readString(mp.resolve("hello")));
            assertEquals(16, Files.size(mp.resolve("hello")));
            try (FileChannel ch = FileChannel.open(mp.resolve("hello"))) {
                ByteBuffer b = ByteBuffer.allocate(4);
                assertEquals(4, ch.read(b, 6)); // an offset in the middle is honoured
                assertEquals("from", new String(b.array(), StandardCharsets.UTF_8));
                assertEquals(-1, ch.read(ByteBuffer.allocate(4), 100));
            }
            Files.writeString(mp.resolve("ctl"), "vdi1\n"); // O_TRUNC -> truncate upcall, then write
            synchronized (tree.ctlWrites) {
                assertEquals(1, tree.ctlWrites.size());
                assertArrayEquals("vdi1\n".getBytes(StandardCharsets.UTF_8), tree.ctlWrites.get(0));
            }
            assertFalse(Files.exists(mp.resolve("nothing")));
            assertTrue(Files.isDirectory(mp.resolve("volume")));
            // a Java exception in an upcall becomes EIO and is counted, and the mount stays usable
            assertThrows(IOException.class, () -> Files.writeString(mp.resolve("ctl"), "throw"));
            assertTrue(s.stats().get("upcall_errors") >= 1);
            assertEquals("hello from java\n", Files.readString(mp.resolve("hello")));
            assertTrue(s.stats().get("upcalls") > 5);
            // the kernel sends RELEASE asynchronously after close(2)
            for (int i = 0; i < 200 && tree.releases.get() < tree.opens.get(); i++) {
                Thread.sleep(10);
            }
            assertEquals(tree.opens.get(), tree.releases.get(), "every open handle was released");
        }
        assertFalse(mounted(mp), "close() unmounts");
    }

    @Test
    void anUnmountFromOutsideEndsTheLoop() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        try (FuseSession s = FuseSession.mount(mp, new TestTree("x"), "127.0.0.1:1", FuseSession.Options.defaults()
                .withThreads(4, true))) {
            s.start();
            assertEquals("x", Files.readString(mp.resolve("hello")));
            Process p = new ProcessBuilder("fusermount3", "-u", mp.toString()).inheritIO().start();
            assertEquals(0, p.waitFor());
            s.awaitStop();
            assertEquals(0, s.loopResult());
            assertFalse(mounted(mp));
        }
    }

    @Test
    void aBusyMountIsForcedOffOnClose() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        FuseSession s = FuseSession.mount(mp, new TestTree("busy"), "127.0.0.1:1", FuseSession.Options.defaults());
        s.start();
        FileChannel open = FileChannel.open(mp.resolve("hello"), StandardOpenOption.READ);
        FuseException busy = assertThrows(FuseException.class, () -> s.unmount(false));
        assertEquals(FuseException.EBUSY, busy.errno());
        s.close(); // forced: aborts and detaches although a file is open
        assertFalse(mounted(mp));
        assertThrows(IOException.class, () -> open.read(ByteBuffer.allocate(1), 0));
        try {
            open.close();
        } catch (IOException expected) {
            // ENOTCONN: the connection was aborted under the open file
        }
    }

    @Test
    void filesBelongToTheConfiguredOwner() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        try (FuseSession s = FuseSession.mount(mp, new TestTree("x"), "127.0.0.1:1",
                FuseSession.Options.defaults().withOwner(1234, 5678))) {
            s.start();
            assertEquals(1234, Files.getAttribute(mp.resolve("hello"), "unix:uid"));
            assertEquals(5678, Files.getAttribute(mp.resolve("hello"), "unix:gid"));
            assertEquals(1234, Files.getAttribute(mp.resolve("volume"), "unix:uid"));
        }
    }

    @Test
    void badArgumentsAreExplained() throws Exception {
        Path mp = Files.createDirectory(tmp.resolve("mnt"));
        IOException e = assertThrows(IOException.class,
                () -> FuseSession.mount(mp, new TestTree("x"), "no-port-here", FuseSession.Options.defaults()));
        assertTrue(e.getMessage().contains("gateway"), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> FuseSession.mount(tmp.resolve("absent"),
                new TestTree("x"), "127.0.0.1:7000", FuseSession.Options.defaults()));
        assertTrue(e2.getMessage().contains("cannot mount"), e2.getMessage());
    }
}
