package io.sheepfs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command and captures its output; every call is bounded in time. */
final class Sh {
    record Result(int rc, String out) {}

    private Sh() {}

    static Result run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + List.of(cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs and fails unless the exit status is 0; returns the output. */
    static String ok(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Result r = run(timeoutSeconds, cmd);
        if (r.rc() != 0) {
            throw new AssertionError("command failed (rc=" + r.rc() + "): " + List.of(cmd) + "\n" + r.out());
        }
        return r.out();
    }

    static String bash(long timeoutSeconds, String script) throws IOException, InterruptedException {
        return ok(timeoutSeconds, "bash", "-euo", "pipefail", "-c", script);
    }
}
