package io.sheepfs.fs;

import io.sheepfs.client.SheepClient;
import io.sheepfs.client.VdiRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The volume/ directory: attaching and detaching VDIs by name. One change at a time. */
public final class Volumes {
    private static final Logger LOG = LoggerFactory.getLogger(Volumes.class);

    private final Tree tree;
    private final DirNode dir;
    private final SheepClient client;
    private final VolumeAttacher attacher;

    public Volumes(Tree tree, DirNode dir, SheepClient client, VolumeAttacher attacher) {
        this.tree = tree;
        this.dir = dir;
        this.client = client;
        this.attacher = attacher;
    }

    /**
     * Attaches the working VDI {@code name} as volume/NAME (never one of its snapshots); a
     * name that is already attached is left as it is.
     */
    public synchronized VolumeNode attach(String name) throws FsException {
        VdiName.check(name);
        if (dir.child(name) instanceof VolumeNode v) {
            return v;
        }
        VdiRef ref;
        try {
            ref = client.lookupVdi(name);
        } catch (IOException e) {
            throw ResultErrno.of("attach " + CommandText.printable(name), e);
        }
        long ino = tree.allocateIno();
        AttachedVolume a = attacher.attach(ino, name, ref.vid());
        VolumeNode v = new VolumeNode(ino, name, ref.vid(), a.size(), a.blockSizeShift());
        tree.addVolume(dir, v);
        LOG.info("attached VDI {} (vid {}, {} bytes, object size 2^{}) as volume/{}", name,
                Integer.toHexString(ref.vid()), a.size(), a.blockSizeShift(), name);
        return v;
    }

    /** Detaches volume/NAME; ENOENT if it is not attached. */
    public synchronized void detach(String name) throws FsException {
        VdiName.check(name);
        if (!(dir.child(name) instanceof VolumeNode v)) {
            throw new FsException(Errno.ENOENT, "no attached volume " + CommandText.printable(name));
        }
        attacher.detach(v);
        tree.remove(dir, v);
        LOG.info("detached volume/{}", name);
    }

    /** True if volume/NAME is attached by this mount. */
    public boolean isAttached(String name) {
        return dir.child(name) instanceof VolumeNode;
    }

    public List<VolumeNode> attached() {
        List<VolumeNode> out = new ArrayList<>();
        for (Node n : dir.children()) {
            if (n instanceof VolumeNode v) {
                out.add(v);
            }
        }
        return out;
    }
}
