package io.sheepfs.fs;

import io.sheepfs.nativeio.FuseException;
import io.sheepfs.nativeio.FuseSession;
import io.sheepfs.nativeio.VolumeInfo;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The production {@link VolumeAttacher}: hands volumes to the native core of a mounted
 * {@link FuseSession}. The session is bound after mounting (the tree's callbacks are needed to
 * mount), so until {@link #bind} attaching fails with EIO. Also follows gateway switches.
 */
public final class SessionAttacher implements VolumeAttacher, Consumer<InetSocketAddress> {
    private volatile FuseSession session;

    public void bind(FuseSession s) {
        this.session = s;
    }

    @Override
    public AttachedVolume attach(long ino, String name, int vid) throws FsException {
        try {
            VolumeInfo info = live().attachVolume(ino, name, vid);
            return new AttachedVolume(info.size(), Integer.numberOfTrailingZeros(info.objectSize()));
        } catch (FuseException e) {
            throw new FsException(e.errno(), e.getMessage(), e);
        }
    }

    @Override
    public void detach(VolumeNode volume) throws FsException {
        try {
            live().detachVolume(volume.ino());
        } catch (FuseException e) {
            if (e.errno() == FuseException.EBUSY) {
                throw new FsException(e.errno(), "volume/" + volume.name() + " is open: close it first", e);
            }
            throw new FsException(e.errno(), e.getMessage(), e);
        }
    }

    /** config/sheep_info switched the gateway: the data path follows. */
    @Override
    public void accept(InetSocketAddress gateway) {
        FuseSession s = session;
        if (s == null) {
            return;
        }
        String host = gateway.getAddress() != null ? gateway.getAddress().getHostAddress() : gateway.getHostString();
        try {
            // the new gateway first; the ones known before stay behind it as fallbacks
            s.setGateway(withFallbacks((host.contains(":") ? "[" + host + "]" : host) + ":" + gateway.getPort(),
                    s.gateway()));
        } catch (FuseException e) {
            org.slf4j.LoggerFactory.getLogger(SessionAttacher.class)
                    .error("volume data path did not follow the gateway switch to {}: {}", gateway, e.getMessage());
        }
    }

    /** {@code first}, then the gateways of {@code previous} ("h:p,h:p") not already named; at most 16 (the pool's limit). */
    static String withFallbacks(String first, String previous) {
        java.util.Set<String> list = new java.util.LinkedHashSet<>();
        list.add(first);
        for (String g : previous.split(",")) {
            if (!g.isBlank() && list.size() < 16) {
                list.add(g.strip());
            }
        }
        return String.join(",", list);
    }

    private FuseSession live() throws FsException {
        FuseSession s = session;
        if (s == null) {
            throw new FsException(Errno.EIO, "file system not mounted yet");
        }
        return s;
    }
}
