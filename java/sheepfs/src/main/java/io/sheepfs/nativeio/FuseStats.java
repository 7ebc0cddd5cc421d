package io.sheepfs.nativeio;

/**
 * Counters of the native core since the session was created (a snapshot; see FuseSession.stats).
 * {@code writesPeak}: most volume writes in flight at once (more than 1 = the kernel let writers overlap).
 * {@code probes}/{@code adopted}: index re-reads before an allocation, and objects found allocated by
 * another client. {@code zeroCopyBytes}: bytes of volume writes sent from the buffer they arrived in (no copy).
 * {@code readaheadHits}: volume reads answered from data read ahead; {@code readaheadBytes}: bytes read ahead.
 * {@code sends}: socket writes that carried the {@code requests} (fewer when a burst went out together).
 * {@code readersPeak}: most FUSE workers reading /dev/fuse at once (at most Options.readers).
 * {@code uringRequests}: FUSE requests served over io_uring; {@code uringQueues}: its per-CPU queues that served any;
 * {@code uringDepth}: entries per queue; {@code uringRingBytes}: the entries' memory, all queues, and
 * {@code uringResidentBytes} how much of it is in RAM (all of it from the mount on: it is touched then);
 * {@code uringBatchedCommits}: replies an I/O thread committed together with others, in one system call.
 * {@code uringIoThreadRan}: requests the socket I/O thread of a queue's CPU ran itself (volume reads and
 * writes), {@code uringHandedOff}: requests it handed to that queue's thread for ops that may block.
 * {@code pieceRead}/{@code pieceWrite}: the piece size volume reads/writes go out in now (0 = whole objects);
 * {@code pieceTries}: epochs sent with another size to measure it; {@code pieceSwitches}: tries that won.
 * {@code pieceCapRead}/{@code pieceCapWrite}: the most pieces of big reads/writes one connection keeps in
 * flight now (0 = no bound; tuned with the size). {@code reloadsFailed}: inode reloads that failed (their
 * writes failed with EIO; after a failed B-tree write, the next write reloads again).
 */
public record FuseStats(long reads, long writes, long readBytes, long writeBytes, long segments,
                        long holeSegments, long creates, long cowCreates, long indexWrites,
                        long readonlyRetries, long reloads, long errors, long allocationWaits,
                        long requests, long resent, long failed, long reconnects, long connectFailures,
                        long malformed, long inflight, long upcalls, long upcallErrors,
                        long writesPeak, long discards, long timeouts, long probes, long adopted,
                        long zeroCopyBytes, long readaheadHits, long readaheadBytes, long sends,
                        long readersPeak, long uringRequests, long uringQueues, long uringDepth,
                        long uringRingBytes, long uringResidentBytes, long uringBatchedCommits,
                        long uringIoThreadRan, long uringHandedOff, long pieceRead, long pieceWrite,
                        long pieceTries, long pieceSwitches, long pieceCapRead, long pieceCapWrite,
                        long reloadsFailed) {
    static FuseStats of(long[] a) {
        return new FuseStats(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28], a[29],
                a[30], a[31], a[32], a[33], a[34], a[35], a[36], a[37], a[38], a[39], a[40], a[41], a[42], a[43],
                a[44], a[45], a[46]);
    }
}
