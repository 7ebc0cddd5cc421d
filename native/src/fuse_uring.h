/* FUSE over io_uring (Linux 6.14+, module parameter fuse.enable_uring=Y).
 *
 * Why: with /dev/fuse every request wakes whichever daemon thread waits, often on another CPU, and
 * every reply is a write that wakes the caller from there. On a virtual machine a wake-up across
 * CPUs costs tens of microseconds. Over io_uring the kernel keeps one queue per CPU: a request
 * goes to the queue of the CPU its caller runs on, served by a thread pinned there, and the next
 * request comes back with the commit of the previous reply (one system call).
 *
 * Threads: the pool's I/O thread i runs on CPU i and serves queue i beside its socket (a
 * struct sfs_pool_source), so one thread takes a volume request, sends it to sheep, reads the answer
 * and commits the reply: no hand-over between threads, a wake-up less per request. It runs only
 * requests that never wait (sfs_op_never_waits); the others go to a slow thread beside it, so that
 * the socket is never left unread (an attach waits for an answer that thread must read). A queue
 * without a connection on its CPU gets a thread of its own.
 *
 * How: libfuse 3.14 knows nothing of it, so this layer sits under libfuse's dispatcher. The reply
 * to INIT gets the FUSE_OVER_IO_URING flag added, then each queue's entries are registered by the
 * thread that will serve them. A request fetched from a ring is laid out as /dev/fuse would deliver it (header,
 * per-op struct, payload: the payload stays where the kernel put it) and handed to
 * fuse_session_process_buf. Replies leave libfuse through the session's custom writev (any thread):
 * one that answers a ring request is copied into its entry and committed; others (INIT, requests
 * read from /dev/fuse before the ring was up, notifications) are written to /dev/fuse. The
 * /dev/fuse loop keeps running: FORGET and INTERRUPT always come that way.
 */
#ifndef SHEEPFS_FUSE_URING_H
#define SHEEPFS_FUSE_URING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sfs_ctx;
struct sfs_uring;

/* The entries of all queues together are memory touched at mount: with more CPUs each queue gets
 * fewer entries than asked, down to 2, so that they fit in this budget. */
#define SFS_URING_MEMORY_BUDGET ((size_t)64 << 20)
#define SFS_URING_MIN_DEPTH 2u

/* Entries per queue for nq queues of entry_bytes each, when asked for `asked` (0 counts as 1). */
static inline unsigned sfs_uring_depth(unsigned asked, unsigned nq, size_t entry_bytes)
{
	unsigned d = asked ? asked : 1;
	size_t fit = SFS_URING_MEMORY_BUDGET / ((size_t)(nq ? nq : 1) * (entry_bytes ? entry_bytes : 1));
	if (d > fit)
		d = fit < SFS_URING_MIN_DEPTH ? SFS_URING_MIN_DEPTH : (unsigned)fit;
	return d;
}

/* Installs the reply hook on the mounted session (ctx->se): from now on replies go through it.
 * depth: ring entries per CPU asked for (see sfs_uring_depth). NULL (errno set) on failure. */
struct sfs_uring *sfs_uring_create(struct sfs_ctx *ctx, unsigned depth);
/* Called by the /dev/fuse loop with every request it read, before dispatching it: notes whether
 * the kernel offers io_uring in INIT. */
void sfs_uring_saw_request(struct sfs_uring *u, const void *req, size_t len);
/* Stops serving the rings (once the /dev/fuse loop ended). Replies may still come (they are
 * committed to rings nobody reads any more) until the session is destroyed. */
void sfs_uring_stop(struct sfs_uring *u);
/* Frees, after sfs_uring_stop, fuse_session_destroy and sfs_pool_destroy (its I/O threads
 * serve the rings). */
void sfs_uring_destroy(struct sfs_uring *u);

/* For an op dispatched from a ring, on the dispatching thread, synchronously: the payload buffer
 * of the ring entry that holds its request (cap bytes), valid until the reply is sent; NULL
 * elsewhere. A read can land in it and a write's data is already in it: the reply then needs no
 * copy. */
char *sfs_uring_payload(struct sfs_uring *u, size_t *cap);

struct sfs_uring_stats {
	uint64_t requests;            /* served from a ring */
	unsigned queues;              /* queues registered */
	unsigned depth;               /* entries per queue */
	uint64_t ring_bytes;          /* the entries' memory, all queues */
	uint64_t ring_resident_bytes; /* of it, in RAM (mincore) */
	uint64_t batched_commits;     /* replies an I/O thread committed with others in one submit */
	uint64_t io_thread_ran;       /* requests the pool's I/O thread serving a queue ran itself */
	uint64_t handed;              /* requests it handed to its queue's slow thread (may block) */
};
void sfs_uring_stats(struct sfs_uring *u, struct sfs_uring_stats *out);

#endif
