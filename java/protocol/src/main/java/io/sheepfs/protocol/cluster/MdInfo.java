package io.sheepfs.protocol.cluster;

import io.sheepfs.protocol.FixedString;
import io.sheepfs.protocol.Le;
import io.sheepfs.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.List;

/**
 * sd_md_info, the MD_INFO payload (263,688 bytes): 64 disk slots of 4,120 bytes {idx s32 @0,
 * free u64 @8, used u64 @16, path[4096] @24}, then nr s32 @263,680. {@code disks} holds nr slots.
 */
public record MdInfo(List<Disk> disks) {
    public static final int MAX_DISKS = 64;
    public static final int DISK_SIZE = 4120;
    public static final int PATH_LEN = 4096;
    public static final int SIZE = MAX_DISKS * DISK_SIZE + 8;

    /** One disk of a multi-disk node. */
    public record Disk(int idx, long free, long used, String path) {
    }

    public MdInfo {
        disks = List.copyOf(disks);
        ProtocolException.requireRange("md disks", disks.size(), MAX_DISKS);
    }

    public static MdInfo decode(byte[] b) {
        ProtocolException.requireLength("sd_md_info", b.length, SIZE);
        int nr = Le.i32(b, MAX_DISKS * DISK_SIZE);
        ProtocolException.requireRange("md nr", nr, MAX_DISKS);
        List<Disk> disks = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            int o = i * DISK_SIZE;
            disks.add(new Disk(Le.i32(b, o), Le.u64(b, o + 8), Le.u64(b, o + 16), FixedString.read(b, o + 24, PATH_LEN)));
        }
        return new MdInfo(disks);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < disks.size(); i++) {
            int o = i * DISK_SIZE;
            Disk d = disks.get(i);
            Le.put32(b, o, d.idx());
            Le.put64(b, o + 8, d.free());
            Le.put64(b, o + 16, d.used());
            FixedString.write(b, o + 24, PATH_LEN, d.path());
        }
        Le.put32(b, MAX_DISKS * DISK_SIZE, disks.size());
        return b;
    }
}
