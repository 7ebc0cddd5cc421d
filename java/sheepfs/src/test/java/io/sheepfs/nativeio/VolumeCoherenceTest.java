package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import io.sheepfs.protocol.RequestFlags;
import io.sheepfs.protocol.Result;
import io.sheepfs.protocol.cluster.ClusterFlags;
import io.sheepfs.protocol.header.ObjRequest;
import io.sheepfs.protocol.header.RequestHeader;
import io.sheepfs.protocol.header.VdiRequest;
import io.sheepfs.server.Reply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data path stays coherent with what other clients do to the same VDIs: re-attaching shows
 * the new inode at once, objects another client allocated are never overwritten by a create,
 * writes to a VDI deleted elsewhere fail, and VDI locks exclude a second writer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeCoherenceTest {
    private static final int INODE_INDEX_OFF = 4664, VDI_SIZE_OFF = 536;

    @TempDir
    Path tmp;
    SheepFixture sheep;
    TestTree tree;
    FuseSession session;
    Path mnt;
    FuseSession second;

    @BeforeEach
    void setUp() {
        FuseTests.requireFuse();
    }

    void start(int clusterFlags) throws IOException {
        sheep = new SheepFixture(Files.createTempDirectory(tmp, "store"), false, clusterFlags);
        tree = new TestTree("");
        mnt = Files.createTempDirectory(tmp, "mnt");
        session = FuseSession.mount(mnt, tree, sheep.gateway(), FuseSession.Options.defaults());
        session.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        for (FuseSession s : new FuseSession[] {second, session}) {
            if (s != null) {
                s.close();
            }
        }
        if (sheep != null) {
            sheep.close();
        }
    }

    Path vol(String name) {
        return mnt.resolve("volume").resolve(name);
    }

    private Reply writeObj(int opcode, long oid, long offset, byte[] data) {
        return sheep.call(RequestHeader.of(opcode, RequestFlags.WRITE, data.length, ObjRequest.of(oid, 0, 0, offset)), data);
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** What `dog vdi write` does for a new object: create it, then point the index at it. */
    private void allocateElsewhere(int vid, int idx, byte[] data) {
        assertEquals(Result.SUCCESS, writeObj(Opcode.CREATE_AND_WRITE_OBJ, ObjectId.data(vid, idx), 0, data).result());
        assertEquals(Result.SUCCESS,
                writeObj(Opcode.WRITE_OBJ, ObjectId.inode(vid), INODE_INDEX_OFF + 4L * idx, le32(vid)).result());
    }

    private int indexEntry(int vid, int idx) {
        return ByteBuffer.wrap(sheep.readObject(ObjectId.inode(vid), INODE_INDEX_OFF + 4L * idx, 4))
                .order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private boolean objectExists(long oid) {
        Reply r = sheep.call(RequestHeader.of(Opcode.READ_OBJ, 0, 1, ObjRequest.of(oid, 0)), null);
        return r.result() == Result.SUCCESS;
    }

    @Test
    void reattachingRightAfterAWriteShowsTheNewInodeAtOnce() throws Exception {
        start(0);
        int vid = sheep.create("re", 64L * MiB, 22, false);
        long ino1 = tree.addVolume("re");
        session.attachVolume(ino1, "re", 0);
        write(vol("re"), 40 * 1024, random(1, 4096));
        assertEquals(64L * MiB, Files.size(vol("re"))); // the kernel now holds entry and attrs of ino1

        for (int round = 0; round < 3; round++) {
            long before = tree.addVolume("re");
            session.detachVolume(before);
            tree.removeVolume("re");
            long size = (65L + round) * MiB; // dog vdi resize while detached
            assertEquals(Result.SUCCESS, writeObj(Opcode.WRITE_OBJ, ObjectId.inode(vid), VDI_SIZE_OFF,
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(size).array()).result());
            long ino = tree.addVolume("re");
            session.attachVolume(ino, "re", 0);
            // at once, no waiting out a cache timeout: the new inode, its size, its data
            assertEquals(ino, ((Number) Files.getAttribute(vol("re"), "unix:ino")).longValue());
            assertEquals(size, Files.size(vol("re")));
            assertArrayEquals(random(1, 4096), read(vol("re"), 40 * 1024, 4096));
            write(vol("re"), 40 * 1024, random(1, 4096));
        }
    }

    @Test
    void aWriteIntoAnObjectAllocatedElsewhereAfterAttachKeepsTheOtherClientsData() throws Exception {
        start(0);
        int vid = sheep.create("tw", 64L * MiB, 22, false);
        session.attachVolume(tree.addVolume("tw"), "tw", 0);
        write(vol("tw"), 0, random(2, 4096)); // object 0: allocated by us

        byte[] theirs = random(3, 4 * MiB);
        allocateElsewhere(vid, 2, theirs); // behind our back, as `dog vdi write tw 8M 4M`
        // documented: our index copy still says hole, so reads give zeros until we write there
        assertArrayEquals(new byte[4096], read(vol("tw"), 9L * MiB, 4096));

        byte[] ours = random(4, 4096);
        write(vol("tw"), 9L * MiB, ours); // inside object 2, at 1 MiB
        byte[] expect = theirs.clone();
        System.arraycopy(ours, 0, expect, MiB, ours.length);
        assertArrayEquals(expect, sheep.readObject(ObjectId.data(vid, 2), 0, 4 * MiB), "the other client's data is gone");
        assertEquals(vid, indexEntry(vid, 2));
        // and the object is ours from now on: reads see all of it
        assertArrayEquals(Arrays.copyOfRange(expect, 0, MiB), read(vol("tw"), 8L * MiB, MiB));
        assertTrue(session.stats().get("creates") >= 1);

        // a real hole still allocates as before, zeros around our bytes
        write(vol("tw"), 20L * MiB + 4096, ours);
        byte[] obj5 = sheep.readObject(ObjectId.data(vid, 5), 0, 8192);
        assertArrayEquals(new byte[4096], Arrays.copyOfRange(obj5, 0, 4096));
        assertArrayEquals(ours, Arrays.copyOfRange(obj5, 4096, 8192));
        assertEquals(vid, indexEntry(vid, 5));
    }

    @Test
    void aCopyOnWriteIntoAnObjectCopiedElsewhereKeepsTheOtherClientsCopy() throws Exception {
        start(0);
        int base = sheep.create("cw", 16L * MiB, 22, false);
        session.attachVolume(tree.addVolume("cw"), "cw", 0);
        byte[] old = random(5, 12 * MiB);
        write(vol("cw"), 0, old); // objects 0-2
        int working = sheep.snapshot("cw", 16L * MiB, base); // base becomes the snapshot
        byte[] first = random(6, 4096);
        write(vol("cw"), 0, first); // READONLY -> reload: our index now says "base" for 0-2; COW of 0

        // another client copies object 2 into the working VDI and writes all of it
        byte[] theirs = random(7, 4 * MiB);
        allocateElsewhere(working, 2, theirs);
        byte[] ours = random(8, 4096);
        write(vol("cw"), 8L * MiB + 8192, ours); // our index still says "base": a COW would wipe theirs
        byte[] expect = theirs.clone();
        System.arraycopy(ours, 0, expect, 8192, ours.length);
        assertArrayEquals(expect, sheep.readObject(ObjectId.data(working, 2), 0, 4 * MiB));
        assertEquals(working, indexEntry(working, 2));
        // the snapshot is untouched; our own COW of object 0 has the new bytes over the old
        assertArrayEquals(old, concat(base));
        byte[] mine = Arrays.copyOfRange(old, 0, 4 * MiB);
        System.arraycopy(first, 0, mine, 0, first.length);
        assertArrayEquals(mine, sheep.readObject(ObjectId.data(working, 0), 0, 4 * MiB));
    }

    private byte[] concat(int vid) {
        byte[] all = new byte[12 * MiB];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(sheep.readObject(ObjectId.data(vid, i), 0, 4 * MiB), 0, all, i * 4 * MiB, 4 * MiB);
        }
        return all;
    }

    @Test
    void writesIntoHolesOfAVdiDeletedElsewhereFailInsteadOfLeavingOrphans() throws Exception {
        start(0);
        int vid = sheep.create("gone", 16L * MiB, 22, false);
        session.attachVolume(tree.addVolume("gone"), "gone", 0);
        write(vol("gone"), 0, random(9, 4096));
        // `dog vdi delete`: clear the index (sheep frees no VDI that still has objects), then DEL_VDI
        assertEquals(Result.SUCCESS, writeObj(Opcode.WRITE_OBJ, ObjectId.inode(vid), INODE_INDEX_OFF, le32(0)).result());
        Reply del = sheep.call(RequestHeader.of(Opcode.DEL_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(0, 0, 0, 0, 0, 0, 0, 0)), FixedString.encode("gone", 256));
        assertEquals(Result.SUCCESS, del.result());
        long errors = session.stats().get("errors");
        assertThrows(IOException.class, () -> write(vol("gone"), 4L * MiB, random(10, 4096)));
        assertTrue(session.stats().get("errors") > errors);
        assertTrue(!objectExists(ObjectId.data(vid, 1)), "an orphan object was created");
        assertEquals(0, indexEntry(vid, 1));
    }

    private Reply lockFromElsewhere(String name) {
        return sheep.call(RequestHeader.of(Opcode.LOCK_VDI, RequestFlags.WRITE, 256,
                new VdiRequest(0, 0, 0, 0, 0, 0, 0, VdiRequest.LOCK_NORMAL)), FixedString.encode(name, 256));
    }

    private Reply releaseFromElsewhere(int vid) {
        return sheep.call(RequestHeader.of(Opcode.RELEASE_VDI, 0, 0,
                new VdiRequest(0, vid, 0, 0, 0, 0, 0, VdiRequest.LOCK_NORMAL)), null);
    }

    @Test
    void onALockingClusterAnAttachedVdiIsLockedUntilDetached() throws Exception {
        start(ClusterFlags.USE_LOCK);
        int vid = sheep.create("lk", 16L * MiB, 22, false);
        Path mnt2 = Files.createTempDirectory(tmp, "mnt2");
        TestTree tree2 = new TestTree("");
        second = FuseSession.mount(mnt2, tree2, sheep.gateway(), FuseSession.Options.defaults());
        second.start();

        long ino = tree.addVolume("lk");
        session.attachVolume(ino, "lk", 0);
        assertEquals(Result.VDI_LOCKED, lockFromElsewhere("lk").result());
        FuseException busy = assertThrows(FuseException.class, () -> second.attachVolume(tree2.addVolume("lk"), "lk", 0));
        assertEquals(FuseException.EBUSY, busy.errno());
        write(vol("lk"), 0, random(11, 4096)); // the holder is unaffected

        session.detachVolume(ino); // releases
        tree.removeVolume("lk");
        second.attachVolume(tree2.addVolume("lk"), "lk", 0);
        assertArrayEquals(random(11, 4096), read(mnt2.resolve("volume").resolve("lk"), 0, 4096));
        assertEquals(FuseException.EBUSY,
                assertThrows(FuseException.class, () -> session.attachVolume(tree.addVolume("lk"), "lk", 0)).errno());

        second.close(); // closing a mount gives its locks back too
        second = null;
        assertEquals(Result.SUCCESS, lockFromElsewhere("lk").result());
        FuseException held = assertThrows(FuseException.class, () -> session.attachVolume(tree.addVolume("lk"), "lk", 0));
        assertEquals(FuseException.EBUSY, held.errno());
        assertEquals(Result.SUCCESS, releaseFromElsewhere(vid).result());
        session.attachVolume(tree.addVolume("lk"), "lk", 0);
    }

    @Test
    void withoutTheLockFlagTwoMountsMayAttachTheSameVdi() throws Exception {
        start(0);
        sheep.create("free", 16L * MiB, 22, false);
        Path mnt2 = Files.createTempDirectory(tmp, "mnt2");
        TestTree tree2 = new TestTree("");
        second = FuseSession.mount(mnt2, tree2, sheep.gateway(), FuseSession.Options.defaults());
        second.start();
        session.attachVolume(tree.addVolume("free"), "free", 0);
        write(vol("free"), 0, random(12, 4096));
        second.attachVolume(tree2.addVolume("free"), "free", 0); // no lock: both attached at once
        assertArrayEquals(random(12, 4096), read(mnt2.resolve("volume").resolve("free"), 0, 4096));
    }

    @Test
    void aGatewayListFallsOverToTheNextNodeWhenTheFirstIsDown() throws Exception {
        start(0);
        sheep.create("gw", 16L * MiB, 22, false);
        int dead;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = ss.getLocalPort(); // closed again: connections are refused
        }
        String list = "127.0.0.1:" + dead + "," + sheep.gateway();
        Path mnt2 = Files.createTempDirectory(tmp, "mnt2");
        TestTree tree2 = new TestTree("");
        second = FuseSession.mount(mnt2, tree2, list, FuseSession.Options.defaults());
        second.start();
        assertEquals(list, second.gateway());
        second.attachVolume(tree2.addVolume("gw"), "gw", 0);
        Path v = mnt2.resolve("volume").resolve("gw");
        write(v, 5L * MiB, random(13, 8192));
        assertArrayEquals(random(13, 8192), read(v, 5L * MiB, 8192));
        assertTrue(second.stats().get("connect_failures") == 0, "the list is tried in order within one connect");
        // a switch to another list (config/sheep_info) keeps working the same way
        second.setGateway("127.0.0.1:" + dead + "," + sheep.gateway());
        assertArrayEquals(random(13, 8192), read(v, 5L * MiB, 8192));
    }
}
