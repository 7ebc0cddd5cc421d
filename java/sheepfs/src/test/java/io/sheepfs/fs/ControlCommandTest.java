package io.sheepfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.SheepResultException;
import io.sheepfs.protocol.Result;
import io.sheepfs.server.EmbeddedSheep;
import io.sheepfs.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control file runs what one open wrote as one command, once it is whole; every file reads a
 * VDI name the same way. Through {@link io.sheepfs.nativeio.FsCallbacks}, against a real
 * embedded sheep over TCP.
 */
class ControlCommandTest {
    @TempDir
    Path dir;

    private EmbeddedSheep sheep;
    private SheepClient client;
    private MemoryAttacher attacher;
    private FsClient c;

    @BeforeEach
    void start() throws IOException {
        sheep = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false));
        client = SheepClient.connect(sheep.address());
        client.format(1, 0, true);
        attacher = new MemoryAttacher(client);
        c = new FsClient(new SheepfsTree(client, attacher, new Settings(false, false), ZoneOffset.UTC, g -> { })
                .callbacks());
    }

    @AfterEach
    void stop() {
        client.close();
        sheep.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private boolean exists(String name) throws IOException {
        try {
            client.lookupVdi(name);
            return true;
        } catch (SheepResultException e) {
            assertEquals(Result.NO_VDI, e.result());
            return false;
        }
    }

    @Test
    void aCommandWrittenInPiecesRunsOnceWhole() throws IOException {
        assertEquals(1, c.writes("vdi/create", b("spl"), b("it 1M"), b("\n")));
        assertTrue(exists("split"));
        assertFalse(exists("it"));
        assertEquals(1, c.writes("vdi/mount", b("sp"), b("lit"), b("\n")));
        assertTrue(c.read("vdi/list").contains("split"));
        assertEquals(1, attacher.attached.size());
    }

    @Test
    void aCommandWithoutNewlineRunsAtCloseAndCloseCarriesItsErrno() throws IOException {
        assertEquals(2, c.writes("vdi/create", b("nl "), b("1M")));
        assertTrue(exists("nl"));
        assertEquals(-Errno.ENOENT, c.writes("vdi/mount", b("no"), b("such")));
        assertEquals(-Errno.EEXIST, c.writes("vdi/create", b("nl 1"), b("M")));
    }

    @Test
    void oneOpenIsOneCommand() throws IOException {
        assertEquals(-Errno.EINVAL, c.writes("vdi/create", b("a 1M\n"), b("b 1M\n")));
        assertTrue(exists("a"));
        assertFalse(exists("b"));
        assertEquals(-Errno.EINVAL, c.writes("vdi/create", b("c 1M\nd 1M\n")));
        assertFalse(exists("c"));
        assertFalse(exists("d"));
    }

    @Test
    void everyFileReadsNamesAlike() throws IOException {
        assertTrue(c.write("vdi/create", " a2  1M\n") > 0);
        assertTrue(exists("a2"));
        assertTrue(c.write("vdi/mount", " a2 \n") > 0);
        assertEquals("a2", attacher.attached.values().iterator().next().name());
        assertTrue(c.write("vdi/unmount", "a2 \n") > 0);
        assertTrue(attacher.attached.isEmpty());
        for (String file : new String[] {"vdi/mount", "vdi/unmount", "vdi/unlock", "vdi/create"}) {
            String arg = file.equals("vdi/create") ? " 1M" : "";
            assertEquals(-Errno.EINVAL, c.write(file, "   " + arg + "\n"), file);
            assertEquals(-Errno.ENAMETOOLONG, c.write(file, " " + "n".repeat(300) + arg + "\n"), file);
            assertEquals(-Errno.EINVAL, c.write(file, " x/y " + arg + "\n"), file);
        }
    }

    @Test
    void unlockReleasesAStaleLockAsDogDoes() throws IOException {
        assertTrue(c.write("vdi/create", "held 1M\n") > 0);
        int vid = client.lookupVdi("held").vid();
        // a client that died holding the lock: LOCK_VDI sent, never released
        assertEquals(Result.SUCCESS, client.transport().call(io.sheepfs.client.Request.write(
                io.sheepfs.protocol.Opcode.LOCK_VDI, 0, nameTag("held"),
                io.sheepfs.protocol.header.VdiRequest.lookup(0))).result());
        assertEquals(Result.VDI_LOCKED, client.transport().call(io.sheepfs.client.Request.write(
                io.sheepfs.protocol.Opcode.LOCK_VDI, 0, nameTag("held"),
                io.sheepfs.protocol.header.VdiRequest.lookup(0))).result());
        assertEquals(5, c.write("vdi/unlock", "held\n"));
        assertEquals(io.sheepfs.protocol.cluster.VdiState.LOCK_UNLOCKED, client.vdiStates().stream()
                .filter(s -> s.vid() == vid).findFirst().orElseThrow().lockState());
        assertEquals(-Errno.ENOLCK, c.write("vdi/unlock", "held\n"));
        assertEquals(-Errno.ENOENT, c.write("vdi/unlock", "nosuch\n"));
        // a volume attached here is released by detaching it, not behind its back
        assertTrue(c.write("vdi/mount", "held\n") > 0);
        assertEquals(-Errno.EBUSY, c.write("vdi/unlock", "held\n"));
    }

    private static byte[] nameTag(String name) {
        byte[] p = new byte[2 * io.sheepfs.protocol.FixedString.NAME_LEN];
        io.sheepfs.protocol.FixedString.write(p, 0, io.sheepfs.protocol.FixedString.NAME_LEN, name);
        return p;
    }
}
