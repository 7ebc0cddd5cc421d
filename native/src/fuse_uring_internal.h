/* FUSE over io_uring's internals, shared by its parts (private: only fuse_uring*.c include this).
 *
 * Split by job (see fuse_uring.h for how it works):
 *   fuse_uring.c        set-up and life cycle: the rings, their entries' memory (on 2 MiB pages),
 *                       stop, free, the payload of the request at hand, stats
 *   fuse_uring_serve.c  serving: the held requests, commands to the kernel (register, commit and
 *                       fetch), the session's I/O hooks (INIT, replies), the threads that fetch
 *                       requests and hand the ones that may block to a slow thread
 * q->mu guards a ring's submission queue; the slow list has its own lock.
 */
#ifndef SHEEPFS_FUSE_URING_INTERNAL_H
#define SHEEPFS_FUSE_URING_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <liburing.h>

#include "fuse_uring.h"
#include "pool.h"
#include "ring_submit.h"

/* The kernel ABI of FUSE 7.42 (Linux 6.14); Debian 12's headers predate it. */
#define URING_FLAGS2_BIT (1u << 9) /* FUSE_OVER_IO_URING: bit 41 of the 64-bit INIT flags */
#define INIT_EXT_BIT (1u << 30)    /* FUSE_INIT_EXT: flags2 is valid */
enum { CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2 };
struct ring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id; /* the request's unique */
	uint32_t payload_sz;
	uint32_t padding;
	uint64_t reserved;
};
struct ring_req_header {
	char in_out[128]; /* fuse_in_header on fetch, fuse_out_header on commit */
	char op_in[128];  /* the per-op struct (the request's first argument) */
	struct ring_ent_in_out ent;
};
struct ring_cmd_req { /* in the 80-byte command area of a 128-byte SQE */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};
_Static_assert(sizeof(struct ring_req_header) == 288, "FUSE ring header layout");

/* Offsets in struct fuse_init_in / fuse_init_out (protocol 7.36+). */
#define INIT_IN_FLAGS 12
#define INIT_IN_FLAGS2 16
#define INIT_OUT_FLAGS2 32

/* An entry's memory: one page holds the ring header and, at its end, the rebuilt request header
 * (fuse_in_header + per-op struct) right before the payload, which starts on the next page. */
#define HEADROOM 4096u
#define TABLE_BUCKETS 256u

struct uent {
	struct uqueue *q;
	struct ring_req_header *hdr;
	char *payload;
	uint64_t unique;    /* of the request it holds while ours (0: none) */
	struct uent *hnext; /* in the table of held requests */
	struct uent *snext; /* in the queue's list for its slow thread */
	unsigned cmd;       /* the last command sent for it (sent again after EINTR/EAGAIN) */
	uint64_t cmd_id;    /* and its commit id */
	struct iovec iov[2];
};

struct uqueue {
	struct sfs_uring *u;
	unsigned qid;
	/* Served by the pool's I/O thread qid (on this CPU), which polls the ring beside its socket:
	 * then th only runs the requests that may block (slow_main). Else th serves the ring. */
	bool served;
	pthread_t th;
	bool started;
	bool up;            /* a request came: counted in queues_up (the serving thread only) */
	/* A served ring: started (set once), ended (unmounted, or stopped), and its entries
	 * registered (the I/O thread's own). No lock: the I/O thread sends to sheep while serving. */
	atomic_bool go, done;
	bool registered;
	pthread_mutex_t slow_mu;
	pthread_cond_t slow_cv;
	struct uent *slow_head, *slow_tail; /* requests handed to th */
	bool slow_stop;
	struct sfs_cork slow_cork;
	pthread_t owner;    /* th of a queue it serves itself, as it knows itself (set under mu) */
	bool owned;
	struct io_uring ring;
	bool ring_ok;
	pthread_mutex_t mu; /* the submission queue: replies are committed from any thread */
	struct sfs_ring_submit submit; /* one thread at a time in io_uring_enter (ring_submit.h) */
	bool batching;      /* that thread is handling completions and submits after them */
	int evfd;           /* written to stop the thread */
	struct sfs_cork cork;
	char *mem;
	size_t memlen;
	struct uent *ent;
};

struct sfs_uring {
	struct sfs_ctx *ctx;
	int fd; /* /dev/fuse */
	unsigned nq, depth;
	size_t payload;
	pthread_mutex_t init_mu;
	uint64_t init_unique; /* of the INIT request (0: none seen) */
	atomic_bool offered;
	atomic_bool started;
	atomic_uint queues_up;
	atomic_ullong requests;
	atomic_ullong batched; /* commits an I/O thread submitted together with others */
	atomic_ullong io_thread_ran, handed; /* requests an I/O thread ran itself, handed to its slow thread */
	pthread_key_t current; /* the entry the calling thread is dispatching */
	bool current_ok;
	/* Commits an I/O thread published during a batch of answers but did not submit yet, per
	 * queue: a row of nq counts per pool connection (SFS_POOL_MAX_CONNECTIONS rows). They go out
	 * with one io_uring_enter per queue when the batch ends, not one per reply. */
	unsigned *defer;
	pthread_key_t deferring; /* an I/O thread inside a batch: its row of defer */
	bool deferring_ok;
	struct sfs_pool_source source; /* what the pool's I/O threads do for us */
	pthread_mutex_t tmu[TABLE_BUCKETS];
	struct uent *table[TABLE_BUCKETS];
	struct uqueue q[];
};

/* fuse_uring_serve.c: the session's custom I/O (installed by sfs_uring_create) */
ssize_t uring_hook_writev(int fd, struct iovec *iov, int count, void *userdata);
ssize_t uring_hook_read(int fd, void *buf, size_t len, void *userdata);
/* fuse_uring_serve.c: the pool's source hooks (struct sfs_pool_source; arg is the sfs_uring) */
void uring_batch_begin(void *arg, unsigned conn);
void uring_batch_end(void *arg, unsigned conn);
int uring_serve_fd(void *arg, unsigned conn);
void uring_serve(void *arg, unsigned conn);
bool uring_ready(void *arg, unsigned conn);

#endif
