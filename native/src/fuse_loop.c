/* The FUSE request loop: see fuse_loop.h. */
#define _GNU_SOURCE
#include "fuse_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <linux/fuse.h> /* struct fuse_in_header: the opcode of a request read */

#include <fuse_lowlevel.h>

#include "bufpool.h"
#include "ctx.h"
#include "fuse_uring.h"
#include "pool.h"

struct sfs_worker {
	struct sfs_loop *loop;
	pthread_t th;
	bool started;
	char *buf; /* the buffer the next request is read into (NULL once an op took it) */
	struct sfs_cork cork; /* volume requests gathered while reading a burst */
};

struct sfs_loop {
	struct sfs_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* a worker ended */
	pthread_cond_t park;  /* a parked worker is wanted as a reader, or the loop ends */
	unsigned ended;
	int err;              /* of the first worker that ended */
	unsigned max;         /* workers at most */
	unsigned started;     /* workers started so far (w[0..started)) */
	unsigned readers;     /* workers in (or about to enter) read(/dev/fuse) */
	unsigned max_readers; /* more than this park instead */
	unsigned parked;
	struct sfs_worker w[];
};

static void *worker_main(void *arg);

/* With l->mu held. */
static bool spawn_locked(struct sfs_loop *l)
{
	if (l->started >= l->max || l->ended > 0)
		return false;
	struct sfs_worker *w = &l->w[l->started];
	w->loop = l;
	int e = pthread_create(&w->th, NULL, worker_main, w);
	if (e != 0) {
		fprintf(stderr, "sheepfs: cannot start FUSE worker %u: %s\n", l->started, strerror(e));
		return false;
	}
	w->started = true;
	l->started++;
	return true;
}

static void worker_ended(struct sfs_loop *l, int err)
{
	pthread_mutex_lock(&l->mu);
	if (l->ended++ == 0)
		l->err = err;
	pthread_cond_broadcast(&l->cv);
	pthread_cond_broadcast(&l->park);
	pthread_mutex_unlock(&l->mu);
}

/*
 * Few readers, many workers. A volume read or write never blocks its worker (it completes on a
 * socket thread), so one reader serves a stream of them, and when it comes back the next request
 * is often queued already: no sleep, no wake-up. Several readers would take turns instead (the
 * kernel wakes the longest waiting one for every request), a context switch per request. Workers
 * beyond max_readers park; one about to block (an upcall, a blocking call to sheep) hands the
 * reading over first (sfs_worker_may_block), so the mount never waits for it.
 */
/* With l->mu held. */
static bool must_park(const struct sfs_loop *l, struct fuse_session *se)
{
	return l->readers >= l->max_readers && l->ended == 0 && !fuse_session_exited(se);
}

static bool become_reader(struct sfs_loop *l, struct fuse_session *se)
{
	pthread_mutex_lock(&l->mu);
	while (must_park(l, se)) {
		pthread_mutex_unlock(&l->mu);
		sfs_pool_uncork(l->ctx->pool); /* parking: send what this worker gathered first */
		pthread_mutex_lock(&l->mu);
		if (!must_park(l, se))
			break;
		l->parked++;
		pthread_cond_wait(&l->park, &l->mu);
		l->parked--;
	}
	bool ok = l->ended == 0 && !fuse_session_exited(se);
	if (ok && ++l->readers > atomic_load_explicit(&l->ctx->readers_peak, memory_order_relaxed))
		atomic_store_explicit(&l->ctx->readers_peak, l->readers, memory_order_relaxed); /* under l->mu */
	pthread_mutex_unlock(&l->mu);
	return ok;
}

static void stop_reading(struct sfs_loop *l)
{
	pthread_mutex_lock(&l->mu);
	l->readers--;
	pthread_mutex_unlock(&l->mu);
}

static void *worker_main(void *arg)
{
	struct sfs_worker *w = arg;
	struct sfs_loop *l = w->loop;
	struct sfs_ctx *ctx = l->ctx;
	struct fuse_session *se = ctx->se;
	size_t bufsize = sfs_bufpool_bufsize(ctx->bufs);
	int err = 0;
	char name[16];
	snprintf(name, sizeof(name), "sheepfs-fuse%u", (unsigned)(w - l->w));
	pthread_setname_np(pthread_self(), name);
	pthread_setspecific(ctx->worker_key, w);
	/* EPOLLEXCLUSIVE: a request wakes one idle reader, as a blocking read would, not all */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event want = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fuse_session_fd(se), &want) != 0) {
		err = errno;
		fprintf(stderr, "sheepfs: cannot wait for FUSE requests (epoll): %s\n", strerror(err));
	}
	while (err == 0 && become_reader(l, se)) {
		if (w->buf == NULL && (w->buf = sfs_buf_get(ctx->bufs)) == NULL) {
			stop_reading(l);
			err = ENOMEM;
			fprintf(stderr, "sheepfs: no memory for a FUSE request buffer: stopping\n");
			break;
		}
		struct fuse_buf fb = { .mem = w->buf, .size = bufsize };
		int r;
		/* reads at most bufsize (see session.c); the descriptor is non-blocking: when nothing
		 * is queued, the requests gathered so far go out before the worker sleeps. Once
		 * unmounted the descriptor reports an error and the next read says ENODEV; the timeout
		 * covers a reader whose wake-up went to another. */
		while ((r = fuse_session_receive_buf(se, &fb)) == -EAGAIN) {
			sfs_pool_uncork(ctx->pool);
			struct epoll_event got;
			epoll_wait(ep, &got, 1, 1000);
		}
		stop_reading(l);
		if (r == -EINTR)
			continue;
		if (r <= 0) { /* 0: the session exited (ENODEV: unmounted or aborted) */
			err = -r;
			break;
		}
		/* volume reads and writes never wait: their sends are gathered (see sfs_pool_cork);
		 * anything else may, so it starts with nothing of ours unsent */
		uint32_t op = ((const struct fuse_in_header *)fb.mem)->opcode;
		if (op == FUSE_INIT)
			sfs_uring_saw_request(ctx->uring, fb.mem, (size_t)r);
		if (op == FUSE_READ || op == FUSE_WRITE)
			sfs_pool_cork(ctx->pool, &w->cork);
		else
			sfs_pool_uncork(ctx->pool);
		fuse_session_process_buf(se, &fb);
	}
	sfs_pool_uncork(ctx->pool);
	if (ep >= 0)
		close(ep);
	pthread_setspecific(ctx->worker_key, NULL);
	sfs_buf_put(ctx->bufs, w->buf);
	w->buf = NULL;
	if (err)
		fuse_session_exit(se);
	worker_ended(l, err);
	return NULL;
}

struct sfs_loop *sfs_loop_start(struct sfs_ctx *ctx, unsigned nthreads, unsigned max_readers)
{
	if (nthreads == 0)
		nthreads = 1;
	struct sfs_loop *l = calloc(1, sizeof(*l) + nthreads * sizeof(struct sfs_worker));
	if (l == NULL)
		return NULL;
	l->ctx = ctx;
	l->max = nthreads;
	/* workers wait in epoll before they read (see worker_main); libfuse's loop does not run here */
	int fd = fuse_session_fd(ctx->se);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		free(l);
		return NULL;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	l->max_readers = max_readers ? max_readers : cpus > 4 ? (unsigned)(cpus + 3) / 4 : 1; /* a reader per 4 CPUs */
	if (l->max_readers > nthreads)
		l->max_readers = nthreads;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_cond_init(&l->park, NULL);
	pthread_mutex_lock(&l->mu);
	bool ok = spawn_locked(l);
	pthread_mutex_unlock(&l->mu);
	if (!ok) {
		pthread_cond_destroy(&l->park);
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		errno = EAGAIN;
		return NULL;
	}
	return l;
}

int sfs_loop_wait(struct sfs_loop *l)
{
	pthread_mutex_lock(&l->mu);
	while (l->ended == 0)
		pthread_cond_wait(&l->cv, &l->mu);
	int err = l->err;
	pthread_mutex_unlock(&l->mu);
	return err;
}

void sfs_loop_join(struct sfs_loop *l)
{
	/* no spawning once a worker ended (spawn_locked checks): started is final here */
	pthread_mutex_lock(&l->mu);
	unsigned n = l->started;
	pthread_mutex_unlock(&l->mu);
	for (unsigned i = 0; i < n; i++)
		if (l->w[i].started)
			pthread_join(l->w[i].th, NULL);
	pthread_cond_destroy(&l->park);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

void *sfs_worker_take(struct sfs_ctx *ctx, const void *data, size_t len)
{
	struct sfs_worker *w = pthread_getspecific(ctx->worker_key);
	if (w == NULL || w->buf == NULL)
		return NULL;
	const char *d = data, *b = w->buf;
	size_t size = sfs_bufpool_bufsize(ctx->bufs);
	if (d < b || d > b + size || len > (size_t)(b + size - d))
		return NULL;
	w->buf = NULL;
	return (void *)b;
}

void sfs_worker_may_block(struct sfs_ctx *ctx)
{
	struct sfs_worker *w = pthread_getspecific(ctx->worker_key);
	if (w == NULL)
		return; /* libfuse's own loop (--clone-fd) starts workers by itself */
	struct sfs_loop *l = w->loop;
	sfs_pool_uncork(ctx->pool); /* nothing of ours may wait behind this */
	pthread_mutex_lock(&l->mu);
	if (l->readers < l->max_readers) {
		if (l->parked > 0)
			pthread_cond_signal(&l->park);
		else
			spawn_locked(l);
	}
	pthread_mutex_unlock(&l->mu);
}
