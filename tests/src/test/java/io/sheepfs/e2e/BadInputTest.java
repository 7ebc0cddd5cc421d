package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input to the control files gets a clean errno (seen here as the IOException's strerror text)
 * and nothing else breaks: names are only ever data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    static final String ENOENT = "No such file or directory";
    static final String EINVAL = "Invalid argument";
    static final String ENAMETOOLONG = "File name too long";
    static final String EPERM = "Operation not permitted";

    Path dir;
    SheepfsMount m;

    @BeforeAll
    void mount() throws Exception {
        dir = Files.createTempDirectory("sheepfs-badinput-");
        m = SheepfsMount.local(dir);
        m.createAndAttach("good", "16M");
    }

    @AfterAll
    void unmount() throws Exception {
        m.close();
        Sh.run(60, "rm", "-rf", dir.toString());
    }

    private String errno(String file, byte[] data) {
        try (FileOutputStream out = new FileOutputStream(m.path(file).toFile())) {
            out.write(data);
            return "OK";
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private void assertStillServing() throws IOException {
        assertTrue(m.read("vdi/list").contains("good"));
        assertTrue(Files.exists(m.path("volume/good")));
    }

    @Test
    void unknownVdiIsEnoent() throws IOException {
        assertTrue(errno("vdi/mount", "nosuch\n".getBytes()).contains(ENOENT));
        assertTrue(errno("vdi/unmount", "nosuch\n".getBytes()).contains(ENOENT));
        assertStillServing();
    }

    @Test
    void shellMetacharactersAreOnlyData() throws IOException {
        // sheepfs runs in this test's working directory: a relative 'touch' would land here
        Path canary = Path.of("pwned").toAbsolutePath();
        Files.deleteIfExists(canary);
        String name = "x;touch pwned $(touch pwned) `touch pwned` |touch pwned & *?<>'\"";
        assertErrno(ENOENT, "vdi/mount", (name + "\n").getBytes(StandardCharsets.UTF_8));
        assertErrno(EINVAL, "vdi/create", "a|b 1G;touch pwned".getBytes());
        // with a '/' it cannot be a file name under volume/
        assertErrno(EINVAL, "vdi/mount", "../../etc/passwd\n".getBytes());
        assertFalse(Files.exists(canary), "a name was executed");
        assertStillServing();
    }

    @Test
    void newlinesNonUtf8AndOverlongNamesAreRejected() throws IOException {
        assertErrno(EINVAL, "vdi/mount", "two\nlines\n".getBytes());
        assertErrno(EINVAL, "vdi/mount", new byte[] {'a', (byte) 0xff, (byte) 0xfe, '\n'});
        assertErrno(ENAMETOOLONG, "vdi/mount", ("a".repeat(300) + "\n").getBytes());
        assertErrno(ENAMETOOLONG, "vdi/create", ("b".repeat(300) + " 1G").getBytes());
        assertStillServing();
    }

    private void assertErrno(String want, String file, byte[] data) {
        String got = errno(file, data);
        assertTrue(got.contains(want), file + " <- " + new String(data, StandardCharsets.ISO_8859_1).replace("\n", "\\n") + ": wanted '" + want + "', got '" + got + "'");
    }

    /** Names come from the control files: making or removing one by hand is EPERM and logged. */
    @Test
    void namesAreNotMadeOrRemovedByHand() throws Exception {
        String mnt = m.mnt.toAbsolutePath().toString();
        List<String> commands = List.of(
                "touch " + mnt + "/volume/new",
                "mkdir " + mnt + "/volume/dir",
                "mknod " + mnt + "/vdi/fifo p",
                "ln -s good " + mnt + "/volume/link",
                "ln " + mnt + "/vdi/list " + mnt + "/vdi/list2",
                "rm " + mnt + "/volume/good",
                "rmdir " + mnt + "/config",
                "mv " + mnt + "/volume/good " + mnt + "/volume/other",
                "touch " + mnt + "/volume/$'two\\nlines'");
        for (String cmd : commands) {
            Sh.Result r = Sh.run(30, "bash", "-c", cmd);
            assertTrue(r.rc() != 0 && r.out().contains(EPERM), cmd + " (rc " + r.rc() + "): " + r.out());
        }
        for (String gone : List.of("volume/new", "volume/dir", "vdi/fifo", "volume/link", "vdi/list2", "volume/other")) {
            assertFalse(Files.exists(m.path(gone)), gone);
        }
        assertTrue(Files.isDirectory(m.path("config")));
        assertTrue(m.log().contains("sheepfs: unlink \"good\": not permitted"), m.log());
        assertTrue(m.log().contains("sheepfs: create \"two?lines\": not permitted"), m.log()); // one line
        assertStillServing();
    }

    @Test
    void createSyntaxErrorsAreEinval() throws IOException {
        assertTrue(errno("vdi/create", "onlyname".getBytes()).contains(EINVAL));
        assertTrue(errno("vdi/create", "n1 10Q".getBytes()).contains(EINVAL));
        assertTrue(errno("vdi/create", "n2 -5G".getBytes()).contains(EINVAL));
        assertTrue(errno("vdi/create", "n3 1G extra".getBytes()).contains(EINVAL));
        assertEquals("OK", errno("vdi/create", "n4 10M\n".getBytes(StandardCharsets.UTF_8)));
        assertTrue(errno("vdi/create", "n4 10M\n".getBytes()).contains("File exists"));
        assertStillServing();
    }

    /** What one open writes is one command, run once whole: never its pieces. */
    @Test
    void aCommandWrittenInPiecesRunsOnceWhole() throws Exception {
        try (FileOutputStream out = new FileOutputStream(m.path("vdi/create").toFile())) {
            out.write("spl".getBytes());
            out.write("it 1M".getBytes());
            out.write("\n".getBytes());
        }
        String list = m.read("vdi/list");
        assertTrue(list.contains(" split "), list);
        assertFalse(list.contains(" it "), list);
        // written without a newline, it runs at close, and close(2) says how it went (bash does
        // not look at what close returns: FileOutputStream.close does)
        assertErrno(ENOENT, "vdi/mount", "nosuch".getBytes());
        assertEquals(0, Sh.run(30, "bash", "-c", "printf split > " + m.path("vdi/mount")).rc());
        assertTrue(Files.exists(m.path("volume/split")));
        // names read alike everywhere
        assertEquals("OK", errno("vdi/unmount", " split \n".getBytes()));
        assertFalse(Files.exists(m.path("volume/split")));
        assertStillServing();
    }

    @Test
    void configFlagsTakeOnlyZeroOrOne() throws IOException {
        for (String bad : List.of("2\n", "-1\n", "on\n")) {
            assertErrno(EINVAL, "config/page_cache", bad.getBytes());
        }
        assertEquals("0\n", m.read("config/page_cache"));
    }

    @Test
    void sheepInfoRejectsGarbage() throws IOException {
        String before = m.read("config/sheep_info");
        assertTrue(errno("config/sheep_info", "not an address\n".getBytes()).contains(EINVAL));
        assertTrue(errno("config/sheep_info", "127.0.0.1:99999\n".getBytes()).contains(EINVAL));
        assertEquals(before, m.read("config/sheep_info"));
        assertStillServing();
    }
}
