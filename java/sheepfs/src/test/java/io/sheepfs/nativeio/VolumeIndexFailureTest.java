package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.Opcode;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Index writes held back or refused by a proxy in front of sheep, on a real mount: writes into a
 * new object end only after its index write, and one that fails leaves nothing behind. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeIndexFailureTest extends VolumeTestBase {
    /**
     * A first write in pieces: once the create has made the object, the other pieces go out beside
     * the index write that names it in the inode, not after it; and no write into that object is
     * done before the index write is (acknowledged, it could otherwise sit in an object the inode
     * does not name, were sheepfs stopped in between). A proxy holds the index write's answer.
     * The same for a hyper volume, whose index is a B-tree: the in-memory tree names the new
     * object before the B-tree writes are sent, and from then on writes into the object are held
     * until those writes are done.
     */
    @ParameterizedTest(name = "hyper={0}")
    @ValueSource(booleans = {false, true})
    void writesIntoANewObjectGoBesideItsIndexWriteAndEndAfterIt(boolean hyper) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try (CountingProxy proxy = startBehindProxy(0, piecesOf(256 << 10))) {
            int vid = sheep.create("ix", 64L * MiB, 22, hyper);
            assertEquals(hyper, attach("ix").hyper());
            proxy.holdAnswers(VolumeIndexFailureTest::inodeWrite);
            byte[] first = random(41, MiB), later = random(42, 4096);
            // object 1, in 4 pieces: one probes (flat: the entry and the name; hyper: the name),
            // creates and writes the index; three wait for the object and write
            int sent = hyper ? 6 : 7;
            int base = proxy.requests();
            Future<?> a = ex.submit(() -> {
                write(vol("ix"), 4L * MiB, first);
                return null;
            });
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> proxy.gatedRequests() > 0, end);
            assertEquals(1, proxy.gatedRequests(), "the index write went out");
            // the three other pieces go out while the index write's answer is held
            awaitUntil(() -> proxy.requests() >= base + sent, end);
            assertEquals(sent, proxy.requests() - base, "requests sent while the index write is held");
            // a later write into the object: sent at once, done only with the index write
            Future<?> b = ex.submit(() -> {
                write(vol("ix"), 6L * MiB, later);
                return null;
            });
            awaitUntil(() -> proxy.requests() >= base + sent + 1, end);
            Thread.sleep(300);
            assertFalse(a.isDone(), "the first write ended before its index write");
            assertFalse(b.isDone(), "a write into the new object ended before its index write");
            proxy.release();
            a.get(10, TimeUnit.SECONDS);
            b.get(10, TimeUnit.SECONDS);
            assertEquals(1, session.stats().get("creates"));
            assertEquals(0, session.stats().get("errors"));
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1), "the inode names the object");
            }
            reattach("ix"); // the index as sheep has it
            assertArrayEquals(first, read(vol("ix"), 4L * MiB, MiB));
            assertArrayEquals(later, read(vol("ix"), 6L * MiB, 4096));
        } finally {
            ex.shutdownNow();
        }
    }

    /**
     * An index write that fails leaves the object unnamed in sheep's inode: the write that made it
     * fails (EIO), and the next write there allocates the object again and names it, instead of
     * being acknowledged into an object that the next attach would not find. A proxy refuses the
     * index write with EIO, as a sheep that failed it. Flat volumes put their index entry back;
     * hyper volumes, whose B-tree may be half written, reload the inode from sheep.
     */
    @ParameterizedTest(name = "hyper={0}")
    @ValueSource(booleans = {false, true})
    void aFailedIndexWriteLeavesTheObjectToBeAllocatedAgain(boolean hyper) throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            int vid = sheep.create("fx", 16L * MiB, 22, hyper);
            assertEquals(hyper, attach("fx").hyper());
            proxy.refuse(VolumeIndexFailureTest::inodeWrite,
                    io.sheepfs.protocol.Result.EIO);
            byte[] lost = random(51, 4096), kept = random(52, 4096);
            IOException e = assertThrows(IOException.class, () -> write(vol("fx"), 4L * MiB, lost));
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.getMessage());
            assertEquals(1, proxy.refusedRequests());
            if (!hyper) {
                assertEquals(0, sheep.indexEntry(vid, 1), "sheep's inode does not name the object");
            }
            proxy.refuse(null, 0);
            write(vol("fx"), 4L * MiB + 8192, kept);
            assertEquals(2, session.stats().get("creates"), "the object was allocated again");
            assertEquals(hyper ? 1 : 0, session.stats().get("reloads"), "hyper: the inode reloaded from sheep");
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1), "the inode names the object");
            }
            reattach("fx"); // the index as sheep has it
            assertArrayEquals(kept, read(vol("fx"), 4L * MiB + 8192, 4096));
            assertArrayEquals(new byte[4096], read(vol("fx"), 4L * MiB, 4096), "the failed write's bytes are gone");
        }
    }

    /**
     * Hyper: when the inode reload after a failed B-tree write fails too (sheep refuses the inode's
     * reads as well), the tree in memory still names the object sheep's inode may not. The next
     * write reloads first, then allocates the object anew. (Before, it took the fast path into the
     * recorded object and failed with EIO, and so did every later write there.)
     */
    @Test
    void aFailedReloadAfterAFailedIndexWriteIsDoneByTheNextWrite() throws Exception {
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            sheep.create("fr", 16L * MiB, 22, true);
            assertTrue(attach("fr").hyper());
            // the inode's reads only after the failed write: the reload's, not the B-tree update's own
            AtomicBoolean wrote = new AtomicBoolean();
            proxy.refuse(h -> inodeWrite(h) && !wrote.getAndSet(true) || wrote.get() && inodeRead(h),
                    io.sheepfs.protocol.Result.EIO);
            byte[] lost = random(56, 4096), kept = random(57, 4096);
            IOException e = assertThrows(IOException.class, () -> write(vol("fr"), 4L * MiB, lost));
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.getMessage());
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> session.stats().get("reloads_failed") > 0, end);
            assertEquals(1, session.stats().get("reloads"), "a reload was tried");
            assertEquals(1, session.stats().get("reloads_failed"), "and failed: the inode's reads were refused");
            proxy.refuse(null, 0);
            write(vol("fr"), 4L * MiB + 8192, kept);
            assertEquals(2, session.stats().get("reloads"), "the write reloaded first");
            assertEquals(2, session.stats().get("creates"), "then allocated the object anew");
            reattach("fr"); // the index as sheep has it
            assertArrayEquals(kept, read(vol("fr"), 4L * MiB + 8192, 4096));
            assertArrayEquals(new byte[4096], read(vol("fr"), 4L * MiB, 4096), "the failed write's bytes are gone");
        }
    }

    /**
     * A write that went out beside an index write which then fails, and that sheep acknowledges
     * only afterwards, fails too (EIO): its bytes sit in an object no inode names, which the next
     * write there creates anew without them. The proxy holds the create's answer until the second
     * write waits for the object, refuses the index write, and holds the second write's answer
     * until the index write has failed. With createdAnewFirst, a third write creates the object
     * anew before that answer comes: the held write reached sheep before that create, which
     * replaced the object and its bytes, so it still fails; a write sent after the create does not.
     */
    @ParameterizedTest(name = "hyper={0}, created anew first={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void aWriteBesideAFailedIndexWriteFailsToo(boolean hyper, boolean createdAnewFirst) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try (CountingProxy proxy = startBehindProxy(0, FuseSession.Options.defaults())) {
            int vid = sheep.create("ub", 16L * MiB, 22, hyper);
            assertEquals(hyper, attach("ub").hyper());
            long obj = ObjectId.data(vid, 1);
            proxy.holdAnswers(h -> (h[1] & 0xff) == Opcode.CREATE_AND_WRITE_OBJ && Le.u64(h, 16) == obj);
            byte[] first = random(53, 4096), beside = random(54, 4096), after = random(55, 4096);
            Future<?> a = ex.submit(() -> {
                write(vol("ub"), 4L * MiB, first);
                return null;
            });
            long end = System.nanoTime() + 10_000_000_000L;
            awaitUntil(() -> proxy.gatedRequests() > 0, end);
            int sent = proxy.requests();
            Future<?> b = ex.submit(() -> {
                write(vol("ub"), 6L * MiB, beside);
                return null;
            });
            Thread.sleep(200);
            assertEquals(sent, proxy.requests(), "the second write waits for the object");
            proxy.refuse(VolumeIndexFailureTest::inodeWrite,
                    io.sheepfs.protocol.Result.EIO);
            proxy.releaseAndHold(h -> (h[1] & 0xff) == Opcode.WRITE_OBJ && Le.u64(h, 16) == obj);
            ExecutionException ea = assertThrows(ExecutionException.class, () -> a.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(ea.getCause().getMessage()).contains("Input/output error"), ea.toString());
            assertEquals(1, proxy.refusedRequests());
            awaitUntil(() -> proxy.gatedRequests() > 1, end);
            assertFalse(b.isDone(), "the second write's answer is held");
            if (createdAnewFirst) {
                proxy.refuse(null, 0);
                write(vol("ub"), 5L * MiB, after); // over the held write's bytes
                assertEquals(2, session.stats().get("creates"), "the object was created anew");
                assertFalse(b.isDone(), "the second write's answer is still held");
            }
            proxy.release();
            ExecutionException eb = assertThrows(ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(eb.getCause().getMessage()).contains("Input/output error"), eb.toString());
            if (!createdAnewFirst) {
                proxy.refuse(null, 0);
                write(vol("ub"), 5L * MiB, after);
                assertEquals(2, session.stats().get("creates"), "the object was created anew");
            }
            if (!hyper) {
                assertEquals(vid, sheep.indexEntry(vid, 1));
            }
            byte[] later = random(58, 4096);
            write(vol("ub"), 7L * MiB, later); // sent after the new create: the object's
            reattach("ub");
            assertArrayEquals(after, read(vol("ub"), 5L * MiB, 4096));
            assertArrayEquals(later, read(vol("ub"), 7L * MiB, 4096));
            assertArrayEquals(new byte[4096], read(vol("ub"), 6L * MiB, 4096), "the failed write's bytes are gone");
        } finally {
            ex.shutdownNow();
        }
    }

    /** A request (its header) that writes into an inode object: an index entry, or a B-tree's. */
    static boolean inodeWrite(byte[] h) {
        return (h[1] & 0xff) == Opcode.WRITE_OBJ && (Le.u64(h, 16) & ObjectId.INODE_BIT) != 0;
    }

    static boolean inodeRead(byte[] h) {
        return (h[1] & 0xff) == Opcode.READ_OBJ && (Le.u64(h, 16) & ObjectId.INODE_BIT) != 0;
    }

    /** Polls until done says so or the clock passes end (nanoTime); the caller asserts after. */
    static void awaitUntil(BooleanSupplier done, long end) throws InterruptedException {
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }
}
