package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.write;

import io.sheepfs.client.CountingProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real mount for the volume tests, served in C over TCP by the real embedded sheep (or by a
 * {@link CountingProxy} in front of it): started before each test, closed after it.
 */
abstract class VolumeTestBase {
    @TempDir
    Path tmp;
    SheepFixture sheep;
    TestTree tree;
    FuseSession session;
    Path mnt;

    @BeforeEach
    void setUp() throws IOException {
        FuseTests.requireFuse();
        start(false);
    }

    void start(boolean sync) throws IOException {
        start(sync, FuseSession.Options.defaults());
    }

    void start(boolean sync, FuseSession.Options options) throws IOException {
        sheep = new SheepFixture(Files.createTempDirectory(tmp, "store"), sync);
        tree = new TestTree("");
        mnt = Files.createTempDirectory(tmp, "mnt");
        session = FuseSession.mount(mnt, tree, sheep.gateway(), options);
        session.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (session != null) {
            session.close();
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    VolumeInfo attach(String name) throws FuseException {
        return session.attachVolume(tree.addVolume(name), name, 0);
    }

    /** Detaches and attaches again: the index is then what the server has, not what C remembered. */
    VolumeInfo reattach(String name) throws FuseException {
        long ino = tree.addVolume(name);
        session.detachVolume(ino);
        return session.attachVolume(ino, name, 0);
    }

    /** A new VDI of {@code size} bytes (4 MiB objects), attached, its first {@code len} bytes random
     * from {@code seed}: returns them. */
    byte[] attachedWithData(String name, long size, long seed, int len) throws IOException {
        sheep.create(name, size, 22, false);
        attach(name);
        byte[] data = random(seed, len);
        write(vol(name), 0, data);
        return data;
    }

    Path vol(String name) {
        return mnt.resolve("volume").resolve(name);
    }

    /** Starts again, mounted through a proxy (closed by the caller, which unmounts) in front of a new embedded sheep;
     * {@code nanosPerByte}: see {@link CountingProxy}. */
    CountingProxy startBehindProxy(long nanosPerByte, FuseSession.Options options) throws IOException {
        tearDown();
        sheep = new SheepFixture(Files.createTempDirectory(tmp, "store"), false);
        CountingProxy proxy = new CountingProxy(sheep.sheep.address(), nanosPerByte);
        tree = new TestTree("");
        mnt = Files.createTempDirectory(tmp, "mnt");
        session = FuseSession.mount(mnt, tree, "127.0.0.1:" + proxy.address().getPort(), options);
        session.start();
        // unmounted before the proxy goes: a gateway that is gone would hold the unmount's lock
        // releases until the io timeout (60 s)
        FuseSession mounted = session;
        proxy.beforeClose(() -> {
            try {
                mounted.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return proxy;
    }

    /** The default options with volume requests split into pieces of {@code piece} bytes. */
    static FuseSession.Options piecesOf(int piece) {
        FuseSession.Options d = FuseSession.Options.defaults();
        return d.withConnections(d.connections(), piece);
    }
}
