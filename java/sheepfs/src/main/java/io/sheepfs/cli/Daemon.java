package io.sheepfs.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Detaching from the terminal. A JVM cannot fork, so the parent re-executes this same program in
 * a new session (setsid) with {@code --daemon-child} and waits on the child's stdout, a pipe,
 * for one line: {@code READY} once a probe through the new mount succeeded, or
 * {@code FAILED <why>}. The parent then exits 0, or prints why and exits 1.
 */
final class Daemon {
    static final String CHILD_OPTION = "--daemon-child";
    private static final String READY = "READY";
    private static final String FAILED = "FAILED ";

    private Daemon() {}

    /** Parent side: start the detached child and wait for its verdict. */
    static int spawn(List<String> args, Path logFile, PrintStream err) {
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        if (logFile == null) {
            // no log file: the child's stderr goes to syslog through logger(1)
            cmd.addAll(List.of("bash", "-c", "exec \"$@\" 2> >(exec logger -t sheepfs >/dev/null 2>&1)", "sheepfs"));
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ProcessHandle.current().info().arguments().map(a -> jvmOptions(a)).orElse(List.of()));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add(CHILD_OPTION);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(logFile == null ? ProcessBuilder.Redirect.DISCARD
                        : ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            err.println("sheepfs: cannot start the background process: " + e.getMessage());
            return 1;
        }
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            // anything else the child prints before its verdict (a JVM warning, say) is passed on
            for (String line; (line = r.readLine()) != null; ) {
                if (line.equals(READY)) {
                    return 0;
                }
                if (line.startsWith(FAILED)) {
                    err.println("sheepfs: " + line.substring(FAILED.length()));
                    return 1;
                }
                err.println(line);
            }
            int rc = child.waitFor();
            err.println("sheepfs: the background process exited with status " + rc + " before the mount was ready"
                    + (logFile == null ? " (run with -f to see its messages)" : " (see " + logFile + ")"));
            return 1;
        } catch (IOException e) {
            err.println("sheepfs: lost the background process: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The JVM options of this process (everything before the main class), to give the child the same. */
    private static List<String> jvmOptions(String[] all) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            String a = all[i];
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
                i++;
                continue;
            }
            if (!a.startsWith("-")) {
                break; // the main class: the rest are program arguments
            }
            out.add(a);
        }
        return out;
    }

    /** Child side: tell the parent the mount is ready, then let go of the pipe. */
    static void signalReady() {
        System.out.println(READY);
        System.out.flush();
        System.out.close();
    }

    /** Child side: tell the parent why the mount failed. */
    static void signalFailure(String why) {
        System.out.println(FAILED + why.replace('\n', ' '));
        System.out.flush();
        System.out.close();
    }
}
