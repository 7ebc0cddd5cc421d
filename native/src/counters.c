/* The counters of a mount, by name: see counters.h.
 *
 * One table: a counter is a name and where its value lives, a field of the volumes' struct
 * sfs_stats (VOL) or of the context (CTX), both atomics, a field of the snapshots the pool and
 * the rings give (POOL, URING), or a function (FN). The names cross to Java as they are. */
#define _GNU_SOURCE
#include "counters.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "ctx.h"
#include "fuse_uring.h"
#include "piece_tuner.h"
#include "pool.h"
#include "volume.h"

enum source { SRC_VOL, SRC_CTX, SRC_POOL, SRC_URING, SRC_FN };

struct counter {
	const char *name;
	enum source src;
	size_t off, size;
	uint64_t (*fn)(struct sfs_ctx *ctx);
};

/* A field's size, checked to be one load() reads: 4 or 8 bytes, anything else fails to compile. */
#define FIELD_SIZE(type, f) \
	(sizeof(((type *)0)->f) + 0 * sizeof(char[sizeof(((type *)0)->f) == 4 || sizeof(((type *)0)->f) == 8 ? 1 : -1]))
#define VOL(n, f) { n, SRC_VOL, offsetof(struct sfs_stats, f), FIELD_SIZE(struct sfs_stats, f), NULL }
#define CTX(n, f) { n, SRC_CTX, offsetof(struct sfs_ctx, f), FIELD_SIZE(struct sfs_ctx, f), NULL }
#define POOL(n, f) { n, SRC_POOL, offsetof(struct sfs_pool_stats, f), FIELD_SIZE(struct sfs_pool_stats, f), NULL }
#define URING(n, f) { n, SRC_URING, offsetof(struct sfs_uring_stats, f), FIELD_SIZE(struct sfs_uring_stats, f), NULL }
#define FN(n, fn) { n, SRC_FN, 0, 0, fn }

static uint64_t piece_read(struct sfs_ctx *c) { return sfs_tuner_current(&c->pieces, false); }
static uint64_t piece_write(struct sfs_ctx *c) { return sfs_tuner_current(&c->pieces, true); }
static uint64_t piece_tries(struct sfs_ctx *c) { return sfs_tuner_tries(&c->pieces); }
static uint64_t piece_switches(struct sfs_ctx *c) { return sfs_tuner_switches(&c->pieces); }
static uint64_t piece_cap_read(struct sfs_ctx *c) { return sfs_tuner_current_cap(&c->pieces, false); }
static uint64_t piece_cap_write(struct sfs_ctx *c) { return sfs_tuner_current_cap(&c->pieces, true); }

static const struct counter counters[] = {
	/* volume I/O */
	VOL("reads", reads),
	VOL("writes", writes),
	VOL("read_bytes", read_bytes),
	VOL("write_bytes", write_bytes),
	VOL("segments", segments),           /* per-object pieces of volume requests */
	VOL("hole_segments", hole_segments), /* of them, read as zeros without a round trip */
	VOL("creates", creates),             /* objects allocated */
	VOL("cow_creates", cow_creates),     /* of them, copied from an ancestor */
	VOL("index_writes", index_writes),
	VOL("readonly_retries", readonly_retries), /* writes retried as copy-on-write after READONLY */
	VOL("reloads", reloads),                   /* inode reloads */
	VOL("reloads_failed", reloads_failed),     /* their writes failed with EIO; the next write reloads again */
	VOL("errors", errors),
	VOL("allocation_waits", alloc_waits), /* writers that waited for another's allocation */
	VOL("writes_peak", writes_peak),      /* most in flight at once: above 1, the kernel let writers overlap */
	VOL("discards", discards),
	VOL("probes", probes),   /* index re-reads before an allocation */
	VOL("adopted", adopted), /* objects found allocated by another client */
	VOL("zero_copy_bytes", zero_copy_bytes), /* written from the buffer they arrived in */
	VOL("readahead_hits", ra_hits),          /* reads answered from data read ahead */
	VOL("readahead_bytes", ra_bytes),        /* bytes read ahead */
	/* the socket pool */
	POOL("requests", requests),
	POOL("resent", resent),
	POOL("failed", failed),
	POOL("reconnects", reconnects),
	POOL("connect_failures", connect_failures),
	POOL("malformed", malformed),
	POOL("inflight", inflight),
	POOL("timeouts", timeouts),
	POOL("sends", sends), /* socket writes that carried the requests (fewer: bursts went out together) */
	/* FUSE */
	CTX("upcalls", upcalls),
	CTX("upcall_errors", upcall_errors),
	CTX("readers_peak", readers_peak), /* most workers reading /dev/fuse at once */
	URING("uring_requests", requests), /* FUSE requests served over io_uring */
	URING("uring_queues", queues),     /* per-CPU queues registered */
	URING("uring_depth", depth),       /* entries per queue */
	URING("uring_ring_bytes", ring_bytes), /* the entries' memory, all queues */
	URING("uring_resident_bytes", ring_resident_bytes), /* of it, in RAM (all from the mount on) */
	URING("uring_batched_commits", batched_commits),    /* replies committed with others in one call */
	URING("uring_io_thread_ran", io_thread_ran), /* requests a queue's socket I/O thread ran itself */
	URING("uring_handed_off", handed),           /* requests it handed to the queue's slow thread */
	/* the piece tuner (piece_tuner.c) */
	FN("piece_read", piece_read),   /* bytes per piece of volume reads now (0: whole objects) */
	FN("piece_write", piece_write), /* the same for writes */
	FN("piece_tries", piece_tries), /* epochs sent with another size to measure it */
	FN("piece_switches", piece_switches),   /* tries that won */
	FN("piece_cap_read", piece_cap_read),   /* most pieces of big reads in flight per connection (0: no bound) */
	FN("piece_cap_write", piece_cap_write), /* the same for writes */
};

#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

size_t sfs_counters_count(void)
{
	return NCOUNTERS;
}

const char *sfs_counter_name(size_t i)
{
	return i < NCOUNTERS ? counters[i].name : NULL;
}

static uint64_t load(const char *base, const struct counter *c, bool atomic)
{
	const char *p = base + c->off;
	if (atomic)
		return c->size == 8 ? atomic_load((const atomic_ullong *)p) : atomic_load((const atomic_uint *)p);
	if (c->size == 8) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

void sfs_counters_read(struct sfs_ctx *ctx, uint64_t *out)
{
	struct sfs_pool_stats ps;
	sfs_pool_stats(ctx->pool, &ps);
	struct sfs_uring_stats us;
	sfs_uring_stats(ctx->uring, &us);
	for (size_t i = 0; i < NCOUNTERS; i++) {
		const struct counter *c = &counters[i];
		switch (c->src) {
		case SRC_VOL: out[i] = load((const char *)&ctx->stats, c, true); break;
		case SRC_CTX: out[i] = load((const char *)ctx, c, true); break;
		case SRC_POOL: out[i] = load((const char *)&ps, c, false); break;
		case SRC_URING: out[i] = load((const char *)&us, c, false); break;
		case SRC_FN: out[i] = c->fn(ctx); break;
		}
	}
}
