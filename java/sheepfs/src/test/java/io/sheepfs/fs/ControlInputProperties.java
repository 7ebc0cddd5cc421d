package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.nativeio.FsCallbacks;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Arbitrary bytes written to the control files are only data: every write ends in its byte
 * count or one of the documented errnos, never an exception, and never attaches or creates
 * anything that was not asked for by a well-formed command.
 */
class ControlInputProperties {
    private static final Set<Integer> ERRNOS = Set.of(Errno.ENOENT, Errno.EINVAL, Errno.ENAMETOOLONG, Errno.EEXIST,
            Errno.EFBIG, Errno.ENOSPC, Errno.ECONNREFUSED, Errno.EHOSTUNREACH, Errno.ENXIO, Errno.EOPNOTSUPP,
            Errno.EIO, Errno.ENOLCK, Errno.EXDEV, Errno.EBUSY);
    private static Path dir;
    private static EmbeddedSheep sheep;
    private static SheepClient client;
    private static MemoryAttacher attacher;
    private static FsClient c;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("sheepfs-props");
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
        client = SheepClient.connect(sheep.address());
        client.format(1, 0);
        attacher = new MemoryAttacher(client);
        c = new FsClient(new SheepfsTree(client, attacher, new Settings(false, false), ZoneOffset.UTC, g -> { })
                .callbacks());
    }

    @AfterContainer
    static void stop() throws IOException {
        client.close();
        sheep.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void onlyCountOrErrno(String file, byte[] data) {
        int r = c.write(file, data);
        assertTrue(r == data.length || ERRNOS.contains(-r), file + " answered " + r);
    }

    @Property(tries = 300)
    void mountTakesAnyBytes(@ForAll byte[] data) {
        onlyCountOrErrno("vdi/mount", data);
        onlyCountOrErrno("vdi/unmount", data);
        onlyCountOrErrno("vdi/unlock", data);
        assertEquals(0, attacher.attached.size(), "no VDI exists, so nothing can be attached");
    }

    @Property(tries = 300)
    void configAndHttpFilesTakeAnyBytes(@ForAll byte[] data) {
        onlyCountOrErrno("config/page_cache", data);
        onlyCountOrErrno("config/sheep_info", data);
        onlyCountOrErrno("http/object", data);
        onlyCountOrErrno("http/address", data);
        assertEquals("127.0.0.1:" + sheep.port() + "\n", c.read("config/sheep_info"));
    }

    private static int vdiCount() {
        try {
            return client.listInodeHeaders().size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Property(tries = 200)
    void createTakesAnyBytes(@ForAll byte[] data) {
        int before = vdiCount();
        int r = c.write("vdi/create", data);
        assertTrue(r == data.length || ERRNOS.contains(-r), "create answered " + r);
        int after = vdiCount();
        assertEquals(r == data.length && data.length > 0 ? before + 1 : before, after); // nothing written: no command
        assertEquals(FsCallbacks.ATTR_LEN, c.lookup("vdi/list").length);
    }
}
