package io.sheepfs.server;

import io.sheepfs.protocol.wire.WireCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real dog 1.0 CLI against this server, compared with what dog printed against real sheep.
 * Runs only when SHEEPFS_DOG names a dog binary (built by hand from sheepdog v1.0.1; never part
 * of this repository). Times, the listen port and disk sizes are normalized; everything else must
 * be identical, including the exit code.
 */
@EnabledIfEnvironmentVariable(named = "SHEEPFS_DOG", matches = ".+")
class RealDogTest {
    private static final byte[] PATTERN = pattern();

    @TempDir
    Path dir;

    private static byte[] pattern() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 3_000_000; i++) {
            sb.append(String.format("sheepfs-wire-%08d%n", i));
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), 3_000_000);
    }

    private record Run(byte[] out, int rc) {
        String text() {
            return new String(out, StandardCharsets.UTF_8) + "rc=" + rc + "\n";
        }
    }

    private static Run dog(int port, List<String> args, byte[] stdin) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getenv("SHEEPFS_DOG"));
        cmd.addAll(args);
        cmd.addAll(List.of("-p", Integer.toString(port)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // process gone
            }
        });
        reader.start();
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) {
                o.write(stdin);
            }
        } catch (IOException e) {
            // dog stopped reading
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("dog hung: " + args);
        }
        reader.join();
        return new Run(out.toByteArray(), p.exitValue());
    }

    /** What differs legitimately between the recording and this run. */
    private static String normalize(String s, int port) {
        return s.replaceAll("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)?", "DATE")
                .replaceAll("\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}", "CTIME")
                .replaceAll("(?<= )179\\d{7}(?= )", "SECONDS")
                .replace("127.0.0.1:" + port, "127.0.0.1:7010")
                .replaceAll("(?m)^( 0|Total)\\t[^\\t]+\\t[^\\t]+\\t[^\\t]+\\t +\\d+%", "$1\tSIZES");
    }

    private static List<String> args(String command) {
        String c = command.replaceAll("\\s+\\(.*\\)\\s*$", "").replaceAll("<.*$", "").trim();
        List<String> a = new ArrayList<>(Arrays.asList(c.split("\\s+")));
        a.remove(0); // "dog"
        return a;
    }

    @Test
    void oneNodeSessionPrintsWhatRealSheepMadeDogPrint() throws Exception {
        List<String> scenarios = List.of("fresh_cluster_info_unformatted", "fresh_vdi_list_unformatted",
                "fresh_vdi_create_unformatted", "fresh_cluster_format", "fresh_cluster_info",
                "fresh_vdi_create_dup1", "fresh_vdi_create_dup2", "fresh_vdi_create_bss", "fresh_vdi_create_hyper",
                "fresh_vdi_list", "fresh_node_info", "fresh_write_bss", "fresh_write_hyper", "fresh_vdi_list2",
                "fresh_read_bss", "fresh_read_hyper", "fresh_vdi_delete_missing");
        int same = 0;
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false))) {
            for (String name : scenarios) {
                WireCorpus.Scenario sc = WireCorpus.scenario(name);
                byte[] stdin = sc.command().contains("< pattern") ? PATTERN : null;
                Run r = dog(s.port(), args(sc.command()), stdin);
                if (sc.stdout().isEmpty()) {
                    // vdi read: binary output, the bytes the write put there
                    assertEquals(0, r.rc(), name);
                    assertArrayEquals(PATTERN, r.out(), name);
                } else {
                    assertEquals(normalize(sc.stdout().get(), s.port()), normalize(r.text(), s.port()), name);
                }
                same++;
            }
        }
        System.out.println("real dog: " + same + " of " + scenarios.size() + " commands print what they printed against real sheep");
    }

    /** The 5,000,000 random bytes dog wrote in vdi_write, from the recorded requests. */
    private static byte[] recordedRandom() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (WireCorpus.Exchange e : WireCorpus.scenario("vdi_write").exchanges()) {
            byte[] h = e.request().header();
            if (h[1] == io.sheepfs.protocol.Opcode.CREATE_AND_WRITE_OBJ) {
                out.writeBytes(e.request().payload().bytes());
            }
        }
        return out.toByteArray();
    }

    @Test
    void vdiCommandsOfTheThreeNodeSessionPrintTheSame() throws Exception {
        List<String> scenarios = List.of("vdi_list_before", "vdi_create", "vdi_create_prealloc", "vdi_write",
                "vdi_read", "vdi_snapshot", "vdi_write_after_snap_dummy", "vdi_write_cow", "vdi_clone",
                "vdi_list_after", "vdi_list_raw", "vdi_tree", "vdi_setattr", "vdi_getattr", "vdi_resize",
                "vdi_lock_list", "cluster_check_dummy", "node_recovery", "vdi_delete_clone", "vdi_delete_snap");
        byte[] random = recordedRandom();
        assertEquals(5_000_000, random.length);
        int same = 0;
        try (EmbeddedSheep s = EmbeddedSheep.start(ServerConfig.ephemeral(dir).withSync(false))) {
            int port = s.port();
            // the cluster as it was before the recording: 2 copies, 'test' and 't2' with 256 MB written
            assertEquals(0, dog(port, List.of("cluster", "format", "-c", "2"), "yes\n".getBytes()).rc());
            for (String v : List.of("test", "t2")) {
                assertEquals(0, dog(port, List.of("vdi", "create", v, "1G"), null).rc());
                assertEquals(0, dog(port, List.of("vdi", "write", v, "0", "256M"), new byte[256 << 20]).rc());
            }
            for (String name : scenarios) {
                WireCorpus.Scenario sc = WireCorpus.scenario(name);
                String cmd = sc.command();
                byte[] stdin = cmd.contains("random bytes") ? random : null;
                if (cmd.startsWith("printf HELLO-COW |")) {
                    stdin = "HELLO-COW".getBytes(StandardCharsets.US_ASCII);
                    cmd = cmd.substring(cmd.indexOf('|') + 1).trim();
                }
                Run r = dog(port, args(cmd), stdin);
                if (sc.stdout().isEmpty()) {
                    assertEquals(0, r.rc(), name);
                    if (name.equals("vdi_read")) {
                        assertArrayEquals(random, r.out(), name);
                    }
                } else {
                    assertEquals(normalize(sc.stdout().get(), port), normalize(r.text(), port), name);
                }
                same++;
            }
        }
        System.out.println("real dog: " + same + " of " + scenarios.size() + " vdi commands print what they printed against real sheep");
    }
}
