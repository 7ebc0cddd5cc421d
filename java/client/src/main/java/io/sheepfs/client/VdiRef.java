package io.sheepfs.client;

/**
 * What a VDI lookup or creation answers.
 *
 * @param vid            the VDI id (24 bits)
 * @param copies         its number of copies
 * @param blockSizeShift object size = 1 << blockSizeShift
 */
public record VdiRef(int vid, int copies, int blockSizeShift) {
}
