/* Volume I/O engine: serves byte ranges of one attached VDI over the socket pool.
 *
 * A request is split at object boundaries (object size from the inode's block_size_shift) and,
 * optionally, into smaller pieces; every piece is sent at once and the request completes on
 * whichever thread completes its last piece. Holes read as zeros without a round trip. A write
 * into an object the VDI does not own yet is a CREATE_AND_WRITE_OBJ (copy-on-write from the
 * owning ancestor) followed by the index update; writers of one such object are serialized
 * until the index says "own". READONLY (a snapshot was taken elsewhere) reloads the inode by
 * name and retries as copy-on-write.
 */
#ifndef SHEEPFS_VOLUME_H
#define SHEEPFS_VOLUME_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bufpool.h"
#include "piece_tuner.h"
#include "pool.h"

struct sfs_stats {
	atomic_ullong reads, writes, read_bytes, write_bytes;
	atomic_ullong segments, hole_segments, creates, cow_creates, index_writes;
	atomic_ullong readonly_retries, reloads, errors, alloc_waits;
	atomic_ullong reloads_failed; /* counted once the volume knows (stale set: see volume_inode.c) */
	atomic_llong writes_inflight; /* volume writes between submit and reply */
	atomic_llong writes_peak;     /* most at once: shows whether the kernel let writers overlap */
	atomic_ullong discards;
	atomic_ullong probes, adopted; /* index re-reads before a create; objects found allocated by others */
	atomic_ullong zero_copy_bytes; /* written from the buffer they arrived in (no copy) */
	atomic_ullong ra_hits, ra_bytes; /* reads served from readahead; bytes prefetched */
	atomic_int reload_threads;    /* running reload threads: they use the pool, which must outlive them */
};

struct sfs_vol_cfg {
	struct sfs_tuner *pieces; /* how big the pieces of a request are (shared: one per cluster) */
	struct sfs_bufpool *bufs; /* request buffers up to its size come from here (NULL: malloc) */
};

struct sfs_vol;
struct sfs_vreq;
typedef void (*sfs_vreq_done_fn)(struct sfs_vreq *r, int err);

struct sfs_vol_info {
	uint32_t vid;
	uint64_t size;
	uint32_t object_size;
	bool hyper;
	bool snapshot;
	uint64_t allocated; /* objects with data (own or inherited) */
	uint32_t nr_copies;
};

/*
 * Resolves name (when vid is 0, the working VDI of that name) and reads its inode. Blocking:
 * call from a control thread. Returns 0 or a positive errno (ENOENT for an unknown VDI).
 */
int sfs_vol_open(struct sfs_pool *pool, struct sfs_stats *stats, const struct sfs_vol_cfg *cfg,
		 const char *name, uint32_t vid, struct sfs_vol **out);
void sfs_vol_get(struct sfs_vol *v);
void sfs_vol_put(struct sfs_vol *v);
/* Open FUSE handles on v: adds delta (+1 at open, -1 at release), returns the count after it. */
unsigned sfs_vol_handles(struct sfs_vol *v, int delta);
void sfs_vol_info(struct sfs_vol *v, struct sfs_vol_info *info);
uint64_t sfs_vol_size(const struct sfs_vol *v);

struct sfs_vreq {
	struct sfs_vol *vol;
	bool write;
	uint64_t off;
	uint32_t len;   /* after clamping to the volume size */
	char *buf;      /* read: the data; write: the data to send */
	void *mem;      /* what sfs_vreq_free releases (buf points into it) */
	bool pooled;    /* mem belongs to the volume's buffer pool */
	sfs_vreq_done_fn done;
	void *arg;
	atomic_int pending;
	atomic_int err;
	uint32_t nseg;
	struct sfs_seg *segs;
	int tune_cls;   /* the piece tuner's class to report the time under, or -1 */
	uint8_t lane;   /* the pool lane its requests go in (big transfers: bounded in flight) */
	uint16_t cap;   /* that lane's bound per connection (0: none) */
	uint64_t t0;    /* when it started (ns, monotonic), if measured */
};

/*
 * Starts a read or write of [off, off+len) (clamped to the volume size; a request starting at
 * or beyond the end completes at once with len 0). For writes data is copied, unless own is
 * given: a buffer of the volume's pool holding data, which the request then takes over (no copy;
 * it goes back to the pool when the request is freed, also on failure). done(r, err) runs
 * exactly once, on any thread; then the caller frees r with sfs_vreq_free. Returns ENOMEM if the
 * request could not be allocated (done is not called then; own has been released).
 */
int sfs_vol_io(struct sfs_vol *v, bool write, uint64_t off, size_t len, const void *data, void *own,
	       sfs_vreq_done_fn done, void *arg);
/* The same in the caller's buffer buf (len bytes): a write is sent from it, a read lands in it;
 * it must stay valid until done has run (no copy either way). */
int sfs_vol_io_in(struct sfs_vol *v, bool write, uint64_t off, size_t len, void *buf, sfs_vreq_done_fn done,
		  void *arg);
void sfs_vreq_free(struct sfs_vreq *r);

/*
 * fallocate(PUNCH_HOLE): whole objects are discarded (DISCARD_OBJ; they read as holes after),
 * partial ranges of allocated objects are overwritten with zeros. Blocking (control-path
 * rate). Returns 0 or a positive errno (EOPNOTSUPP for hyper volumes, EROFS for snapshots).
 */
int sfs_vol_discard(struct sfs_vol *v, uint64_t off, uint64_t len);

/*
 * LOCK_VDI (exclusive) of the attached working VDI, as QEMU takes at open; blocking. Effective
 * only on clusters formatted with the lock flag (sheep answers SUCCESS otherwise). EBUSY when
 * another client (or another mount through the same sheep node: the lock is the node's) holds it.
 * Snapshots are not locked (read-only). sfs_vol_unlock releases it (idempotent).
 */
int sfs_vol_lock(struct sfs_vol *v);
void sfs_vol_unlock(struct sfs_vol *v);

/* For caches of volume data (readahead): a counter bumped when a write or discard starts, and
 * whether any is running. Data read while the counter kept its value and none was running is
 * current as long as the counter still has that value. */
uint64_t sfs_vol_write_gen(struct sfs_vol *v, bool *active);
struct sfs_stats *sfs_vol_stats(struct sfs_vol *v);
/* Whether the object holding byte off has data (own or inherited), from the index: no I/O. */
bool sfs_vol_allocated(struct sfs_vol *v, uint64_t off);
uint32_t sfs_vol_object_size(const struct sfs_vol *v);

/* lseek SEEK_DATA / SEEK_HOLE from the index: returns the offset or -ENXIO. */
int64_t sfs_vol_seek(struct sfs_vol *v, uint64_t off, bool data);

#endif
