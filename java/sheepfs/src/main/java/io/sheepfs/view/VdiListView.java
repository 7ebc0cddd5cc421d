package io.sheepfs.view;

import io.sheepfs.client.VdiSummary;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/** The text of `dog vdi list` (PROTOCOL.md 10.6): sheepfs's vdi/list. */
public final class VdiListView {
    static final String HEADER =
            "  Name        Id    Size    Used  Shared    Creation time   VDI id  Copies  Tag   Block Size Shift\n";

    private VdiListView() {
    }

    /** @param vdis live VDIs in ascending vid order (as {@code SheepClient.listVdis} returns them) */
    public static String render(List<VdiSummary> vdis, ZoneId zone) {
        StringBuilder sb = new StringBuilder(HEADER.length() + vdis.size() * 110).append(HEADER);
        for (VdiSummary v : vdis) {
            InodeHeader h = v.header();
            char mark = h.isSnapshot() ? 's' : h.isClone() ? 'c' : ' ';
            sb.append(String.format(Locale.ROOT, "%c %s %5d %7s %7s %7s %s  %7x %6s %s %3d\n", mark, CText.left(h.name(), 8),
                    h.isSnapshot() ? Integer.toUnsignedLong(h.snapId()) : 0L, DogFormat.size(h.vdiSize()),
                    DogFormat.size(v.usedBytes()), DogFormat.size(v.sharedBytes()),
                    DogFormat.dateMinutes(h.createSeconds(), zone), h.vdiId(),
                    DogFormat.copies(h.nrCopies(), h.copyPolicy()), CText.right(h.tag(), 13), h.blockSizeShift()));
        }
        return sb.toString();
    }
}
