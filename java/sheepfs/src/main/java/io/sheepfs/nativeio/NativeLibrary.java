package io.sheepfs.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Extracts libsheepfs_native.so from the jar (META-INF/native/linux-x86_64/) into a private
 * temporary directory and loads it. Every failure names its cause and the fix, because a JVM's
 * own UnsatisfiedLinkError rarely does.
 */
public final class NativeLibrary {
    static final String LIBRARY = "libsheepfs_native.so";
    private static volatile boolean loaded;

    private NativeLibrary() {}

    public static synchronized void load() {
        if (loaded) {
            return;
        }
        String platform = platform();
        String resource = "/META-INF/native/" + platform + "/" + LIBRARY;
        String override = System.getProperty("sheepfs.native.path");
        Path file;
        if (override != null) {
            file = Path.of(override);
        } else {
            file = extract(resource, platform);
        }
        try {
            System.load(file.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLoadException(explain(file, e), e);
        } finally {
            if (override == null) {
                // the mapping outlives the file: delete it now, since deleteOnExit never runs when
                // the process is killed (and killed mounts left hundreds of copies in /tmp)
                deleteQuietly(file);
                deleteQuietly(file.getParent());
            }
        }
        loaded = true;
    }

    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux")) {
            throw new NativeLoadException("sheepfs runs on Linux only (this is " + os + ")", null);
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64" -> "linux-aarch64";
            default -> "linux-" + arch;
        };
    }

    private static Path extract(String resource, String platform) {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NativeLoadException("this sheepfs build has no native library for " + platform
                        + " (" + resource + " is not in the jar): rebuild with 'mvn -B package' on this machine", null);
            }
            Path dir = tempDir();
            Path file = dir.resolve(LIBRARY);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new NativeLoadException("cannot extract the native library to a temporary directory ("
                    + e + "): set -Djava.io.tmpdir or TMPDIR to a writable directory", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for deleteOnExit
        }
    }

    private static Path tempDir() throws IOException {
        String base = System.getProperty("sheepfs.native.tmpdir", System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(Path.of(base), "sheepfs-native-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    private static String explain(Path file, UnsatisfiedLinkError e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("libfuse3")) {
            return "cannot load the native library: libfuse3 is missing (apt-get install fuse3): " + msg;
        }
        if (msg.contains("failed to map segment") || msg.contains("operation not permitted")) {
            return "cannot load " + file + ": its directory is probably mounted noexec; set TMPDIR "
                    + "(or -Dsheepfs.native.tmpdir) to a directory that allows executables: " + msg;
        }
        return "cannot load the native library " + file + ": " + msg;
    }
}
