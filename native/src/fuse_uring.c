/* FUSE over io_uring: see fuse_uring.h, and fuse_uring_internal.h for its parts. This part:
 * set-up and life cycle (the rings and their entries' memory), stop, free, payload, stats. */
#define _GNU_SOURCE
#include "fuse_uring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <liburing.h>

#include <fuse_lowlevel.h>

#include "ctx.h"
#include "fuse_uring_internal.h"
#include "pool.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older C libraries lack the name */
#endif

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
		const struct fuse_custom_io io = { .writev = uring_hook_writev, .read = uring_hook_read };
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
		.batch_begin = uring_batch_begin, .batch_end = uring_batch_end, .serve_fd = uring_serve_fd,
		.serve = uring_serve, .ready = uring_ready, .arg = u,
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
