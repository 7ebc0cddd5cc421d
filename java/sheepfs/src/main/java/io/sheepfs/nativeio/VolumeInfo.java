package io.sheepfs.nativeio;

/**
 * An attached volume as the native core sees it.
 *
 * @param vid the working VDI id it writes to (changes after a snapshot taken elsewhere)
 * @param allocatedObjects index entries that hold data (own or inherited from a parent)
 */
public record VolumeInfo(long ino, int vid, long size, int objectSize, boolean hyper, boolean snapshot,
                         long allocatedObjects, int copies) {
    static VolumeInfo of(long ino, long[] a) {
        return new VolumeInfo(ino, (int) a[0], a[1], (int) a[2], a[3] != 0, a[4] != 0, a[5], (int) a[6]);
    }
}
