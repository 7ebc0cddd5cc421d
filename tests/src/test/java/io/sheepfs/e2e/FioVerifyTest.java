package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.nativeio.UringSwitch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fio's own data verification (crc32c headers in every block) through a real mount: libaio,
 * O_DIRECT, queue depth 16, random writes of 4 KiB and of mixed sizes straddling objects, then
 * every block read back; again after a remount (nothing served from memory); four jobs of
 * mixed random reads and writes at once; buffered writes with the page cache on (-k); the first and
 * the third over FUSE over io_uring. The job files are in src/test/resources/fio/.
 */
class FioVerifyTest {
    @TempDir
    Path dir;

    @Test
    void randomWritesAtQueueDepth16VerifyAndSurviveARemount() throws Exception {
        Path job = job("verify-qd16.fio");
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("fio", "1G");
            String out = fio(m, "fio", job);
            assertVerified(out, List.of("randwrite-4k", "randwrite-mixed"));
            assertEquals(0, m.unmount(), "sheepfs exit status");
        }
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.control("vdi/mount", "fio\n");
            String out = fio(m, "fio", job, "--verify_only");
            assertVerified(out, List.of("randwrite-4k", "randwrite-mixed"));
        }
    }

    @Test
    void bufferedWritesInPageCacheModeVerifyAndSurviveARemount() throws Exception {
        Path job = job("verify-pagecache.fio");
        try (SheepfsMount m = SheepfsMount.local(dir, "-k")) {
            m.createAndAttach("cached", "1G");
            assertVerified(fio(m, "cached", job), List.of("buffered-2jobs"));
            assertEquals(0, m.unmount(), "sheepfs exit status");
        }
        try (SheepfsMount m = SheepfsMount.local(dir, "-k")) {
            m.control("vdi/mount", "cached\n");
            assertVerified(fio(m, "cached", job, "--verify_only"), List.of("buffered-2jobs"));
        }
    }

    @Test
    void fourJobsOfMixedRandomReadsAndWritesVerify() throws Exception {
        try (SheepfsMount m = SheepfsMount.local(dir)) {
            m.createAndAttach("rw", "1G");
            String out = fio(m, "rw", job("verify-randrw-4jobs.fio"));
            assertVerified(out, List.of("randrw-4jobs"));
            assertTrue(out.contains("jobs=4"), "the four jobs did not run together:\n" + out);
        }
    }

    /** The same checks with FUSE over io_uring (--io-uring): each CPU's requests are taken by the
     * thread that also reads sheep's answers, which hands anything that may block (the attach, a
     * control write that waits for sheep) to a thread beside it. */
    @Test
    void overIoUringQueueDepth16AndFourJobsVerify() throws Exception {
        try (UringSwitch on = UringSwitch.on(); SheepfsMount m = SheepfsMount.local(dir, "--io-uring")) {
            m.createAndAttach("ring", "1G");
            assertVerified(fio(m, "ring", job("verify-qd16.fio")), List.of("randwrite-4k", "randwrite-mixed"));
            String out = fio(m, "ring", job("verify-randrw-4jobs.fio"));
            assertVerified(out, List.of("randrw-4jobs"));
            List<String> threads = threadNames(m.process.pid());
            assertTrue(threads.stream().anyMatch(t -> t.startsWith("sheepfs-slow")),
                    "no queue served by an I/O thread (threads: " + threads + ")\n" + m.log());
            long fetched = ringCompletions(m.process.pid());
            assertTrue(fetched > 10_000, "completions on the FUSE rings: " + fetched + "\n" + m.log());
            assertEquals(0, m.unmount(), "sheepfs exit status");
        }
    }

    private static List<String> threadNames(long pid) throws Exception {
        List<String> names = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    names.add(Files.readString(t.resolve("comm")).trim());
                } catch (java.nio.file.NoSuchFileException ended) {
                    // a thread that ended since the listing
                }
            }
        }
        return names;
    }

    /** What the kernel completed on the process's io_uring instances (its fdinfo's CqTail). */
    private static long ringCompletions(long pid) throws Exception {
        long sum = 0;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException gone) {
                    continue;
                }
                if (target.contains("io_uring")) {
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/" + fd.getFileName()))) {
                        if (line.startsWith("CqTail:")) {
                            sum += Long.parseLong(line.substring(7).trim());
                        }
                    }
                }
            }
        }
        return sum;
    }

    private Path job(String name) throws Exception {
        return Path.of(getClass().getResource("/fio/" + name).toURI());
    }

    /** Runs fio in the test's temporary directory (its verify state files go there, not into the checkout). */
    private String fio(SheepfsMount m, String volume, Path job, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("fio"));
        cmd.addAll(List.of(extra));
        cmd.add(job.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().put("SHEEPFS_VOLUME", m.path("volume/" + volume).toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fio did not finish in 120 s:\n" + out);
        }
        assertEquals(0, p.exitValue(), "fio failed (verification or I/O error):\n" + out + "\nsheepfs log:\n" + m.log());
        return out;
    }

    /** Every job ended with err=0 and read data back (the verify pass). */
    private static void assertVerified(String out, List<String> jobs) {
        for (String j : jobs) {
            Matcher r = Pattern.compile(Pattern.quote(j) + ": \\(groupid=\\d+, jobs=\\d+\\): err= 0:.*?\\n\\s+read: IOPS=[^\\n]*\\(([0-9.]+)([KMG]i)B/",
                    Pattern.DOTALL).matcher(out);
            assertTrue(r.find(), "job " + j + " did not finish cleanly with a verify pass:\n" + out);
            assertTrue(Double.parseDouble(r.group(1)) > 0, "job " + j + " verified nothing:\n" + out);
        }
        assertTrue(!out.contains("verify:"), "fio reported a verification problem:\n" + out);
    }
}
