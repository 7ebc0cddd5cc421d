package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sheepfs.client.CountingProxy;
import io.sheepfs.client.NewVdi;
import io.sheepfs.client.SheepClient;
import io.sheepfs.nativeio.FuseSession;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import io.sheepfs.view.Views;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Views on a real mount whose sheep falls silent: a proxy between the mount's Java client
 * (ClientConfig.of, as sheepfs mounts) and the embedded sheep holds back every answer, as a
 * gateway stopped with kill -STOP. Reading cluster/info or vdi/list then fails with an errno
 * within 10 s instead of hanging (the client's request timeout bounds a whole call, resends
 * included), and works again once sheep answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlTimeoutTest {
    @TempDir
    Path tmp;
    private EmbeddedSheep sheep;
    private CountingProxy proxy;
    private SheepClient client;
    private SheepClient direct;
    private FuseSession session;
    private Path mp;

    @BeforeEach
    void mount() throws IOException {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            if ("1".equals(System.getenv("SHEEPFS_SKIP_FUSE_TESTS"))) {
                Assumptions.abort("no /dev/fuse and SHEEPFS_SKIP_FUSE_TESTS=1");
            }
            fail("/dev/fuse is missing: this test mounts a real FUSE file system");
        }
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(tmp.resolve("sheep")).withSync(false));
        direct = SheepClient.connect(sheep.address());
        direct.format(1, 0);
        direct.createVdi(NewVdi.of("alpha", 16L << 20));
        proxy = new CountingProxy(sheep.address());
        client = SheepClient.connect(proxy.address());
        SessionAttacher attacher = new SessionAttacher();
        SheepfsTree tree = new SheepfsTree(client, attacher, new Settings(false, false), ZoneId.systemDefault(),
                attacher);
        mp = Files.createDirectory(tmp.resolve("mnt"));
        session = FuseSession.mount(mp, tree.callbacks(), "127.0.0.1:" + proxy.address().getPort(),
                FuseSession.Options.defaults());
        attacher.bind(session);
        session.start();
    }

    @AfterEach
    void unmount() throws IOException {
        if (proxy != null) {
            proxy.release();
        }
        if (session != null) {
            session.close();
        }
        if (client != null) {
            client.close();
        }
        if (direct != null) {
            direct.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    /**
     * The read asks sheep (lookup renders the view for its size, open takes that rendering over),
     * gets no answer, and fails within 10 s: one rendering's worth of the client's 8 s request
     * timeout (before, about 30 s for each of two attempts, for each of two renderings).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cluster/info", "vdi/list"})
    void aViewOfASilentSheepFailsWithinTenSecondsAndWorksAfter(String view) throws Exception {
        Views views = new Views(direct, ZoneId.systemDefault());
        String before = Files.readString(mp.resolve(view));
        assertTrue(before.contains(view.equals("vdi/list") ? "alpha" : "running"), before);
        // past the rendering getattr and open may reuse (ViewNode): the next read asks sheep
        Thread.sleep(ViewNode.SIZE_TTL_NANOS / 1_000_000 + 200);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            proxy.holdAnswers(h -> true);
            long t0 = System.nanoTime();
            Future<String> r = ex.submit(() -> Files.readString(mp.resolve(view)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(20, TimeUnit.SECONDS),
                    view + " failed, and within 20 s");
            double s = (System.nanoTime() - t0) / 1e9;
            assertInstanceOf(IOException.class, e.getCause());
            String msg = String.valueOf(e.getCause().getMessage());
            assertTrue(msg.contains("Input/output error") || msg.contains("Connection timed out"), e.toString());
            assertTrue(s < 10, view + " failed after " + s + " s");
            assertTrue(proxy.gatedRequests() > 0, "the view's requests reached the proxy");
        } finally {
            proxy.release();
            ex.shutdownNow();
        }
        // past the failed rendering that getattr and open reuse, as a user trying again
        Thread.sleep(ViewNode.SIZE_TTL_NANOS / 1_000_000 + 200);
        String after = Files.readString(mp.resolve(view));
        assertEquals(view.equals("vdi/list") ? views.vdiList() : views.clusterInfo(), after);
    }
}
