package io.sheepfs.view;

import io.sheepfs.client.VdiSummary;
import io.sheepfs.protocol.format.DogFormat;
import io.sheepfs.protocol.vdi.InodeHeader;
import java.time.ZoneId;
import java.util.List;

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
            // "%c %-8s %5d %7s %7s %7s %s  %7x %6s %13s %3u\n", built by hand: String.format
            // costs more than the rest of the rendering for a thousand rows
            sb.append(h.isSnapshot() ? 's' : h.isClone() ? 'c' : ' ').append(' ');
            sb.append(CText.left(h.name(), 8)).append(' ');
            sb.append(CText.right(Long.toString(h.isSnapshot() ? Integer.toUnsignedLong(h.snapId()) : 0L), 5))
                    .append(' ');
            sb.append(CText.right(DogFormat.size(h.vdiSize()), 7)).append(' ');
            sb.append(CText.right(DogFormat.size(v.usedBytes()), 7)).append(' ');
            sb.append(CText.right(DogFormat.size(v.sharedBytes()), 7)).append(' ');
            sb.append(DogFormat.dateMinutes(h.createSeconds(), zone)).append("  ");
            sb.append(CText.right(Integer.toHexString(h.vdiId()), 7)).append(' ');
            sb.append(CText.right(DogFormat.copies(h.nrCopies(), h.copyPolicy()), 6)).append(' ');
            sb.append(CText.right(h.tag(), 13)).append(' ');
            sb.append(CText.right(Integer.toString(h.blockSizeShift()), 3)).append('\n');
        }
        return sb.toString();
    }
}
