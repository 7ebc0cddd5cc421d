package io.sheepfs.fs;

import io.sheepfs.client.NewVdi;
import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** vdi/mount, vdi/unmount and vdi/create: write-only command files. */
final class VdiControls {
    private static final Logger LOG = LoggerFactory.getLogger(VdiControls.class);
    private static final byte[] EMPTY = new byte[0];

    private VdiControls() {
    }

    /** Base of the three: nothing to read. */
    private abstract static class WriteOnly implements ControlFile {
        @Override
        public byte[] content() {
            return EMPTY;
        }

        @Override
        public boolean readable() {
            return false;
        }
    }

    /** "NAME[\n]": attach the working VDI NAME as volume/NAME. */
    static ControlFile mount(Volumes volumes) {
        return new WriteOnly() {
            @Override
            public void write(byte[] data) throws FsException {
                volumes.attach(CommandText.line(data));
            }
        };
    }

    /** "NAME[\n]": detach volume/NAME. */
    static ControlFile unmount(Volumes volumes) {
        return new WriteOnly() {
            @Override
            public void write(byte[] data) throws FsException {
                volumes.detach(CommandText.line(data));
            }
        };
    }

    /** "NAME SIZE[\n]": create a VDI with the cluster's defaults (size in dog's syntax). */
    static ControlFile create(SheepClient client) {
        return new WriteOnly() {
            @Override
            public void write(byte[] data) throws FsException {
                String line = CommandText.line(data).strip();
                int sp = line.lastIndexOf(' ');
                if (sp <= 0) {
                    throw new FsException(Errno.EINVAL, "expected \"NAME SIZE\", got " + CommandText.printable(line));
                }
                String name = VdiName.check(line.substring(0, sp).strip());
                long size = SizeSyntax.parse(line.substring(sp + 1));
                if (size <= 0) {
                    throw new FsException(Errno.EINVAL, "size must be positive");
                }
                try {
                    int bss = client.clusterDefault().blockSizeShift();
                    long max = (1L << 20) << (bss == 0 ? 22 : bss);
                    if (size > max) {
                        throw new FsException(Errno.EFBIG, "size " + size + " exceeds the " + max
                                + "-byte limit of a VDI with 2^" + (bss == 0 ? 22 : bss) + "-byte objects");
                    }
                    VdiRef ref = client.createVdi(NewVdi.of(name, size));
                    LOG.info("created VDI {} ({} bytes, vid {})", name, size, Integer.toHexString(ref.vid()));
                } catch (IOException e) {
                    throw ResultErrno.of("create " + CommandText.printable(name), e);
                }
            }
        };
    }
}
