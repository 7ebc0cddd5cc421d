/* FUSE over io_uring: see fuse_uring.h, and fuse_uring_internal.h for its parts. This part:
 * serving the rings (held requests, commands, the session's I/O hooks, the serving threads). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/fuse.h>

#include <fuse_lowlevel.h>

#include "affinity.h"
#include "ctx.h"
#include "fuse_uring_internal.h"
#include "pool.h"
#include "ring_submit.h"
#include "vol_fh.h"

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

void uring_batch_begin(void *arg, unsigned conn)
{
	struct sfs_uring *u = arg;
	if (u->deferring_ok && conn < SFS_POOL_MAX_CONNECTIONS)
		pthread_setspecific(u->deferring, u->defer + (size_t)conn * u->nq);
}

void uring_batch_end(void *arg, unsigned conn)
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

ssize_t uring_hook_writev(int fd, struct iovec *iov, int count, void *userdata)
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

ssize_t uring_hook_read(int fd, void *buf, size_t len, void *userdata)
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

int uring_serve_fd(void *arg, unsigned conn)
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

void uring_serve(void *arg, unsigned conn)
{
	struct uqueue *q = served_queue(arg, conn);
	if (q == NULL)
		return;
	if (q->registered && !atomic_load(&q->done) && !reap(q))
		atomic_store(&q->done, true);
}

bool uring_ready(void *arg, unsigned conn)
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
