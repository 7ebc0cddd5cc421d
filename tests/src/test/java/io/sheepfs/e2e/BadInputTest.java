package io.sheepfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the control files gets a clean errno (seen here as the IOException's strerror text)
 * and nothing else breaks: names are only ever data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    static final String ENOENT = "No such file or directory";
    static final String EINVAL = "Invalid argument";

    @TempDir
    Path dir;
    SheepfsMount m;

    @BeforeAll
    void mount() throws Exception {
        m = SheepfsMount.local(dir);
        m.createAndAttach("good", "16M");
    }

    @AfterAll
    void unmount() throws Exception {
        m.close();
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
        Path canary = dir.resolve("pwned");
        String name = "x; touch " + canary + " $(touch " + canary + ") `touch " + canary + "`";
        assertTrue(errno("vdi/mount", (name + "\n").getBytes()).contains(ENOENT));
        assertTrue(errno("vdi/create", ("a|b 1G;touch " + canary).getBytes()).contains(EINVAL));
        assertFalse(Files.exists(canary), "a name was executed");
        assertStillServing();
    }

    @Test
    void newlinesNonUtf8AndOverlongNamesAreRejected() throws IOException {
        assertTrue(errno("vdi/mount", "two\nlines\n".getBytes()).contains(EINVAL));
        assertTrue(errno("vdi/mount", new byte[] {'a', (byte) 0xff, (byte) 0xfe, '\n'}).contains(EINVAL));
        assertTrue(errno("vdi/mount", ("a".repeat(300) + "\n").getBytes()).contains(EINVAL));
        assertTrue(errno("vdi/create", ("b".repeat(300) + " 1G").getBytes()).contains(EINVAL));
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

    @Test
    void sheepInfoRejectsGarbage() throws IOException {
        String before = m.read("config/sheep_info");
        assertTrue(errno("config/sheep_info", "not an address\n".getBytes()).contains(EINVAL));
        assertTrue(errno("config/sheep_info", "127.0.0.1:99999\n".getBytes()).contains(EINVAL));
        assertEquals(before, m.read("config/sheep_info"));
        assertStillServing();
    }
}
