package io.sheepfs.nativeio;

import static io.sheepfs.nativeio.VolumeFiles.MiB;
import static io.sheepfs.nativeio.VolumeFiles.random;
import static io.sheepfs.nativeio.VolumeFiles.read;
import static io.sheepfs.nativeio.VolumeFiles.readAt;
import static io.sheepfs.nativeio.VolumeFiles.run;
import static io.sheepfs.nativeio.VolumeFiles.write;
import static io.sheepfs.nativeio.VolumeFiles.writeAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.CountingProxy;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Readahead on a real mount: sequential reads are served from it and never stale, a deep queue
 * is not read ahead, and the option turns it off. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeReadaheadTest extends VolumeTestBase {
    /** A sequential reader is served from readahead, and never sees data older than a write or a
     * discard that completed before its read. */
    @Test
    void readaheadServesSequentialReadsAndNeverStaleData() throws Exception {
        byte[] old = attachedWithData("ra", 64L * MiB, 7, 24 * MiB);
        try (FileChannel r = FileChannel.open(vol("ra"), StandardOpenOption.READ);
             FileChannel w = FileChannel.open(vol("ra"), StandardOpenOption.WRITE)) {
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB), "MiB " + i);
            }
            long hits = session.stats().get("readahead_hits");
            assertTrue(hits >= 3, "sequential 1 MiB reads after the second are read ahead: " + hits + " hits");
            assertTrue(session.stats().get("readahead_bytes") >= 4L * MiB);

            // a write ahead of the reader, through another handle, completes before the reader gets there
            byte[] fresh = random(8, MiB);
            writeAt(w, 7L * MiB, fresh);
            assertArrayEquals(Arrays.copyOfRange(old, 6 * MiB, 7 * MiB), readAt(r, 6L * MiB, MiB));
            assertArrayEquals(fresh, readAt(r, 7L * MiB, MiB), "the write is seen, not the data read ahead before it");

            // reading on builds readahead again; a hole punched ahead of the reader reads as zeros
            for (int i = 8; i < 12; i++) {
                assertArrayEquals(Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB), "MiB " + i);
            }
            assertTrue(session.stats().get("readahead_hits") > hits, "readahead resumed after the write");
            run("fallocate", "--punch-hole", "--keep-size", "-o", String.valueOf(12L * MiB), "-l",
                    String.valueOf(4L * MiB), vol("ra").toString());
            assertArrayEquals(new byte[MiB], readAt(r, 12L * MiB, MiB), "the discard is seen");
            // a jump backwards, then sequential again, from the start: still the right bytes
            for (int i = 0; i < 4; i++) {
                byte[] want = i == 7 ? fresh : Arrays.copyOfRange(old, i * MiB, (i + 1) * MiB);
                assertArrayEquals(want, readAt(r, (long) i * MiB, MiB), "again MiB " + i);
            }
        }
        assertEquals(0, session.stats().get("errors"));
    }

    /** A reader that keeps a deep queue of sequential reads (fio, QEMU) has them pipelined already:
     * nothing is read ahead for it (that would only add a copy out of the chunks, and memory).
     * One read at a time still is. Sheep answers behind a proxy that takes 4 ms per MiB, as a
     * real cluster does: a queue is seen as deep by the reads it has waiting, and the embedded
     * sheep in this JVM could answer the first ones before the next arrive (under ASan, CI saw
     * the first chunks come back before fio's third read, and 28 MiB read ahead). */
    @Test
    void aDeepQueueOfSequentialReadsIsNotReadAhead() throws Exception {
        // Answers at 16 ms per MiB: the queue looks deep to sheepfs even when the machine is busy
        // (at 4 ms per MiB, under ASan on 2 loaded CPUs, fio's requests reached sheepfs so slowly
        // that the answers kept up and up to 28 MiB of 128 were read ahead).
        try (CountingProxy slow = startBehindProxy(16, FuseSession.Options.defaults())) {
            attachedWithData("deep", 128L * MiB, 9, 64 * MiB);
            long before = session.stats().get("readahead_bytes");
            run("fio", "--name=deep", "--filename=" + vol("deep"), "--rw=read", "--bs=1M", "--size=64M",
                    "--ioengine=libaio", "--iodepth=16", "--direct=1", "--output=/dev/null");
            long deep = session.stats().get("readahead_bytes") - before;
            // before the queue fills, a window or so may be read ahead
            assertTrue(deep <= 16L * MiB, "bytes read ahead for 64 MiB read at queue depth 16: " + deep);

            try (FileChannel r = FileChannel.open(vol("deep"), StandardOpenOption.READ)) {
                for (int i = 0; i < 8; i++) {
                    readAt(r, (long) i * MiB, MiB);
                }
            }
            long single = session.stats().get("readahead_bytes") - before - deep;
            System.out.println("read ahead: " + deep + " bytes for the queue of 16, " + single + " for one at a time");
            assertTrue(single >= 4L * MiB, "bytes read ahead for 8 MiB read one at a time: " + single);
            assertEquals(0, session.stats().get("errors"));
            // the chunks still read ahead get their answers before the proxy closes (a dropped
            // answer would hold the unmount until the request time-out)
            long end = System.nanoTime() + 10_000_000_000L;
            while (session.stats().get("inflight") > 0 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        }
    }

    @Test
    void withReadaheadOffSequentialReadsAreNotReadAhead() throws Exception {
        try (CountingProxy slow = startBehindProxy(4, FuseSession.Options.defaults().withReadahead(false))) {
            byte[] data = attachedWithData("off", 64L * MiB, 10, 8 * MiB);
            long before = session.stats().get("readahead_bytes");
            try (FileChannel r = FileChannel.open(vol("off"), StandardOpenOption.READ)) {
                for (int i = 0; i < 8; i++) {
                    assertArrayEquals(Arrays.copyOfRange(data, i * MiB, (i + 1) * MiB), readAt(r, (long) i * MiB, MiB));
                }
            }
            assertEquals(0, session.stats().get("readahead_bytes") - before, "bytes read ahead with readahead off");
            assertEquals(0, session.stats().get("errors"));
        }
    }
}
