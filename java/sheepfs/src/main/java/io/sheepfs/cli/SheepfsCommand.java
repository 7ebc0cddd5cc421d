package io.sheepfs.cli;

import io.sheepfs.client.Gateway;
import io.sheepfs.client.GatewayList;
import io.sheepfs.client.GatewayListException;
import io.sheepfs.nativeio.FuseSession;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Options of sheepfs: the original short ones, plus long ones. */
@Command(name = "sheepfs", mixinStandardHelpOptions = true, versionProvider = Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"A pseudo file system that exports Sheepdog's internal state (cluster/, vdi/, node/, "
                + "config/, http/) and its volumes (volume/NAME, attached by writing NAME to vdi/mount).",
            "Without -f it returns once the mount is ready, or prints why it failed and exits non-zero."},
        footer = {"", "Unmount with: fusermount3 -u MOUNTPOINT (or send SIGTERM). See sheepfs(8)."})
public final class SheepfsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--address"}, paramLabel = "ADDR[:PORT][,ADDR[:PORT]]...", defaultValue = "127.0.0.1",
            description = "sheep address, IPv4 or IPv6 (default: ${DEFAULT-VALUE}); or up to 8 gateways of one "
                    + "cluster, tried in order when one fails, IPv6 with a port as [::1]:7000; entries without "
                    + "a port use -p. A listed sheep of another cluster, or not formatted, refuses the mount")
    String address;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "7000",
            description = "sheep port, of the -a entries without one (default: ${DEFAULT-VALUE})")
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
            description = "start an embedded single-node sheep keeping its objects in DIR (formatted with one "
                    + "copy and VDI locking when new) on a free loopback port, and mount it; -a/-p are then "
                    + "ignored. One process per DIR: a second one exits naming the PID that holds DIR/lock")
    Path local;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "where the background process logs (default: syslog)")
    Path logFile;

    @Option(names = "--allow-other", description = "let other users access the mount")
    boolean allowOther;

    @Option(names = "--read-only", description = "mount read-only")
    boolean readOnly;

    @Option(names = "--uid", paramLabel = "UID", defaultValue = "-1",
            description = "owner of the files (default: the user running sheepfs)")
    int uid;

    @Option(names = "--gid", paramLabel = "GID", defaultValue = "-1",
            description = "group of the files (default: the group running sheepfs)")
    int gid;

    @Option(names = "--threads", paramLabel = "N", description = "maximum FUSE worker threads (default: 4 per CPU, at least 8)")
    int threads;

    @Option(names = "--clone-fd", description = "one /dev/fuse descriptor per FUSE worker thread")
    boolean cloneFd;

    @Option(names = "--connections", paramLabel = "N",
            description = "TCP connections to sheep for volume I/O, each with many requests in flight "
                    + "(default: one per CPU, at least 2)")
    int connections;

    @Option(names = "--piece-size", paramLabel = "SIZE", defaultValue = "256K", converter = PieceSizeConverter.class,
            description = "split volume requests into pieces of at most SIZE bytes, sent in parallel "
                    + "(K or M suffix; 0: whole objects; auto: sheepfs measures which of 64K to whole objects "
                    + "this cluster serves fastest, and how many to keep in flight per connection; default: 256K)")
    int pieceSize;

    @Option(names = "--readahead", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "read ahead for a program that reads a volume sequentially one request at a time "
                    + "with direct I/O (dd, cp, backups); a deep queue gets none (default: on; "
                    + "--no-readahead turns it off)")
    boolean readahead;

    @Option(names = "--io-uring",
            description = "serve FUSE requests over io_uring: one queue per CPU, served on that CPU "
                    + "(Linux 6.14+ with /sys/module/fuse/parameters/enable_uring set to Y; otherwise "
                    + "/dev/fuse serves, as without this option)")
    boolean ioUring;

    @Option(names = "--io-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "a volume read or write the cluster has not answered within SECONDS, through every "
                    + "reconnection and resend, fails with EIO (a silent gateway is left after half of it, "
                    + "1-10 s); 0 waits for ever (default: ${DEFAULT-VALUE})")
    int ioTimeout;

    @Option(names = Daemon.CHILD_OPTION, hidden = true)
    boolean daemonChild;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "an existing directory to mount on")
    Path mountPoint;

    @Override
    public Integer call() {
        System.setProperty("sheepfs.log.level", debug ? "DEBUG" : "INFO");
        if (port < 1 || port > 65535) {
            System.err.println("sheepfs: port " + port + " is out of range (1-65535)");
            return 64;
        }
        if (uid < -1 || gid < -1) {
            System.err.println("sheepfs: --uid and --gid take a number >= 0");
            return 64;
        }
        if (threads < 0 || threads > 1024) {
            System.err.println("sheepfs: --threads must be between 1 and 1024");
            return 64;
        }
        if (connections < 0 || connections > 64) {
            System.err.println("sheepfs: --connections must be between 1 and 64");
            return 64;
        }
        if (pieceSize != FuseSession.Options.AUTO_PIECE && pieceSize != 0
                && (pieceSize < 4096 || pieceSize > (64 << 20))) {
            System.err.println("sheepfs: --piece-size must be auto, 0 or between 4K and 64M");
            return 64;
        }
        if (ioTimeout < 0 || ioTimeout > FuseSession.Options.MAX_IO_TIMEOUT) {
            System.err.println("sheepfs: --io-timeout must be between 0 and " + FuseSession.Options.MAX_IO_TIMEOUT);
            return 64;
        }
        List<Gateway> gateways;
        try {
            gateways = GatewayList.parse(address, port);
        } catch (GatewayListException e) {
            System.err.println("sheepfs: -a: " + e.getMessage());
            return 64;
        }
        Mount.Plan plan = new Mount.Plan(mountPoint, gateways,
                local == null ? null : local.toAbsolutePath().normalize(),
                pageCache, objectCache, allowOther, readOnly, uid, gid, threads, cloneFd, connections, pieceSize,
                readahead, ioUring, ioTimeout);
        if (daemonChild) {
            return Mount.run(plan, new Mount.Readiness() {
                @Override
                public void ready() {
                    Daemon.signalReady();
                }

                @Override
                public void failed(String why) {
                    Daemon.signalFailure(why);
                }
            });
        }
        if (foreground || debug) {
            return Mount.run(plan, new Mount.Readiness() {
                @Override
                public void ready() {}

                @Override
                public void failed(String why) {
                    System.err.println("sheepfs: " + why);
                }
            });
        }
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return Daemon.spawn(args, logFile == null ? null : logFile.toAbsolutePath(), System.err);
    }
}
