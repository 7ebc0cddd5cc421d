package io.sheepfs.server;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** ServerMain in its own JVM (test classpath), for kill -9 and signal tests. */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on [0-9.]+:(\\d+)");
    final Process process;
    final int port;
    final String firstLine;

    private ServerProcess(Process p, int port, String line) {
        this.process = p;
        this.port = port;
        this.firstLine = line;
    }

    static ServerProcess start(Path dir, String... extra) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp,
                "io.sheepfs.server.ServerMain", "--dir", dir.toString(), "--port", "0"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            throw new IOException("server exited before listening, rc " + waitFor(p));
        }
        Matcher m = LISTENING.matcher(line);
        if (!m.find()) {
            p.destroyForcibly();
            throw new IOException("unexpected first line: " + line);
        }
        return new ServerProcess(p, Integer.parseInt(m.group(1)), line);
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
