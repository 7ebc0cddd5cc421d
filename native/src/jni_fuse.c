/* FuseSession's natives (downcalls) and the thread attachment used by upcalls.
 *
 * A session handle is a pointer to one sfs_ctx. nRun starts the FUSE workers (fuse_loop.c, or
 * libfuse's own loop with --clone-fd) and waits on the calling Java thread until they end; the
 * workers are native threads that attach to the JVM once, as daemons, the first time they make an
 * upcall (their JNIEnv lives in a pthread key whose destructor detaches them at thread exit).
 * libfuse installs no signal handlers: the JVM owns the signals, and Java stops the loop by
 * unmounting (a worker waiting for /dev/fuse wakes only when the connection goes). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "fuse_loop.h"
#include "jni_fuse.h"
#include "jni_util.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define SESSION_CLASS "io/sheepfs/nativeio/FuseSession"
#define CALLBACKS_CLASS "io/sheepfs/nativeio/FsCallbacks"
#define DIRENTRIES_CLASS "io/sheepfs/nativeio/FsCallbacks$DirEntries"

extern char **environ;

/* ------------------------------------------------------------------ threads and exceptions */

static void detach_thread(void *value)
{
	JNIEnv *env = value;
	JavaVM *vm;
	if ((*env)->GetJavaVM(env, &vm) == 0)
		(*vm)->DetachCurrentThread(vm);
}

JNIEnv *sfs_env(struct sfs_ctx *ctx)
{
	sfs_worker_may_block(ctx); /* every upcall may take long: keep a worker reading */
	JNIEnv *env = pthread_getspecific(ctx->env_key);
	if (env != NULL)
		return env;
	if ((*ctx->vm)->GetEnv(ctx->vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK)
		return env; /* a Java thread: it stays attached as it was */
	JavaVMAttachArgs args = { .version = JNI_VERSION_1_8, .name = "sheepfs-fuse", .group = NULL };
	if ((*ctx->vm)->AttachCurrentThreadAsDaemon(ctx->vm, (void **)&env, &args) != JNI_OK) {
		fprintf(stderr, "sheepfs: cannot attach a FUSE thread to the JVM\n");
		return NULL;
	}
	pthread_setspecific(ctx->env_key, env);
	return env;
}

bool sfs_exception(struct sfs_ctx *ctx, JNIEnv *env, const char *what)
{
	atomic_fetch_add_explicit(&ctx->upcalls, 1, memory_order_relaxed);
	if (!(*env)->ExceptionCheck(env))
		return false;
	atomic_fetch_add_explicit(&ctx->upcall_errors, 1, memory_order_relaxed);
	fprintf(stderr, "sheepfs: FsCallbacks.%s threw (answered EIO):\n", what);
	(*env)->ExceptionDescribe(env); /* prints and clears */
	(*env)->ExceptionClear(env);
	return true;
}

__attribute__((format(printf, 2, 3))) static void throw_io(JNIEnv *env, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jclass c = (*env)->FindClass(env, "java/io/IOException");
	if (c != NULL) {
		(*env)->ThrowNew(env, c, msg);
		(*env)->DeleteLocalRef(env, c);
	}
}

/* ------------------------------------------------------------------ session life cycle */

static bool cache_ids(JNIEnv *env, struct sfs_ctx *ctx)
{
	jclass cb = (*env)->FindClass(env, CALLBACKS_CLASS);
	jclass de = cb ? (*env)->FindClass(env, DIRENTRIES_CLASS) : NULL;
	bool ok = cb != NULL && de != NULL;
	if (ok) {
		struct sfs_mids *m = &ctx->mid;
		m->lookup = (*env)->GetMethodID(env, cb, "lookup", "(J[B)[J");
		m->getattr = m->lookup ? (*env)->GetMethodID(env, cb, "getattr", "(J)[J") : NULL;
		m->readdir = m->getattr ? (*env)->GetMethodID(env, cb, "readdir", "(J)L" DIRENTRIES_CLASS ";") : NULL;
		m->open = m->readdir ? (*env)->GetMethodID(env, cb, "open", "(JI)J") : NULL;
		m->read = m->open ? (*env)->GetMethodID(env, cb, "read", "(JJI)[B") : NULL;
		m->write = m->read ? (*env)->GetMethodID(env, cb, "write", "(JJ[B)I") : NULL;
		m->truncate = m->write ? (*env)->GetMethodID(env, cb, "truncate", "(JJ)I") : NULL;
		m->flush = m->truncate ? (*env)->GetMethodID(env, cb, "flush", "(J)I") : NULL;
		m->release = m->flush ? (*env)->GetMethodID(env, cb, "release", "(J)V") : NULL;
		m->open_policy = m->release ? (*env)->GetMethodID(env, cb, "volumeOpenPolicy", "(J)I") : NULL;
		m->de_names = m->open_policy ? (*env)->GetMethodID(env, de, "names", "()[[B") : NULL;
		m->de_inos = m->de_names ? (*env)->GetMethodID(env, de, "inos", "()[J") : NULL;
		m->de_modes = m->de_inos ? (*env)->GetMethodID(env, de, "modes", "()[I") : NULL;
		ok = m->de_modes != NULL;
		if (ok)
			ctx->de_class = (*env)->NewGlobalRef(env, de);
	}
	if (cb)
		(*env)->DeleteLocalRef(env, cb);
	if (de)
		(*env)->DeleteLocalRef(env, de);
	return ok && ctx->de_class != NULL;
}

static void ctx_free(JNIEnv *env, struct sfs_ctx *ctx)
{
	/* Stop the pool first: pending completions still reply through the session, and waiting
	 * reload threads get their answer (ESHUTDOWN) instead of waiting on a dead gateway. Then
	 * let those threads finish before the pool's memory goes. Volumes still attached give
	 * their locks back first, while the pool can still talk. */
	for (int b = 0; ctx->pool && b < SFS_VT_BUCKETS; b++)
		for (struct sfs_vt_entry *e = ctx->vt[b]; e; e = e->next)
			sfs_vol_unlock(e->vol);
	sfs_pool_shutdown(ctx->pool);
	while (atomic_load(&ctx->stats.reload_threads) > 0)
		usleep(1000);
	sfs_pool_destroy(ctx->pool);
	for (int b = 0; b < SFS_VT_BUCKETS; b++) {
		struct sfs_vt_entry *e = ctx->vt[b];
		while (e) {
			struct sfs_vt_entry *next = e->next;
			sfs_vt_entry_put(e);
			e = next;
		}
	}
	if (ctx->se)
		fuse_session_destroy(ctx->se);
	sfs_uring_destroy(ctx->uring); /* replies went through its hook until the session was gone */
	if (ctx->cb)
		(*env)->DeleteGlobalRef(env, ctx->cb);
	if (ctx->de_class)
		(*env)->DeleteGlobalRef(env, ctx->de_class);
	if (ctx->env_key_ok)
		pthread_key_delete(ctx->env_key);
	if (ctx->worker_key_ok)
		pthread_key_delete(ctx->worker_key);
	sfs_bufpool_destroy(ctx->bufs); /* last: the pool's shutdown gave every request buffer back */
	pthread_rwlock_destroy(&ctx->vt_lock);
	if (ctx->pieces_ok)
		sfs_tuner_destroy(&ctx->pieces);
	free(ctx->mountpoint);
	free(ctx);
}

static char *dup_utf(JNIEnv *env, jstring s)
{
	if (s == NULL)
		return NULL;
	const char *c = (*env)->GetStringUTFChars(env, s, NULL);
	if (c == NULL)
		return NULL;
	char *r = strdup(c);
	(*env)->ReleaseStringUTFChars(env, s, c);
	return r;
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

static jlong n_create(JNIEnv *env, jclass cls, jobject callbacks, jstring jmnt, jobjectArray jargs,
		      jstring jgw, jintArray jcfg)
{
	struct sfs_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		throw_io(env, "sheepfs: out of memory");
		return 0;
	}
	pthread_rwlock_init(&ctx->vt_lock, NULL);
	(*env)->GetJavaVM(env, &ctx->vm);
	jint cfg[SFS_CFG_INTS] = { 0 };
	if (jcfg == NULL || (*env)->GetArrayLength(env, jcfg) != SFS_CFG_INTS) {
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: bad configuration array");
		return 0;
	}
	(*env)->GetIntArrayRegion(env, jcfg, 0, SFS_CFG_INTS, cfg);
	ctx->cfg = (struct sfs_cfg){ cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7], cfg[8], cfg[9], cfg[10], cfg[11], cfg[12] };
	if (ctx->cfg.uid < 0)
		ctx->cfg.uid = (int)getuid();
	if (ctx->cfg.gid < 0)
		ctx->cfg.gid = (int)getgid();
	sfs_tuner_init(&ctx->pieces, ctx->cfg.max_piece);
	ctx->pieces_ok = true;
	ctx->vcfg.pieces = &ctx->pieces;
	if (pthread_key_create(&ctx->env_key, detach_thread) != 0) {
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: no thread key");
		return 0;
	}
	ctx->env_key_ok = true;
	if (pthread_key_create(&ctx->worker_key, NULL) != 0) {
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: no thread key");
		return 0;
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
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: out of memory");
		return 0;
	}
	ctx->vcfg.bufs = ctx->bufs;
	ctx->ra_budget.max = 32ll << 20; /* 8 streams reading 4 MiB ahead */
	if (!cache_ids(env, ctx)) {
		(*env)->ExceptionClear(env);
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: FsCallbacks does not have the expected methods");
		return 0;
	}
	ctx->cb = (*env)->NewGlobalRef(env, callbacks);
	ctx->mountpoint = dup_utf(env, jmnt);
	char *gw = dup_utf(env, jgw);
	struct sfs_pool_cfg pc = {
		.connections = ctx->cfg.connections > 0 ? (unsigned)ctx->cfg.connections : 4,
		.io_flusher = ctx->cfg.io_flusher != 0,
		.pin_threads = ctx->cfg.uring_depth > 0,
		.connect_retries = 5, /* 100+200+400+800+1600 ms: rides out a sheep restart */
		.request_timeout_ms = 60000, /* then reconnect and resend; 3 attempts, then EIO */
	};
	ctx->pool = gw ? sfs_pool_create(&pc, gw) : NULL;
	int perr = errno;
	if (ctx->pool == NULL) {
		ctx_free(env, ctx);
		throw_io(env, "bad gateway address '%s' (want host:port[,host:port...]): %s", gw ? gw : "", strerror(perr));
		free(gw);
		return 0;
	}
	free(gw);

	/* libfuse argv: program name, then the options Java chose (-o fsname=...,auto_unmount...) */
	jsize na = jargs ? (*env)->GetArrayLength(env, jargs) : 0;
	char **argv = calloc((size_t)na + 2, sizeof(char *));
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	bool ok = argv != NULL;
	if (ok) {
		argv[0] = strdup("sheepfs");
		for (jsize i = 0; i < na && ok; i++) {
			jstring s = (*env)->GetObjectArrayElement(env, jargs, i);
			argv[i + 1] = dup_utf(env, s);
			ok = argv[i + 1] != NULL;
			if (s)
				(*env)->DeleteLocalRef(env, s);
		}
		args.argc = na + 1;
		args.argv = argv;
	}
	if (ok)
		ctx->se = fuse_session_new(&args, &sfs_fuse_ops, sizeof(sfs_fuse_ops), ctx);
	for (jsize i = 0; argv && i < na + 1; i++)
		free(argv[i]);
	free(argv);
	if (ctx->se == NULL) {
		ctx_free(env, ctx);
		throw_io(env, "sheepfs: libfuse rejected the mount options (see stderr)");
		return 0;
	}
	cloexec_all();
	if (ctx->mountpoint == NULL || fuse_session_mount(ctx->se, ctx->mountpoint) != 0) {
		char mp[PATH_MAX];
		snprintf(mp, sizeof(mp), "%s", ctx->mountpoint ? ctx->mountpoint : "");
		ctx_free(env, ctx);
		throw_io(env, "cannot mount on %s (is /dev/fuse there, the directory empty, fusermount3 installed?)", mp);
		return 0;
	}
	atomic_store(&ctx->mounted, true);
	if (ctx->cfg.uring_depth > 0 && (ctx->uring = sfs_uring_create(ctx, (unsigned)ctx->cfg.uring_depth)) == NULL)
		fprintf(stderr, "sheepfs: serving through /dev/fuse only\n");
	return (jlong)(uintptr_t)ctx;
}

static struct sfs_ctx *ctx_from(jlong h)
{
	return (struct sfs_ctx *)(uintptr_t)h;
}

static jint n_run(JNIEnv *env, jclass cls, jlong h)
{
	struct sfs_ctx *ctx = ctx_from(h);
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
static jint n_unmount(JNIEnv *env, jclass cls, jlong h, jboolean force)
{
	struct sfs_ctx *ctx = ctx_from(h);
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

static void n_destroy(JNIEnv *env, jclass cls, jlong h)
{
	struct sfs_ctx *ctx = ctx_from(h);
	if (ctx == NULL)
		return;
	if (atomic_exchange(&ctx->mounted, false))
		fuse_session_unmount(ctx->se); /* mounted but never run */
	ctx_free(env, ctx);
}

/* ------------------------------------------------------------------ volumes */

static jint n_attach(JNIEnv *env, jclass cls, jlong h, jlong ino, jbyteArray jname, jint vid)
{
	struct sfs_ctx *ctx = ctx_from(h);
	char name[SD_NAME_FIELD + 1];
	jsize n = jname ? (*env)->GetArrayLength(env, jname) : 0;
	if (n <= 0 || n >= SD_NAME_FIELD)
		return n <= 0 ? EINVAL : ENAMETOOLONG;
	(*env)->GetByteArrayRegion(env, jname, 0, n, (jbyte *)name);
	name[n] = '\0';
	if (strlen(name) != (size_t)n)
		return EINVAL; /* an embedded NUL */
	pthread_rwlock_rdlock(&ctx->vt_lock);
	bool exists = false;
	for (struct sfs_vt_entry *e = ctx->vt[(uint64_t)ino % SFS_VT_BUCKETS]; e; e = e->next)
		exists |= e->ino == (uint64_t)ino;
	pthread_rwlock_unlock(&ctx->vt_lock);
	if (exists)
		return EEXIST;
	struct sfs_vol *v;
	int e = sfs_vol_open(ctx->pool, &ctx->stats, &ctx->vcfg, name, (uint32_t)vid, &v);
	if (e)
		return e;
	e = sfs_vol_lock(v); /* as QEMU: one writer per VDI on clusters formatted with the lock flag */
	if (e) {
		sfs_vol_put(v);
		return e;
	}
	struct sfs_vt_entry *ent = calloc(1, sizeof(*ent));
	if (ent == NULL) {
		sfs_vol_put(v);
		return ENOMEM;
	}
	ent->ino = (uint64_t)ino;
	ent->vol = v;
	atomic_init(&ent->refs, 1);
	pthread_rwlock_wrlock(&ctx->vt_lock);
	struct sfs_vt_entry **b = &ctx->vt[(uint64_t)ino % SFS_VT_BUCKETS];
	for (struct sfs_vt_entry *x = *b; x; x = x->next)
		if (x->ino == (uint64_t)ino)
			e = EEXIST; /* raced with another attach */
	if (e == 0) {
		ent->next = *b;
		*b = ent;
	}
	pthread_rwlock_unlock(&ctx->vt_lock);
	if (e) {
		sfs_vol_unlock(v);
		sfs_vol_put(v);
		free(ent);
	}
	return e;
}

/* Lazy, like umount -l: new lookups and opens fail at once; handles already open keep working
 * until released (the kernel releases asynchronously after close(2), so a strict "busy" check
 * would fail a detach that follows a close). */
static jint n_detach(JNIEnv *env, jclass cls, jlong h, jlong ino)
{
	struct sfs_ctx *ctx = ctx_from(h);
	struct sfs_vt_entry *gone = NULL;
	pthread_rwlock_wrlock(&ctx->vt_lock);
	for (struct sfs_vt_entry **pp = &ctx->vt[(uint64_t)ino % SFS_VT_BUCKETS]; *pp; pp = &(*pp)->next) {
		if ((*pp)->ino == (uint64_t)ino) {
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	pthread_rwlock_unlock(&ctx->vt_lock);
	if (gone == NULL)
		return ENOENT;
	sfs_vol_unlock(gone->vol); /* handles still open keep writing, as after umount -l */
	sfs_vt_entry_put(gone);
	return 0;
}

static jlongArray n_volume_info(JNIEnv *env, jclass cls, jlong h, jlong ino)
{
	struct sfs_vol *v = sfs_vt_get(ctx_from(h), (uint64_t)ino);
	if (v == NULL)
		return NULL;
	struct sfs_vol_info vi;
	sfs_vol_info(v, &vi);
	sfs_vol_put(v);
	jlong a[7] = { vi.vid, (jlong)vi.size, vi.object_size, vi.hyper, vi.snapshot, (jlong)vi.allocated, vi.nr_copies };
	jlongArray r = (*env)->NewLongArray(env, 7);
	if (r != NULL)
		(*env)->SetLongArrayRegion(env, r, 0, 7, a);
	return r;
}

static jlongArray n_stats(JNIEnv *env, jclass cls, jlong h)
{
	struct sfs_ctx *ctx = ctx_from(h);
	struct sfs_stats *s = &ctx->stats;
	struct sfs_pool_stats ps;
	sfs_pool_stats(ctx->pool, &ps);
	struct sfs_uring_stats us;
	sfs_uring_stats(ctx->uring, &us);
	jlong a[] = {
		(jlong)atomic_load(&s->reads), (jlong)atomic_load(&s->writes),
		(jlong)atomic_load(&s->read_bytes), (jlong)atomic_load(&s->write_bytes),
		(jlong)atomic_load(&s->segments), (jlong)atomic_load(&s->hole_segments),
		(jlong)atomic_load(&s->creates), (jlong)atomic_load(&s->cow_creates),
		(jlong)atomic_load(&s->index_writes), (jlong)atomic_load(&s->readonly_retries),
		(jlong)atomic_load(&s->reloads), (jlong)atomic_load(&s->errors), (jlong)atomic_load(&s->alloc_waits),
		(jlong)ps.requests, (jlong)ps.resent, (jlong)ps.failed, (jlong)ps.reconnects,
		(jlong)ps.connect_failures, (jlong)ps.malformed, (jlong)ps.inflight,
		(jlong)atomic_load(&ctx->upcalls), (jlong)atomic_load(&ctx->upcall_errors),
		(jlong)atomic_load(&s->writes_peak), (jlong)atomic_load(&s->discards), (jlong)ps.timeouts,
		(jlong)atomic_load(&s->probes), (jlong)atomic_load(&s->adopted),
		(jlong)atomic_load(&s->zero_copy_bytes), (jlong)atomic_load(&s->ra_hits), (jlong)atomic_load(&s->ra_bytes),
		(jlong)ps.sends, (jlong)atomic_load(&ctx->readers_peak),
		(jlong)us.requests, (jlong)us.queues, (jlong)us.depth, (jlong)us.ring_bytes, (jlong)us.ring_resident_bytes, (jlong)us.batched_commits,
		(jlong)us.io_thread_ran, (jlong)us.handed,
		(jlong)sfs_tuner_current(&ctx->pieces, false), (jlong)sfs_tuner_current(&ctx->pieces, true),
		(jlong)sfs_tuner_tries(&ctx->pieces), (jlong)sfs_tuner_switches(&ctx->pieces),
		(jlong)sfs_tuner_current_cap(&ctx->pieces, false), (jlong)sfs_tuner_current_cap(&ctx->pieces, true),
		(jlong)atomic_load(&s->reloads_failed),
	};
	jsize n = (jsize)(sizeof(a) / sizeof(a[0]));
	jlongArray r = (*env)->NewLongArray(env, n);
	if (r != NULL)
		(*env)->SetLongArrayRegion(env, r, 0, n, a);
	return r;
}

static jint n_set_gateway(JNIEnv *env, jclass cls, jlong h, jstring spec)
{
	char *s = dup_utf(env, spec);
	if (s == NULL)
		return EINVAL;
	int e = sfs_pool_set_gateways(ctx_from(h)->pool, s);
	free(s);
	return e;
}

static jstring n_gateway(JNIEnv *env, jclass cls, jlong h)
{
	char buf[1024];
	sfs_pool_gateways(ctx_from(h)->pool, buf, sizeof(buf));
	return (*env)->NewStringUTF(env, buf);
}

static const JNINativeMethod methods[] = {
	{ "nCreate", "(L" CALLBACKS_CLASS ";Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;[I)J", (void *)n_create },
	{ "nRun", "(J)I", (void *)n_run },
	{ "nUnmount", "(JZ)I", (void *)n_unmount },
	{ "nDestroy", "(J)V", (void *)n_destroy },
	{ "nAttach", "(JJ[BI)I", (void *)n_attach },
	{ "nDetach", "(JJ)I", (void *)n_detach },
	{ "nVolumeInfo", "(JJ)[J", (void *)n_volume_info },
	{ "nStats", "(J)[J", (void *)n_stats },
	{ "nSetGateway", "(JLjava/lang/String;)I", (void *)n_set_gateway },
	{ "nGateway", "(J)Ljava/lang/String;", (void *)n_gateway },
};

int sfs_register_fuse_natives(JNIEnv *env)
{
	jclass cls = (*env)->FindClass(env, SESSION_CLASS);
	if (cls == NULL)
		return -1;
	int r = (*env)->RegisterNatives(env, cls, methods, sizeof(methods) / sizeof(methods[0]));
	(*env)->DeleteLocalRef(env, cls);
	return r;
}
