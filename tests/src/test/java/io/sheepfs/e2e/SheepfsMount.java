package io.sheepfs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real sheepfs mount on the embedded sheep, run through the launcher in the foreground (-f) so
 * the test owns the process. Ready once a probe through the mount answers.
 */
final class SheepfsMount implements AutoCloseable {
    final Path store;
    final Path mnt;
    final Path log;
    final Process process;

    private SheepfsMount(Path store, Path mnt, Path log, Process process) {
        this.store = store;
        this.mnt = mnt;
        this.log = log;
        this.process = process;
    }

    static SheepfsMount local(Path dir, String... extra) throws IOException, InterruptedException {
        Path store = dir.resolve("store");
        List<String> args = new ArrayList<>(List.of("--local", store.toString()));
        args.addAll(List.of(extra));
        return start(store, Files.createDirectories(dir.resolve("mnt")), dir.resolve("sheepfs.log"), args);
    }

    /**
     * A second mount, on mount point DIR/NAME, of the sheep at 127.0.0.1:PORT (for example
     * the embedded sheep of another mount: {@link #sheepPort}); its log is DIR/NAME.log.
     */
    static SheepfsMount remote(Path dir, String name, int port, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-a", "127.0.0.1", "-p", String.valueOf(port)));
        args.addAll(List.of(extra));
        return start(null, Files.createDirectories(dir.resolve(name)), dir.resolve(name + ".log"), args);
    }

    /** A mount, on DIR/NAME, of the sheep at the gateways of {@code list} (-a's syntax); its log is DIR/NAME.log. */
    static SheepfsMount gateways(Path dir, String name, String list, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-a", list));
        args.addAll(List.of(extra));
        return start(null, Files.createDirectories(dir.resolve(name)), dir.resolve(name + ".log"), args);
    }

    private static SheepfsMount start(Path store, Path mnt, Path log, List<String> args)
            throws IOException, InterruptedException {
        Fuse.require();
        List<String> cmd = new ArrayList<>(List.of(Repo.sheepfs(), "-f"));
        cmd.addAll(args);
        cmd.add(mnt.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        SheepfsMount m = new SheepfsMount(store, mnt, log, p);
        m.awaitReady(Duration.ofSeconds(60));
        return m;
    }

    /** The port of the sheep this mount uses (config/sheep_info), e.g. its embedded one. */
    int sheepPort() throws IOException {
        String info = read("config/sheep_info").lines().findFirst().orElse("").strip();
        return Integer.parseInt(info.substring(info.lastIndexOf(':') + 1));
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("sheepfs exited (" + process.exitValue() + ") before the mount was ready:\n" + log());
            }
            if (isMounted() && Files.exists(mnt.resolve("cluster/info"))) {
                return;
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IOException("sheepfs did not mount within " + timeout + ":\n" + log());
    }

    boolean isMounted() throws IOException {
        String target = " " + mnt.toAbsolutePath() + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(target) && line.contains("fuse.sheepfs")) {
                return true;
            }
        }
        return false;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    Path path(String rel) {
        return mnt.resolve(rel);
    }

    String read(String rel) throws IOException {
        return Files.readString(path(rel), StandardCharsets.UTF_8);
    }

    /** Writes to a control file as `echo` would; returns normally or throws the errno's IOException. */
    void control(String rel, String text) throws IOException {
        Files.writeString(path(rel), text, StandardCharsets.UTF_8);
    }

    /** Writes to a control file: "OK", or the message of the errno it failed with. */
    String controlResult(String rel, String text) {
        try {
            control(rel, text);
            return "OK";
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    void createAndAttach(String name, String size) throws IOException {
        control("vdi/create", name + " " + size + "\n");
        control("vdi/mount", name + "\n");
    }

    /** Unmounts as a user would and waits for the process to exit. */
    int unmount() throws IOException, InterruptedException {
        if (isMounted()) {
            Sh.run(30, "fusermount3", "-u", mnt.toString());
        }
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("sheepfs did not exit within 30 s of the unmount:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive() || isMounted()) {
            try {
                unmount();
            } finally {
                if (isMounted()) {
                    Sh.run(30, "fusermount3", "-uz", mnt.toString());
                }
            }
        }
    }
}
