/* The FUSE request loop: see fuse_loop.h. */
#define _GNU_SOURCE
#include "fuse_loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bufpool.h"
#include "ctx.h"

struct sfs_worker {
	struct sfs_loop *loop;
	pthread_t th;
	bool started;
	char *buf; /* the buffer the next request is read into (NULL once an op took it) */
};

struct sfs_loop {
	struct sfs_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned ended;
	int err;          /* of the first worker that ended */
	unsigned max;     /* workers at most */
	unsigned started; /* workers started so far (w[0..started)) */
	atomic_uint idle; /* workers waiting in read(/dev/fuse) */
	struct sfs_worker w[];
};

static void *worker_main(void *arg);

/* With l->mu held. The kernel wakes the longest-waiting reader first, so idle workers take
 * turns: starting them only when none is idle (as fuse_session_loop_mt does) keeps the few
 * that serve a serial stream warm. */
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
	atomic_fetch_add(&l->idle, 1); /* counted idle from the start: no spawn storm before it reads */
	return true;
}

static void worker_ended(struct sfs_loop *l, int err)
{
	pthread_mutex_lock(&l->mu);
	if (l->ended++ == 0)
		l->err = err;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *worker_main(void *arg)
{
	struct sfs_worker *w = arg;
	struct sfs_ctx *ctx = w->loop->ctx;
	struct fuse_session *se = ctx->se;
	size_t bufsize = sfs_bufpool_bufsize(ctx->bufs);
	int err = 0;
	pthread_setspecific(ctx->worker_key, w);
	while (!fuse_session_exited(se)) {
		if (w->buf == NULL && (w->buf = sfs_buf_get(ctx->bufs)) == NULL) {
			err = ENOMEM;
			fprintf(stderr, "sheepfs: no memory for a FUSE request buffer: stopping\n");
			break;
		}
		struct fuse_buf fb = { .mem = w->buf, .size = bufsize };
		int r = fuse_session_receive_buf(se, &fb); /* reads at most bufsize: see jni_fuse.c */
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0) { /* 0: the session exited (ENODEV: unmounted or aborted) */
			err = -r;
			break;
		}
		if (atomic_fetch_sub(&w->loop->idle, 1) == 1) {
			/* nobody left reading: another worker, in case this request blocks (an upcall) */
			pthread_mutex_lock(&w->loop->mu);
			spawn_locked(w->loop);
			pthread_mutex_unlock(&w->loop->mu);
		}
		fuse_session_process_buf(se, &fb);
		atomic_fetch_add(&w->loop->idle, 1);
	}
	pthread_setspecific(ctx->worker_key, NULL);
	sfs_buf_put(ctx->bufs, w->buf);
	w->buf = NULL;
	if (err)
		fuse_session_exit(se);
	worker_ended(w->loop, err);
	return NULL;
}

struct sfs_loop *sfs_loop_start(struct sfs_ctx *ctx, unsigned nthreads)
{
	if (nthreads == 0)
		nthreads = 1;
	struct sfs_loop *l = calloc(1, sizeof(*l) + nthreads * sizeof(struct sfs_worker));
	if (l == NULL)
		return NULL;
	l->ctx = ctx;
	l->max = nthreads;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_mutex_lock(&l->mu);
	bool ok = spawn_locked(l);
	pthread_mutex_unlock(&l->mu);
	if (!ok) {
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
