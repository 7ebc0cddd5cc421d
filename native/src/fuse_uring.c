/* FUSE over io_uring: see fuse_uring.h. */
#define _GNU_SOURCE
#include "fuse_uring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/fuse.h>

#include <fuse_lowlevel.h>

#include "affinity.h"
#include "ctx.h"
#include "pool.h"
#include "ring_submit.h"
#include "vol_fh.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older C libraries lack the name */
#endif

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

/* ------------------------------------------------------------------ held requests */

static unsigned bucket(uint64_t unique)
{
	return (unsigned)(unique >> 1) % TABLE_BUCKETS; /* uniques step by 2 */
}

static void table_put(struct sfs_uring *u, struct uent *e)
{
	unsigned b = bucket(e->unique);
	pthread_mutex_lock(&u->tmu[b]);
	e->hnext = u->table[b];
	u->table[b] = e;
	pthread_mutex_unlock(&u->tmu[b]);
}

static struct uent *table_take(struct sfs_uring *u, uint64_t unique)
{
	unsigned b = bucket(unique);
	pthread_mutex_lock(&u->tmu[b]);
	struct uent **pp = &u->table[b];
	while (*pp && (*pp)->unique != unique)
		pp = &(*pp)->hnext;
	struct uent *e = *pp;
	if (e)
		*pp = e->hnext;
	pthread_mutex_unlock(&u->tmu[b]);
	return e;
}

/* ------------------------------------------------------------------ commands */

/* Submits what is published on q's ring (n > 0 of it ours), or leaves it to the thread already
 * submitting there (ring_submit.c). */
static void enter_sqes(struct uqueue *q, unsigned n)
{
	if (n == 0)
		return;
	int r = sfs_ring_submit(&q->submit, &q->ring);
	if (r < 0)
		fprintf(stderr, "sheepfs: io_uring queue %u: submit: %s\n", q->qid, strerror(-r));
}

/* Prepares a command for e on its ring (q->mu held). False if the ring has no room. */
static bool prep_cmd(struct uent *e, unsigned cmd, uint64_t commit_id)
{
	struct uqueue *q = e->q;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	if (sqe == NULL) { /* cannot happen: one SQE per entry, plus one, and twice as many slots */
		fprintf(stderr, "sheepfs: io_uring queue %u: no free submission entry; a request is lost\n", q->qid);
		return false;
	}
	memset(sqe, 0, 2 * sizeof(*sqe)); /* SQE128: the command area is the second half */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = q->u->fd;
	sqe->cmd_op = cmd;
	if (cmd == CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	}
	struct ring_cmd_req *cr = (struct ring_cmd_req *)(void *)sqe->cmd;
	cr->qid = (uint16_t)q->qid;
	cr->commit_id = commit_id;
	io_uring_sqe_set_data(sqe, e);
	e->cmd = cmd;
	e->cmd_id = commit_id;
	return true;
}

/* Queues a command for e on its ring and submits it, unless the ring's own thread will (it is
 * handling completions on this very thread) or the calling I/O thread's batch will. */
static void send_cmd(struct uent *e, unsigned cmd, uint64_t commit_id)
{
	struct uqueue *q = e->q;
	pthread_mutex_lock(&q->mu);
	if (!prep_cmd(e, cmd, commit_id)) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	bool later = q->batching && q->owned && pthread_equal(pthread_self(), q->owner);
	unsigned n = later ? 0 : sfs_ring_publish(&q->ring);
	pthread_mutex_unlock(&q->mu);
	unsigned *pending = q->u->deferring_ok ? pthread_getspecific(q->u->deferring) : NULL;
	if (pending != NULL) {
		pending[q->qid] += n; /* published: a submit by any thread takes them, at the latest ours */
		return;
	}
	enter_sqes(q, n);
}

/* Registers all of q's entries with one submit, from the thread that will serve them: the kernel
 * runs the task work of their completions there. With stop_poll, also a poll of q->evfd. */
static void register_entries(struct uqueue *q, bool stop_poll)
{
	pthread_mutex_lock(&q->mu);
	for (unsigned i = 0; i < q->u->depth; i++)
		prep_cmd(&q->ent[i], CMD_REGISTER, 0);
	struct io_uring_sqe *sqe = stop_poll ? io_uring_get_sqe(&q->ring) : NULL; /* free: twice the slots */
	if (sqe) {
		io_uring_prep_poll_add(sqe, q->evfd, POLLIN);
		io_uring_sqe_set_data(sqe, NULL); /* NULL: the stop signal */
	}
	unsigned n = sfs_ring_publish(&q->ring);
	pthread_mutex_unlock(&q->mu);
	enter_sqes(q, n);
}

static void batch_begin(void *arg, unsigned conn)
{
	struct sfs_uring *u = arg;
	if (u->deferring_ok && conn < SFS_POOL_MAX_CONNECTIONS)
		pthread_setspecific(u->deferring, u->defer + (size_t)conn * u->nq);
}

static void batch_end(void *arg, unsigned conn)
{
	struct sfs_uring *u = arg;
	if (!u->deferring_ok || conn >= SFS_POOL_MAX_CONNECTIONS)
		return;
	pthread_setspecific(u->deferring, NULL);
	unsigned *pending = u->defer + (size_t)conn * u->nq;
	for (unsigned i = 0; i < u->nq; i++) {
		unsigned n = pending[i];
		if (n == 0)
			continue;
		pending[i] = 0;
		if (n > 1)
			atomic_fetch_add(&u->batched, n);
		enter_sqes(&u->q[i], n);
	}
}

/* Copies a reply (iov[0]: fuse_out_header) into e and commits it. */
static ssize_t commit(struct uent *e, const struct iovec *iov, int count)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	size_t total = iov[0].iov_len, n = 0;
	int32_t error = oh->error;
	for (int i = 1; i < count; i++) {
		total += iov[i].iov_len;
		if (error != 0)
			continue;
		if (n + iov[i].iov_len > e->q->u->payload) {
			fprintf(stderr, "sheepfs: a reply of %zu bytes does not fit a ring entry: EIO\n", total);
			error = -EIO;
			n = 0;
			continue;
		}
		if (iov[i].iov_base != e->payload + n)
			memcpy(e->payload + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	uint64_t unique = e->unique;
	struct fuse_out_header *out = (struct fuse_out_header *)(void *)e->hdr->in_out;
	out->len = (uint32_t)(sizeof(*out) + n);
	out->error = error;
	out->unique = unique;
	e->hdr->ent.payload_sz = (uint32_t)n;
	e->unique = 0;
	send_cmd(e, CMD_COMMIT_AND_FETCH, unique);
	return (ssize_t)total;
}

/* ------------------------------------------------------------------ the session's I/O hooks */

static void start_queues(struct sfs_uring *u);

static ssize_t hook_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct sfs_ctx *ctx = userdata;
	struct sfs_uring *u = ctx->uring;
	const struct fuse_out_header *oh = iov[0].iov_base;
	if (oh->unique != 0 && atomic_load_explicit(&u->started, memory_order_acquire)) {
		struct uent *e = table_take(u, oh->unique);
		if (e)
			return commit(e, iov, count);
	}
	bool init = false;
	if (oh->unique != 0) {
		pthread_mutex_lock(&u->init_mu);
		init = oh->unique == u->init_unique;
		if (init)
			u->init_unique = 0;
		pthread_mutex_unlock(&u->init_mu);
	}
	bool ask = init && oh->error == 0 && atomic_load(&u->offered) && count >= 2
		   && iov[1].iov_len >= INIT_OUT_FLAGS2 + 4;
	if (ask) {
		uint32_t f2;
		memcpy(&f2, (char *)iov[1].iov_base + INIT_OUT_FLAGS2, 4);
		f2 |= URING_FLAGS2_BIT;
		memcpy((char *)iov[1].iov_base + INIT_OUT_FLAGS2, &f2, 4);
	}
	ssize_t r = writev(fd, iov, count);
	if (ask && r >= 0)
		start_queues(u); /* the kernel has processed INIT: registering is allowed now */
	return r;
}

static ssize_t hook_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	return read(fd, buf, len);
}

void sfs_uring_saw_request(struct sfs_uring *u, const void *req, size_t len)
{
	const struct fuse_in_header *in = req;
	if (u == NULL || len < sizeof(*in) + INIT_IN_FLAGS2 + 4 || in->opcode != FUSE_INIT)
		return;
	uint32_t flags, flags2;
	memcpy(&flags, (const char *)req + sizeof(*in) + INIT_IN_FLAGS, 4);
	memcpy(&flags2, (const char *)req + sizeof(*in) + INIT_IN_FLAGS2, 4);
	bool offered = (flags & INIT_EXT_BIT) && (flags2 & URING_FLAGS2_BIT);
	atomic_store(&u->offered, offered);
	if (!offered)
		fprintf(stderr, "sheepfs: --io-uring: the kernel does not offer FUSE over io_uring (Linux 6.14+ "
			"with fuse.enable_uring=Y: echo Y > /sys/module/fuse/parameters/enable_uring); "
			"serving through /dev/fuse\n");
	pthread_mutex_lock(&u->init_mu);
	u->init_unique = in->unique;
	pthread_mutex_unlock(&u->init_mu);
}

/* ------------------------------------------------------------------ serving the rings */

static void hand_to_slow_thread(struct uqueue *q, struct uent *e)
{
	pthread_mutex_lock(&q->slow_mu);
	e->snext = NULL;
	if (q->slow_tail)
		q->slow_tail->snext = e;
	else
		q->slow_head = e;
	q->slow_tail = e;
	pthread_cond_signal(&q->slow_cv);
	pthread_mutex_unlock(&q->slow_mu);
}

/* Dispatches the request in e to libfuse on this thread, or, on the I/O thread serving q, hands
 * one that may block to q's slow thread (may_block: this is it). ck: this thread's cork. */
static void handle_request(struct uqueue *q, struct uent *e, bool may_block, struct sfs_cork *ck)
{
	struct sfs_uring *u = q->u;
	const struct fuse_in_header *in = (const struct fuse_in_header *)(const void *)e->hdr->in_out;
	uint32_t psz = e->hdr->ent.payload_sz;
	/* the per-op struct's size is what the header's length leaves beside the payload */
	if (in->len < sizeof(*in) + (uint64_t)psz || in->len - sizeof(*in) - psz > sizeof(e->hdr->op_in)
	    || psz > u->payload || in->unique == 0) {
		fprintf(stderr, "sheepfs: io_uring queue %u: malformed request (len %u, payload %u): EIO\n",
			q->qid, in->len, psz);
		if (in->unique == 0)
			return; /* nothing to answer: the entry is lost to this queue */
		e->unique = in->unique;
		struct fuse_out_header oh = { .len = sizeof(oh), .error = -EIO, .unique = in->unique };
		struct iovec iov = { .iov_base = &oh, .iov_len = sizeof(oh) };
		commit(e, &iov, 1);
		return;
	}
	size_t a0 = in->len - sizeof(*in) - psz;
	uint32_t op = in->opcode;
	if (!(q->served && may_block)) /* counted where it left the ring, before any hand-off */
		atomic_fetch_add(&u->requests, 1);
	if (!may_block) {
		if (!sfs_op_never_waits(op, e->hdr->op_in, a0)) {
			atomic_fetch_add(&u->handed, 1);
			hand_to_slow_thread(q, e);
			return;
		}
		atomic_fetch_add(&u->io_thread_ran, 1);
	}
	char *start = e->payload - a0 - sizeof(*in);
	memcpy(start + sizeof(*in), e->hdr->op_in, a0);
	memcpy(start, in, sizeof(*in));
	e->unique = in->unique;
	table_put(u, e);
	/* as in the /dev/fuse loop: volume I/O of one batch goes out together, anything else that
	 * may wait starts with nothing of ours unsent */
	if (op == FUSE_READ || op == FUSE_WRITE)
		sfs_pool_cork(u->ctx->pool, ck);
	else
		sfs_pool_uncork(u->ctx->pool);
	struct fuse_buf fb = { .mem = start, .size = sizeof(*in) + a0 + psz };
	if (u->current_ok)
		pthread_setspecific(u->current, e);
	fuse_session_process_buf(u->ctx->se, &fb);
	if (u->current_ok)
		pthread_setspecific(u->current, NULL);
}

/* Handles the completions q's ring has: requests, and commands the kernel was not ready for (sent
 * again). Sends what the requests gathered. Returns false once the queue has ended (the stop
 * signal, or the connection is gone). */
static bool reap(struct uqueue *q)
{
	struct sfs_uring *u = q->u;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	bool go = true;
	/* Completions the kernel could not post to the ring wait on its overflow list, and the ring
	 * fd polls readable until they are flushed: only a system call does that (io_uring_wait_cqe
	 * would; a thread that polls the fd must do it itself, or it spins and they are lost). */
	if (io_uring_cq_has_overflow(&q->ring))
		io_uring_get_events(&q->ring);
	io_uring_for_each_cqe(&q->ring, head, cqe) {
		seen++;
		struct uent *e = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		if (e == NULL) {
			go = false;
		} else if (res == -EINTR || res == -EAGAIN) {
			send_cmd(e, e->cmd, e->cmd_id); /* the kernel was not ready for it */
		} else if (res == -ENOTCONN || res == -ECONNABORTED || res == -ECANCELED || res == -ENODEV) {
			go = false; /* the connection is gone: unmounted or aborted */
		} else if (res < 0) {
			fprintf(stderr, "sheepfs: io_uring queue %u: %s failed: %s\n", q->qid,
				e->cmd == CMD_REGISTER ? "register" : "commit", strerror(-res));
			if (e->cmd == CMD_REGISTER)
				go = false;
		} else {
			if (!q->up) {
				q->up = true;
				atomic_fetch_add(&u->queues_up, 1);
			}
			handle_request(q, e, !q->served, &q->cork);
		}
	}
	io_uring_cq_advance(&q->ring, seen);
	sfs_pool_uncork(u->ctx->pool);
	return go;
}

/* The thread of a queue nobody else serves: waits for its ring's completions. */
static void *queue_main(void *arg)
{
	struct uqueue *q = arg;
	char name[16];
	snprintf(name, sizeof(name), "sheepfs-ring%u", q->qid);
	pthread_setname_np(pthread_self(), name);
	if (!sfs_pin_to_cpu(q->qid))
		fprintf(stderr, "sheepfs: io_uring queue %u: not bound to its CPU (not ours to run on?)\n", q->qid);
	pthread_mutex_lock(&q->mu);
	q->owner = pthread_self();
	q->owned = true;
	pthread_mutex_unlock(&q->mu);
	register_entries(q, true);
	for (;;) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&q->ring, &cqe);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "sheepfs: io_uring queue %u: %s\n", q->qid, strerror(-r));
			break;
		}
		pthread_mutex_lock(&q->mu);
		q->batching = true;
		pthread_mutex_unlock(&q->mu);
		bool go = reap(q);
		pthread_mutex_lock(&q->mu);
		q->batching = false;
		unsigned n = sfs_ring_publish(&q->ring);
		pthread_mutex_unlock(&q->mu);
		enter_sqes(q, n);
		if (!go)
			break;
	}
	return NULL;
}

/* The thread beside a served queue: runs the requests that may block, in turn. */
static void *slow_main(void *arg)
{
	struct uqueue *q = arg;
	char name[16];
	snprintf(name, sizeof(name), "sheepfs-slow%u", q->qid);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		pthread_mutex_lock(&q->slow_mu);
		while (q->slow_head == NULL && !q->slow_stop)
			pthread_cond_wait(&q->slow_cv, &q->slow_mu);
		struct uent *e = q->slow_head;
		if (e) {
			q->slow_head = e->snext;
			if (q->slow_head == NULL)
				q->slow_tail = NULL;
		}
		pthread_mutex_unlock(&q->slow_mu);
		if (e == NULL)
			break; /* stopped, and nothing left */
		handle_request(q, e, true, &q->slow_cork);
		sfs_pool_uncork(q->u->ctx->pool);
	}
	return NULL;
}

/* The pool's source hooks (struct sfs_pool_source): I/O thread `conn` serves queue `conn`. */
static struct uqueue *served_queue(struct sfs_uring *u, unsigned conn)
{
	return conn < u->nq && u->q[conn].served ? &u->q[conn] : NULL;
}

static int serve_fd(void *arg, unsigned conn)
{
	struct uqueue *q = served_queue(arg, conn);
	if (q == NULL)
		return -1;
	if (!q->registered && atomic_load(&q->go) && !atomic_load(&q->done)) {
		q->registered = true;
		register_entries(q, false); /* here: the thread that will serve them */
	}
	return q->registered && !atomic_load(&q->done) ? q->ring.ring_fd : -1;
}

static void serve(void *arg, unsigned conn)
{
	struct uqueue *q = served_queue(arg, conn);
	if (q == NULL)
		return;
	if (q->registered && !atomic_load(&q->done) && !reap(q))
		atomic_store(&q->done, true);
}

static bool ready(void *arg, unsigned conn)
{
	struct uqueue *q = served_queue(arg, conn);
	return q != NULL && q->registered && io_uring_cq_ready(&q->ring) > 0;
}

static void start_queues(struct sfs_uring *u)
{
	if (atomic_exchange(&u->started, true))
		return;
	for (unsigned i = 0; i < u->nq; i++) {
		struct uqueue *q = &u->q[i];
		if (!q->ring_ok)
			continue;
		int e = pthread_create(&q->th, NULL, q->served ? slow_main : queue_main, q);
		if (e != 0)
			fprintf(stderr, "sheepfs: cannot start io_uring queue %u: %s\n", i, strerror(e));
		q->started = e == 0;
		if (q->served && q->started) {
			atomic_store(&q->go, true);
			sfs_pool_kick(u->ctx->pool, i);
		}
	}
}

/* ------------------------------------------------------------------ set-up */

/*
 * The memory of a queue's entries (len bytes), or NULL. The kernel pins it a 4 KiB page at a time
 * whenever it copies a reply out of it or a write's data into it; on 2 MiB pages that pinning and
 * the copies' TLB misses cost much less (measured at 1 MiB reads, depth 16: 16-27% less CPU per
 * MiB; 6-13% at 1 MiB writes). So the mapping starts on a 2 MiB boundary and asks for
 * transparent huge pages; where the kernel gives none (THP "never"), 4 KiB pages serve as before.
 * Touched now: the rings' memory is a fixed cost paid at mount, not a resident size that creeps
 * up for minutes as rarer, deeper entries first carry a 1 MiB request.
 */
static char *ring_memory(size_t len)
{
	const size_t huge = (size_t)2 << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) & ~(page - 1);
	char *m = mmap(NULL, span + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
	/* trimmed to [a, a + span), so that munmap(a, len) frees it (a trim that failed would only
	 * leave unused address space mapped) */
	if (a > m)
		(void)munmap(m, (size_t)(a - m));
	(void)munmap(a + span, (size_t)(m + huge - a)); /* the rest of the slack: never empty */
	(void)madvise(a, len, MADV_HUGEPAGE); /* refused without THP: 4 KiB pages, as before */
	if (madvise(a, len, MADV_POPULATE_WRITE) != 0)
		memset(a, 0, len); /* kernels before 5.14 */
	return a;
}

static int queue_init(struct sfs_uring *u, struct uqueue *q, unsigned qid)
{
	q->u = u;
	q->qid = qid;
	q->cork.home = (int)qid; /* its volume requests go to the connection served on its CPU */
	q->slow_cork.home = (int)qid;
	q->evfd = -1;
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->slow_mu, NULL);
	pthread_cond_init(&q->slow_cv, NULL);
	q->evfd = eventfd(0, EFD_CLOEXEC);
	if (q->evfd < 0)
		return errno;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE, .cq_entries = 4 * (u->depth + 1) };
	int r = io_uring_queue_init_params(2 * (u->depth + 1), &q->ring, &p);
	if (r < 0)
		return -r;
	q->ring_ok = true;
	size_t per = HEADROOM + u->payload;
	q->memlen = per * u->depth;
	q->mem = ring_memory(q->memlen);
	q->ent = calloc(u->depth, sizeof(*q->ent));
	if (q->mem == NULL || q->ent == NULL)
		return ENOMEM;
	for (unsigned i = 0; i < u->depth; i++) {
		struct uent *e = &q->ent[i];
		char *base = q->mem + (size_t)i * per;
		e->q = q;
		e->hdr = (struct ring_req_header *)(void *)base;
		e->payload = base + HEADROOM;
		e->iov[0] = (struct iovec){ .iov_base = e->hdr, .iov_len = sizeof(*e->hdr) };
		e->iov[1] = (struct iovec){ .iov_base = e->payload, .iov_len = u->payload };
	}
	return 0;
}

static void free_uring(struct sfs_uring *u)
{
	for (unsigned i = 0; i < u->nq; i++) {
		struct uqueue *q = &u->q[i];
		if (q->ring_ok)
			io_uring_queue_exit(&q->ring);
		if (q->evfd >= 0)
			close(q->evfd);
		if (q->mem)
			munmap(q->mem, q->memlen);
		free(q->ent);
		pthread_cond_destroy(&q->slow_cv);
		pthread_mutex_destroy(&q->slow_mu);
		pthread_mutex_destroy(&q->mu);
	}
	for (unsigned b = 0; b < TABLE_BUCKETS; b++)
		pthread_mutex_destroy(&u->tmu[b]);
	pthread_mutex_destroy(&u->init_mu);
	if (u->current_ok)
		pthread_key_delete(u->current);
	if (u->deferring_ok)
		pthread_key_delete(u->deferring);
	free(u->defer);
	free(u);
}

struct sfs_uring *sfs_uring_create(struct sfs_ctx *ctx, unsigned depth)
{
	/* the kernel wants a queue for every possible CPU before it uses any */
	int ncpu = get_nprocs_conf();
	unsigned nq = ncpu > 0 ? (unsigned)ncpu : 1;
	struct sfs_uring *u = calloc(1, sizeof(*u) + nq * sizeof(struct uqueue));
	if (u == NULL)
		return NULL;
	u->ctx = ctx;
	u->fd = fuse_session_fd(ctx->se);
	u->nq = nq;
	/* a payload holds the largest write or read: max_write, at least FUSE_MIN_READ_BUFFER */
	size_t mw = ctx->cfg.max_write > 0 ? (size_t)ctx->cfg.max_write : 1u << 20;
	u->payload = ((mw < 8192 ? 8192 : mw) + 4095) & ~(size_t)4095;
	u->depth = sfs_uring_depth(depth, nq, HEADROOM + u->payload);
	pthread_mutex_init(&u->init_mu, NULL);
	u->current_ok = pthread_key_create(&u->current, NULL) == 0;
	u->defer = calloc((size_t)SFS_POOL_MAX_CONNECTIONS * nq, sizeof(*u->defer));
	u->deferring_ok = u->defer != NULL && pthread_key_create(&u->deferring, NULL) == 0;
	for (unsigned b = 0; b < TABLE_BUCKETS; b++)
		pthread_mutex_init(&u->tmu[b], NULL);
	/* the pool's I/O thread i runs on CPU i (pin_threads): it serves queue i beside its socket */
	unsigned nconn = ctx->pool ? sfs_pool_connections(ctx->pool) : 0;
	int err = 0;
	for (unsigned i = 0; i < nq && err == 0; i++) {
		u->q[i].served = i < nconn;
		err = queue_init(u, &u->q[i], i);
	}
	if (err == 0) {
		const struct fuse_custom_io io = { .writev = hook_writev, .read = hook_read };
		int r = fuse_session_custom_io(ctx->se, &io, u->fd);
		err = r < 0 ? -r : 0;
	}
	if (err) {
		fprintf(stderr, "sheepfs: cannot set up FUSE over io_uring: %s\n", strerror(err));
		free_uring(u);
		errno = err;
		return NULL;
	}
	u->source = (struct sfs_pool_source){
		.batch_begin = batch_begin, .batch_end = batch_end, .serve_fd = serve_fd, .serve = serve,
		.ready = ready, .arg = u,
	};
	if (ctx->pool)
		sfs_pool_set_source(ctx->pool, &u->source); /* the pool is destroyed first (ctx_free) */
	return u;
}

void sfs_uring_stop(struct sfs_uring *u)
{
	if (u == NULL)
		return;
	for (unsigned i = 0; i < u->nq; i++) {
		struct uqueue *q = &u->q[i];
		if (q->served) {
			/* the connection is gone (the loop ended): a round of serving still under way
			 * only meets ended requests, and its I/O thread is joined before the rings go */
			atomic_store(&q->done, true);
			pthread_mutex_lock(&q->slow_mu);
			q->slow_stop = true;
			pthread_cond_signal(&q->slow_cv);
			pthread_mutex_unlock(&q->slow_mu);
		}
		if (!q->started)
			continue;
		uint64_t one = 1;
		if (!q->served && write(q->evfd, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "sheepfs: cannot stop io_uring queue %u: %s\n", i, strerror(errno));
		pthread_join(q->th, NULL);
		q->started = false;
	}
}

void sfs_uring_destroy(struct sfs_uring *u)
{
	if (u == NULL)
		return;
	sfs_uring_stop(u);
	free_uring(u);
}

char *sfs_uring_payload(struct sfs_uring *u, size_t *cap)
{
	struct uent *e = u && u->current_ok ? pthread_getspecific(u->current) : NULL;
	if (e == NULL)
		return NULL;
	*cap = u->payload;
	return e->payload;
}

void sfs_uring_stats(struct sfs_uring *u, struct sfs_uring_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (u == NULL)
		return;
	/* these two first: a request counts in requests before either, so ran + handed <= requests */
	out->io_thread_ran = atomic_load(&u->io_thread_ran);
	out->handed = atomic_load(&u->handed);
	out->requests = atomic_load(&u->requests);
	out->queues = atomic_load(&u->queues_up);
	out->depth = u->depth;
	out->batched_commits = atomic_load(&u->batched);
	for (unsigned i = 0; i < u->nq; i++) {
		struct uqueue *q = &u->q[i];
		if (q->mem == NULL)
			continue;
		out->ring_bytes += q->memlen;
		size_t pages = (q->memlen + 4095) / 4096;
		unsigned char *vec = malloc(pages);
		if (vec != NULL && mincore(q->mem, q->memlen, vec) == 0)
			for (size_t k = 0; k < pages; k++)
				out->ring_resident_bytes += (vec[k] & 1) ? 4096 : 0;
		free(vec);
	}
}
