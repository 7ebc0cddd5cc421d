/* One mount's life: see session.h. */
#define _GNU_SOURCE
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "bufpool.h"
#include "cfg.h"
#include "ctx.h"
#include "fuse_loop.h"
#include "fuse_ops.h"
#include "fuse_uring.h"
#include "piece_tuner.h"
#include "pool.h"
#include "vol_table.h"
#include "volume.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

extern char **environ;

static void ctx_free(struct sfs_ctx *ctx)
{
	/* Stop the pool first: pending completions still reply through the session, and waiting
	 * reload threads get their answer (ESHUTDOWN) instead of waiting on a dead gateway. Then
	 * let those threads finish before the pool's memory goes. Volumes still attached give
	 * their locks back first, while the pool can still talk. */
	if (ctx->pool)
		sfs_vt_unlock_all(&ctx->vt);
	sfs_pool_shutdown(ctx->pool);
	while (atomic_load(&ctx->stats.reload_threads) > 0)
		usleep(1000);
	sfs_pool_destroy(ctx->pool);
	sfs_vt_destroy(&ctx->vt);
	if (ctx->se)
		fuse_session_destroy(ctx->se);
	sfs_uring_destroy(ctx->uring); /* replies went through its hook until the session was gone */
	if (ctx->worker_key_ok)
		pthread_key_delete(ctx->worker_key);
	sfs_bufpool_destroy(ctx->bufs); /* last: the pool's shutdown gave every request buffer back */
	if (ctx->pieces_ok)
		sfs_tuner_destroy(&ctx->pieces);
	free(ctx->mountpoint);
	free(ctx);
}

/*
 * libfuse forks fusermount3 to mount (always with auto_unmount), and with auto_unmount that child
 * stays alive as a watchdog for the whole mount, holding every descriptor it inherited. The JVM
 * opens its sockets and files without FD_CLOEXEC, so the watchdog would keep, e.g., the embedded
 * sheep's listening socket open after the sheep closed it (the port stays in LISTEN, clients hang).
 * Mark every descriptor close-on-exec before the fork: nothing in a JVM relies on inheriting them.
 */
static void cloexec_all(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end != '\0' || end == de->d_name || fd <= 2 || fd == self)
			continue;
		int fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
	}
	closedir(d);
}

/* Everything but the mount; false (with the reason in err) on failure. */
/* The pool's request timeout for io timeout io_s seconds (0: none): half of it, 1..10 s. */
static unsigned io_attempt_ms(int io_s)
{
	if (io_s <= 0 || io_s >= 20)
		return 10000;
	return io_s < 2 ? 1000 : (unsigned)io_s * 500u;
}

static bool ctx_init(struct sfs_ctx *ctx, const char *mountpoint, const char *gateways, char *err, size_t errlen)
{
	if (ctx->cfg.uid < 0)
		ctx->cfg.uid = (int)getuid();
	if (ctx->cfg.gid < 0)
		ctx->cfg.gid = (int)getgid();
	sfs_tuner_init(&ctx->pieces, ctx->cfg.max_piece);
	ctx->pieces_ok = true;
	ctx->vcfg.pieces = &ctx->pieces;
	if (pthread_key_create(&ctx->worker_key, NULL) != 0) {
		snprintf(err, errlen, "sheepfs: no thread key");
		return false;
	}
	ctx->worker_key_ok = true;
	/* libfuse reads up to FUSE_MAX_MAX_PAGES (256) pages plus a header page into a request
	 * buffer before init, and max_write plus that page after: size ours for the larger */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t mw = ctx->cfg.max_write > 0 ? (size_t)ctx->cfg.max_write : 1u << 20;
	size_t bufsize = (256 * page > mw ? 256 * page : mw) + page;
	/* idle buffers kept: one per worker plus some for reads in flight (about 24 MiB at most) */
	ctx->bufs = sfs_bufpool_create(bufsize, (unsigned)(ctx->cfg.max_threads > 0 ? ctx->cfg.max_threads : 8) + 16);
	if (ctx->bufs == NULL) {
		snprintf(err, errlen, "sheepfs: out of memory");
		return false;
	}
	ctx->vcfg.bufs = ctx->bufs;
	ctx->ra_budget.max = 32ll << 20; /* 8 streams reading 4 MiB ahead */
	ctx->mountpoint = mountpoint ? strdup(mountpoint) : NULL;
	struct sfs_pool_cfg pc = {
		.connections = ctx->cfg.connections > 0 ? (unsigned)ctx->cfg.connections : 4,
		.io_flusher = ctx->cfg.io_flusher != 0,
		.pin_threads = ctx->cfg.uring_depth > 0,
		.connect_retries = 5, /* 100+200+400+800+1600 ms: rides out a sheep restart */
		/* A silent gateway is left after half the io timeout (1..10 s: a sheep that is only
		 * slow still gets that long), the request resent on a new connection, to the next
		 * gateway; what is still unanswered at the io timeout fails with EIO. */
		.request_timeout_ms = io_attempt_ms(ctx->cfg.io_timeout),
		.io_timeout_ms = ctx->cfg.io_timeout > 0 && ctx->cfg.io_timeout < INT_MAX / 1000 ?
				 (unsigned)ctx->cfg.io_timeout * 1000u : UINT_MAX,
	};
	ctx->pool = gateways ? sfs_pool_create(&pc, gateways) : NULL;
	if (ctx->pool == NULL) {
		snprintf(err, errlen, "bad gateway address '%s' (want host:port[,host:port...]): %s",
			 gateways ? gateways : "", strerror(errno));
		return false;
	}
	return true;
}

struct sfs_ctx *sfs_session_create(const struct sfs_cfg *cfg, struct sfs_upcalls *up, const char *mountpoint,
				   int argc, char **argv, const char *gateways, char *err, size_t errlen)
{
	struct sfs_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		snprintf(err, errlen, "sheepfs: out of memory");
		return NULL;
	}
	sfs_vt_init(&ctx->vt);
	ctx->cfg = *cfg;
	ctx->up = up;
	if (!ctx_init(ctx, mountpoint, gateways, err, errlen)) {
		ctx_free(ctx);
		return NULL;
	}
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	ctx->se = fuse_session_new(&args, &sfs_fuse_ops, sizeof(sfs_fuse_ops), ctx);
	if (ctx->se == NULL) {
		ctx_free(ctx);
		snprintf(err, errlen, "sheepfs: libfuse rejected the mount options (see stderr)");
		return NULL;
	}
	cloexec_all();
	if (ctx->mountpoint == NULL || fuse_session_mount(ctx->se, ctx->mountpoint) != 0) {
		snprintf(err, errlen, "cannot mount on %s (is /dev/fuse there, the directory empty, fusermount3 installed?)",
			 mountpoint ? mountpoint : "");
		ctx_free(ctx);
		return NULL;
	}
	atomic_store(&ctx->mounted, true);
	if (ctx->cfg.uring_depth > 0 && (ctx->uring = sfs_uring_create(ctx, (unsigned)ctx->cfg.uring_depth)) == NULL)
		fprintf(stderr, "sheepfs: serving through /dev/fuse only\n");
	return ctx;
}

int sfs_session_run(struct sfs_ctx *ctx)
{
	unsigned threads = ctx->cfg.max_threads > 0 ? (unsigned)ctx->cfg.max_threads : 8;
	if (ctx->cfg.io_flusher && prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0)
		fprintf(stderr, "sheepfs: PR_SET_IO_FLUSHER not available (%s): a loop device on this mount "
			"could deadlock under memory pressure\n", strerror(errno));
	/* workers are created from this thread and inherit IO_FLUSHER */
	int r;
	struct sfs_loop *loop = NULL;
	if (ctx->cfg.clone_fd) {
		/* one /dev/fuse descriptor per worker needs libfuse's own loop (its channels are
		 * private): writes copy their data there */
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		if (lc == NULL)
			return ENOMEM;
		fuse_loop_cfg_set_max_threads(lc, threads);
		fuse_loop_cfg_set_clone_fd(lc, 1);
		/* max_idle_threads stays at -1 (never destroy idle workers): thread churn costs CPU */
		r = fuse_session_loop_mt(ctx->se, lc);
		fuse_loop_cfg_destroy(lc);
	} else {
		loop = sfs_loop_start(ctx, threads, ctx->cfg.readers > 0 ? (unsigned)ctx->cfg.readers : 0);
		r = loop ? sfs_loop_wait(loop) : errno;
	}
	atomic_store(&ctx->loop_done, true);
	if (ctx->cfg.io_flusher)
		prctl(PR_SET_IO_FLUSHER, 0, 0, 0, 0);
	/* Normally the loop ends because the kernel connection is gone (an unmount, ours or
	 * fusermount3's, or an abort): then /dev/fuse polls POLLERR and there is nothing to unmount
	 * (fuse_session_destroy closes the fd). If it ended for another reason, unmount now rather
	 * than leave a dead mount point behind. */
	struct pollfd pfd = { .fd = fuse_session_fd(ctx->se), .events = 0 };
	bool gone = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
	if (atomic_exchange(&ctx->mounted, false) && !gone) {
		fprintf(stderr, "sheepfs: the FUSE loop ended on its own (%s): unmounting %s\n",
			strerror(r < 0 ? -r : r), ctx->mountpoint);
		fuse_session_unmount(ctx->se);
	}
	if (loop)
		sfs_loop_join(loop); /* the connection is gone now: every worker reads ENODEV */
	sfs_uring_stop(ctx->uring);
	return r < 0 ? -r : r;
}

static int run_fusermount(const char *mnt, bool lazy)
{
	pid_t pid;
	char *argv[] = { "fusermount3", "-u", lazy ? "-z" : "-q", "--", (char *)mnt, NULL };
	int r = posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ);
	if (r != 0)
		return r;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : EBUSY;
}

/*
 * Unmounting ends the loop (workers read ENODEV). force: a busy mount is aborted (MNT_FORCE makes
 * the FUSE connection fail every request) and detached, so the loop ends even with files open.
 */
int sfs_session_unmount(struct sfs_ctx *ctx, bool force)
{
	if (!atomic_load(&ctx->mounted) || atomic_load(&ctx->loop_done))
		return 0;
	/* no fuse_session_exit(): the unmount itself ends the loop, and a refused (EBUSY) unmount
	 * must leave the loop running */
	int r;
	if (geteuid() == 0) {
		r = umount2(ctx->mountpoint, UMOUNT_NOFOLLOW) == 0 ? 0 : errno;
		if (r == EBUSY && force) {
			umount2(ctx->mountpoint, MNT_FORCE | UMOUNT_NOFOLLOW);
			r = umount2(ctx->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ? 0 : errno;
		}
	} else {
		r = run_fusermount(ctx->mountpoint, false);
		if (r != 0 && force)
			r = run_fusermount(ctx->mountpoint, true);
	}
	return r == EINVAL ? 0 : r; /* EINVAL: not mounted (any more) */
}

void sfs_session_destroy(struct sfs_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (atomic_exchange(&ctx->mounted, false))
		fuse_session_unmount(ctx->se); /* mounted but never run */
	ctx_free(ctx);
}

int sfs_session_attach(struct sfs_ctx *ctx, uint64_t ino, const char *name, uint32_t vid)
{
	if (sfs_vt_has(&ctx->vt, ino))
		return EEXIST;
	struct sfs_vol *v;
	int e = sfs_vol_open(ctx->pool, &ctx->stats, &ctx->vcfg, name, vid, &v);
	if (e)
		return e;
	e = sfs_vol_lock(v); /* as QEMU: one writer per VDI on clusters formatted with the lock flag */
	if (e) {
		sfs_vol_put(v);
		return e;
	}
	e = sfs_vt_add(&ctx->vt, ino, v);
	if (e) {
		sfs_vol_unlock(v);
		sfs_vol_put(v);
	}
	return e;
}
