package io.sheepfs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options of sheepfs: the original short ones, plus long ones. */
@Command(name = "sheepfs", mixinStandardHelpOptions = true, versionProvider = Version.class,
        sortOptions = false,
        description = "A pseudo file system that exports Sheepdog's internal state and its volumes.",
        footer = {"", "See sheepfs(8)."})
public final class SheepfsCommand implements Callable<Integer> {
    @Option(names = {"-a", "--address"}, paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "sheep address (default: ${DEFAULT-VALUE})")
    String address;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "7000",
            description = "sheep port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = {"-d", "--debug"}, description = "enable debug output (implies -f)")
    boolean debug;

    @Option(names = {"-f", "--foreground"}, description = "run in the foreground")
    boolean foreground;

    @Option(names = {"-k", "--pagecache"}, description = "use the local kernel's page cache for volumes")
    boolean pageCache;

    @Option(names = {"-o", "--objectcache"}, description = "enable the object cache of the connected sheep")
    boolean objectCache;

    @Option(names = "--local", paramLabel = "DIR",
            description = "run an embedded single-node sheep on DIR and mount it")
    Path local;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", arity = "0..1", description = "where to mount")
    Path mountPoint;

    @Override
    public Integer call() {
        if (mountPoint == null) {
            System.err.println("sheepfs: missing MOUNTPOINT (see sheepfs --help)");
            return 64;
        }
        System.err.println("sheepfs: mounting is not implemented in this build yet");
        return 1;
    }
}
