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
        Fuse.require();
        Path store = dir.resolve("store");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Path log = dir.resolve("sheepfs.log");
        List<String> cmd = new ArrayList<>(List.of(Repo.sheepfs(), "-f", "--local", store.toString()));
        cmd.addAll(List.of(extra));
        cmd.add(mnt.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        SheepfsMount m = new SheepfsMount(store, mnt, log, p);
        m.awaitReady(Duration.ofSeconds(60));
        return m;
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
