package io.sheepfs.server;

import io.sheepfs.server.store.StoreLockedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code sheepfs-server --dir DIR [--address A] [--port P] [--nosync]}: a single-node sheep in the foreground. */
@Command(name = "sheepfs-server", mixinStandardHelpOptions = true,
        description = "Single-node Sheepdog 1.0 server over a local object directory.")
public final class ServerMain implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "store directory (created if missing); one process "
            + "per directory: a second one exits naming the PID that holds DIR/lock")
    Path dir;

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "listen address (default ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--port", defaultValue = "7000", description = "listen port, 0 = any free (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--nosync", description = "acknowledge writes before they are on disk (faster, unsafe on power loss)")
    boolean nosync;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        ServerConfig cfg = new ServerConfig(dir, address, port, !nosync, ServerConfig.DEFAULT_STALL_TIMEOUT);
        EmbeddedSheep sheep;
        try {
            sheep = EmbeddedSheep.start(cfg);
        } catch (StoreLockedException e) {
            System.err.println("sheepfs-server: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            sheep.close();
            stopped.countDown();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "sheep-shutdown"));
        // 'dog cluster shutdown': answer it, then exit as sheep does
        sheep.sheep().onShutdown(() -> new Thread(stop, "sheep-shutdown-request").start());
        System.out.println("sheepfs-server listening on " + sheep.address().getAddress().getHostAddress() + ":"
                + sheep.port() + " dir " + dir + (nosync ? " (nosync)" : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        int rc = new CommandLine(new ServerMain()).execute(args);
        if (rc != 0) {
            System.exit(rc);
        }
    }

}
