package io.sheepfs.server.store;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/** The small cluster config file {@code DIR/config}, replaced atomically (temp + fsync + rename). */
public final class ClusterConfigFile {
    private static final int MAX_SIZE = 4096;
    private final Path file;
    private final Path dir;

    public ClusterConfigFile(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("config");
    }

    /** @return the stored config, or empty when the node was never formatted */
    public Optional<ClusterConfig> load() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (Files.size(file) > MAX_SIZE) {
            throw new IOException(file + " is larger than " + MAX_SIZE + " bytes: not a sheepfs-server config");
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        try {
            return Optional.of(new ClusterConfig(
                    Long.parseUnsignedLong(p.getProperty("ctime"), 16),
                    Integer.parseInt(p.getProperty("copies")),
                    Integer.parseInt(p.getProperty("copy_policy")),
                    Integer.parseInt(p.getProperty("flags")),
                    Integer.parseInt(p.getProperty("block_size_shift")),
                    p.getProperty("store"),
                    Integer.parseInt(p.getProperty("epoch")),
                    Long.parseLong(p.getProperty("epoch_time"))));
        } catch (RuntimeException e) {
            throw new IOException(file + " is malformed: " + e, e);
        }
    }

    public void save(ClusterConfig c) throws IOException {
        Properties p = new Properties();
        p.setProperty("ctime", Long.toHexString(c.ctime()));
        p.setProperty("copies", Integer.toString(c.nrCopies()));
        p.setProperty("copy_policy", Integer.toString(c.copyPolicy()));
        p.setProperty("flags", Integer.toString(c.flags()));
        p.setProperty("block_size_shift", Integer.toString(c.blockSizeShift()));
        p.setProperty("store", c.store());
        p.setProperty("epoch", Integer.toString(c.epoch()));
        p.setProperty("epoch_time", Long.toString(c.epochTime()));
        StringWriter w = new StringWriter();
        p.store(w, "sheepfs-server cluster config");
        byte[] bytes = w.toString().getBytes(StandardCharsets.UTF_8);
        Path tmp = dir.resolve("config.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
