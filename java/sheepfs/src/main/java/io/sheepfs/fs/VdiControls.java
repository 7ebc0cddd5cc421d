package io.sheepfs.fs;

import io.sheepfs.client.NewVdi;
import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import io.sheepfs.protocol.cluster.VdiState;
import io.sheepfs.protocol.header.VdiRequest;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** vdi/mount, vdi/unmount, vdi/create and vdi/unlock: write-only command files. */
final class VdiControls {
    private static final Logger LOG = LoggerFactory.getLogger(VdiControls.class);
    private static final byte[] EMPTY = new byte[0];

    private VdiControls() {
    }

    /** Base of the four: nothing to read. */
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
                volumes.attach(CommandText.name(data));
            }
        };
    }

    /** "NAME[\n]": detach volume/NAME. */
    static ControlFile unmount(Volumes volumes) {
        return new WriteOnly() {
            @Override
            public void write(byte[] data) throws FsException {
                volumes.detach(CommandText.name(data));
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
                String name = CommandText.name(line.substring(0, sp));
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

    /**
     * "NAME[\n]": releases the lock of the working VDI NAME as `dog vdi lock unlock NAME` does
     * (GET_VDI_INFO, GET_VDI_COPIES for its lock state, RELEASE_VDI of that type), so that a
     * mount that died holding it no longer keeps others out. EBUSY if NAME is attached here
     * (detach it instead), ENOLCK if it is not locked.
     */
    static ControlFile unlock(SheepClient client, Volumes volumes) {
        return new WriteOnly() {
            @Override
            public void write(byte[] data) throws FsException {
                String name = CommandText.name(data);
                if (volumes.isAttached(name)) {
                    throw new FsException(Errno.EBUSY, "volume/" + name + " is attached here: write its name to "
                            + "vdi/unmount to release its lock");
                }
                try {
                    int vid = client.lookupVdi(name).vid();
                    VdiState state = null;
                    for (VdiState s : client.vdiStates()) {
                        if (s.vid() == vid) {
                            state = s;
                        }
                    }
                    if (state == null) {
                        throw new FsException(Errno.EIO, "sheep lists no state of VDI " + CommandText.printable(name));
                    }
                    int type = switch (state.lockState()) {
                        case VdiState.LOCK_LOCKED -> VdiRequest.LOCK_NORMAL;
                        case VdiState.LOCK_SHARED -> VdiRequest.LOCK_SHARED;
                        default -> throw new FsException(Errno.ENOLCK, "VDI " + CommandText.printable(name)
                                + " is not locked");
                    };
                    client.releaseVdi(vid, type);
                    LOG.info("released the {} lock of VDI {} (vid {})", type == VdiRequest.LOCK_NORMAL ? "normal"
                            : "shared", name, Integer.toHexString(vid));
                } catch (IOException e) {
                    throw ResultErrno.of("unlock " + CommandText.printable(name), e);
                }
            }
        };
    }
}
