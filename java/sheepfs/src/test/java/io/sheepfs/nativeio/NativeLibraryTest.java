package io.sheepfs.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {
    @Test
    void loadsFromTheJarResourcesAndAnswers() {
        SheepfsNative.load();
        String v = SheepfsNative.version();
        assertTrue(v.startsWith("sheepfs-native (libfuse 3."), v);
    }

    /** A fresh JVM loads the library and leaves no extracted copy behind, even while it still runs. */
    @Test
    void theExtractedCopyIsGoneOnceLoaded(@TempDir Path tmp) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dsheepfs.native.tmpdir=" + tmp, Probe.class.getName(), tmp.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("loaded, 0 entries left"), out);
    }

    /** Run in a child JVM: loads, then lists the extraction directory before exiting. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            SheepfsNative.load();
            SheepfsNative.version();
            try (Stream<Path> s = Files.list(Path.of(args[0]))) {
                System.out.println("loaded, " + s.count() + " entries left");
            }
        }
    }
}
