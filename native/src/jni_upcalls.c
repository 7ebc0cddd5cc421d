/* The upcalls into the Java tree (FsCallbacks) for fuse_ops.c, and the threads' attachment to
 * the JVM that they need.
 *
 * FUSE workers are native threads: each attaches once, as a daemon, the first time it makes an
 * upcall, and stays attached (its JNIEnv lives in a pthread key whose destructor detaches it at
 * thread exit). Every upcall runs inside its own local frame (jni_util.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ctx.h"
#include "fuse_loop.h"
#include "jni_upcalls.h"
#include "jni_util.h"
#include "upcalls.h"

#define CALLBACKS_CLASS "io/sheepfs/nativeio/FsCallbacks"
#define DIRENTRIES_CLASS "io/sheepfs/nativeio/FsCallbacks$DirEntries"
#define ATTR_LEN 7

struct sfs_upcalls {
	JavaVM *vm;
	jobject cb;       /* FsCallbacks (global ref) */
	jclass de_class;  /* FsCallbacks.DirEntries (global ref): keeps the method ids below valid */
	jmethodID lookup, getattr, readdir, open, read, write, truncate, flush, release, open_policy;
	jmethodID de_names, de_inos, de_modes;
	pthread_key_t env_key; /* JNIEnv of native threads we attached; destructor detaches */
	bool env_key_ok;
};

/* ------------------------------------------------------------------ threads and exceptions */

static void detach_thread(void *value)
{
	JNIEnv *env = value;
	JavaVM *vm;
	if ((*env)->GetJavaVM(env, &vm) == 0)
		(*vm)->DetachCurrentThread(vm);
}

/* A JNIEnv for the calling thread (attaching it once, as a daemon), or NULL if the JVM refused. */
static JNIEnv *env_of(struct sfs_ctx *ctx)
{
	struct sfs_upcalls *up = ctx->up;
	sfs_worker_may_block(ctx); /* every upcall may take long: keep a worker reading */
	JNIEnv *env = pthread_getspecific(up->env_key);
	if (env != NULL)
		return env;
	if ((*up->vm)->GetEnv(up->vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK)
		return env; /* a Java thread: it stays attached as it was */
	JavaVMAttachArgs args = { .version = JNI_VERSION_1_8, .name = "sheepfs-fuse", .group = NULL };
	if ((*up->vm)->AttachCurrentThreadAsDaemon(up->vm, (void **)&env, &args) != JNI_OK) {
		fprintf(stderr, "sheepfs: cannot attach a FUSE thread to the JVM\n");
		return NULL;
	}
	pthread_setspecific(up->env_key, env);
	return env;
}

/* After every upcall: true (and the exception printed and cleared) if Java threw. */
static bool threw(struct sfs_ctx *ctx, JNIEnv *env, const char *what)
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

/* ------------------------------------------------------------------ life cycle */

static bool cache_ids(JNIEnv *env, struct sfs_upcalls *m)
{
	jclass cb = (*env)->FindClass(env, CALLBACKS_CLASS);
	jclass de = cb ? (*env)->FindClass(env, DIRENTRIES_CLASS) : NULL;
	bool ok = cb != NULL && de != NULL;
	if (ok) {
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
			m->de_class = (*env)->NewGlobalRef(env, de);
	}
	if (cb)
		(*env)->DeleteLocalRef(env, cb);
	if (de)
		(*env)->DeleteLocalRef(env, de);
	return ok && m->de_class != NULL;
}

struct sfs_upcalls *sfs_upcalls_create(JNIEnv *env, jobject callbacks)
{
	struct sfs_upcalls *up = calloc(1, sizeof(*up));
	if (up == NULL)
		return NULL;
	bool ok = (*env)->GetJavaVM(env, &up->vm) == 0 && cache_ids(env, up);
	(*env)->ExceptionClear(env); /* a missing method: the caller says what it expected */
	if (ok)
		ok = (up->cb = (*env)->NewGlobalRef(env, callbacks)) != NULL;
	if (ok)
		ok = up->env_key_ok = pthread_key_create(&up->env_key, detach_thread) == 0;
	if (!ok) {
		sfs_upcalls_destroy(env, up);
		return NULL;
	}
	return up;
}

void sfs_upcalls_destroy(JNIEnv *env, struct sfs_upcalls *up)
{
	if (up == NULL)
		return;
	if (up->cb)
		(*env)->DeleteGlobalRef(env, up->cb);
	if (up->de_class)
		(*env)->DeleteGlobalRef(env, up->de_class);
	if (up->env_key_ok)
		pthread_key_delete(up->env_key);
	free(up);
}

/* ------------------------------------------------------------------ the calls */

/* Decodes FsCallbacks' long[] attributes. Returns 0, or the errno Java returned. */
static int attr_decode(JNIEnv *env, jlongArray arr, struct stat *st, int *kind)
{
	if (arr == NULL)
		return EIO;
	jsize n = (*env)->GetArrayLength(env, arr);
	jlong a[ATTR_LEN] = { 0 };
	if (n == 1) {
		(*env)->GetLongArrayRegion(env, arr, 0, 1, a);
		return a[0] > 0 && a[0] < 4096 ? (int)a[0] : EIO;
	}
	if (n < ATTR_LEN)
		return EIO;
	(*env)->GetLongArrayRegion(env, arr, 0, ATTR_LEN, a);
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t)a[0];
	*kind = (int)a[1];
	st->st_mode = (mode_t)a[2];
	st->st_size = (off_t)a[3];
	st->st_nlink = (nlink_t)a[4];
	st->st_mtim.tv_sec = (time_t)a[5];
	st->st_atim = st->st_ctim = st->st_mtim;
	st->st_blocks = (blkcnt_t)a[6];
	return 0;
}

int sfs_up_lookup(struct sfs_ctx *ctx, uint64_t parent, const char *name, struct stat *st, int *kind)
{
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return EIO;
	int err = EIO;
	SFS_LOCAL_FRAME(env, 8)
	{
		size_t len = strlen(name);
		jbyteArray jname = (*env)->NewByteArray(env, (jsize)len);
		if (jname == NULL) {
			err = ENOMEM;
			threw(ctx, env, "lookup");
		} else {
			(*env)->SetByteArrayRegion(env, jname, 0, (jsize)len, (const jbyte *)name);
			jlongArray r = (*env)->CallObjectMethod(env, ctx->up->cb, ctx->up->lookup, (jlong)parent, jname);
			err = threw(ctx, env, "lookup") ? EIO : attr_decode(env, r, st, kind);
		}
	}
	return err;
}

int sfs_up_getattr(struct sfs_ctx *ctx, uint64_t ino, struct stat *st, int *kind)
{
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return EIO;
	int err = EIO;
	SFS_LOCAL_FRAME(env, 4)
	{
		jlongArray r = (*env)->CallObjectMethod(env, ctx->up->cb, ctx->up->getattr, (jlong)ino);
		err = threw(ctx, env, "getattr") ? EIO : attr_decode(env, r, st, kind);
	}
	return err;
}

void sfs_dir_free(struct sfs_dir *d)
{
	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->inos);
	free(d->modes);
	free(d);
}

static struct sfs_dir *dir_alloc(jsize n)
{
	struct sfs_dir *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->names = calloc((size_t)n + 1, sizeof(char *));
	d->inos = calloc((size_t)n + 1, sizeof(uint64_t));
	d->modes = calloc((size_t)n + 1, sizeof(uint32_t));
	if (d->names == NULL || d->inos == NULL || d->modes == NULL) {
		sfs_dir_free(d);
		return NULL;
	}
	return d;
}

/* Copies the three parallel arrays of a DirEntries into d. Returns 0 or ENOMEM. */
static int dir_fill(JNIEnv *env, struct sfs_dir *d, jsize n, jobjectArray names, jlongArray inos, jintArray modes)
{
	int err = 0;
	jlong *il = malloc(sizeof(jlong) * ((size_t)n + 1));
	jint *ml = malloc(sizeof(jint) * ((size_t)n + 1));
	if (il == NULL || ml == NULL) {
		err = ENOMEM;
	} else {
		(*env)->GetLongArrayRegion(env, inos, 0, n, il);
		(*env)->GetIntArrayRegion(env, modes, 0, n, ml);
		for (jsize i = 0; i < n && err == 0; i++) {
			jbyteArray b = (*env)->GetObjectArrayElement(env, names, i);
			jsize bl = b ? (*env)->GetArrayLength(env, b) : 0;
			char *s = malloc((size_t)bl + 1);
			if (s == NULL) {
				err = ENOMEM;
			} else {
				if (bl > 0)
					(*env)->GetByteArrayRegion(env, b, 0, bl, (jbyte *)s);
				s[bl] = '\0';
				d->names[d->n] = s;
				d->inos[d->n] = (uint64_t)il[i];
				d->modes[d->n] = (uint32_t)ml[i];
				d->n++;
			}
			if (b)
				(*env)->DeleteLocalRef(env, b); /* one per entry: don't let a long listing fill the frame */
		}
	}
	free(il);
	free(ml);
	return err;
}

int sfs_up_readdir(struct sfs_ctx *ctx, uint64_t ino, struct sfs_dir **out)
{
	struct sfs_upcalls *up = ctx->up;
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return EIO;
	int err = EIO;
	struct sfs_dir *d = NULL;
	SFS_LOCAL_FRAME(env, 16)
	{
		err = 0;
		jobject de = (*env)->CallObjectMethod(env, up->cb, up->readdir, (jlong)ino);
		if (threw(ctx, env, "readdir")) {
			err = EIO;
		} else if (de == NULL) {
			err = ENOTDIR;
		} else {
			/* record accessors: each call checked before the next JNI call */
			jobjectArray names = (*env)->CallObjectMethod(env, de, up->de_names);
			jlongArray inos = threw(ctx, env, "readdir") ? NULL : (*env)->CallObjectMethod(env, de, up->de_inos);
			jintArray modes = threw(ctx, env, "readdir") ? NULL : (*env)->CallObjectMethod(env, de, up->de_modes);
			bool failed = threw(ctx, env, "readdir");
			jsize n = !failed && names && inos && modes ? (*env)->GetArrayLength(env, names) : -1;
			if (n < 0 || (*env)->GetArrayLength(env, inos) != n || (*env)->GetArrayLength(env, modes) != n)
				err = EIO;
			else if ((d = dir_alloc(n)) == NULL)
				err = ENOMEM;
			else
				err = dir_fill(env, d, n, names, inos, modes);
		}
	}
	if (err) {
		sfs_dir_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int sfs_up_volume_open_policy(struct sfs_ctx *ctx, uint64_t ino)
{
	JNIEnv *env = env_of(ctx);
	int policy = 0;
	if (env == NULL)
		return policy;
	SFS_LOCAL_FRAME(env, 2)
	{
		jint p = (*env)->CallIntMethod(env, ctx->up->cb, ctx->up->open_policy, (jlong)ino);
		policy = threw(ctx, env, "volumeOpenPolicy") ? 0 : p;
	}
	return policy;
}

int sfs_up_truncate(struct sfs_ctx *ctx, uint64_t ino, uint64_t size)
{
	JNIEnv *env = env_of(ctx);
	jint r = EIO;
	if (env == NULL)
		return EIO;
	SFS_LOCAL_FRAME(env, 2)
	{
		jint c = (*env)->CallIntMethod(env, ctx->up->cb, ctx->up->truncate, (jlong)ino, (jlong)size);
		r = threw(ctx, env, "truncate") ? EIO : c;
	}
	return r >= 0 ? r : EIO;
}

int sfs_up_flush(struct sfs_ctx *ctx, uint64_t fh)
{
	JNIEnv *env = env_of(ctx);
	jint r = EIO;
	if (env == NULL)
		return EIO;
	SFS_LOCAL_FRAME(env, 2)
	{
		jint c = (*env)->CallIntMethod(env, ctx->up->cb, ctx->up->flush, (jlong)fh);
		r = threw(ctx, env, "flush") ? EIO : c;
	}
	return r >= 0 ? r : EIO;
}

int64_t sfs_up_open(struct sfs_ctx *ctx, uint64_t ino, int flags)
{
	JNIEnv *env = env_of(ctx);
	jlong h = -EIO;
	if (env == NULL)
		return h;
	SFS_LOCAL_FRAME(env, 2)
	{
		jlong r = (*env)->CallLongMethod(env, ctx->up->cb, ctx->up->open, (jlong)ino, (jint)flags);
		h = threw(ctx, env, "open") ? -EIO : r;
	}
	return h;
}

int sfs_up_read(struct sfs_ctx *ctx, uint64_t fh, uint64_t off, size_t size, char **buf, size_t *len)
{
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return EIO;
	int err = EIO;
	*buf = NULL;
	SFS_LOCAL_FRAME(env, 2)
	{
		err = 0;
		jbyteArray r = (*env)->CallObjectMethod(env, ctx->up->cb, ctx->up->read, (jlong)fh, (jlong)off,
							(jint)(size > INT32_MAX ? INT32_MAX : size));
		if (threw(ctx, env, "read") || r == NULL) {
			err = EIO;
		} else {
			jsize n = (*env)->GetArrayLength(env, r);
			if ((size_t)n > size)
				n = (jsize)size;
			*buf = malloc(n > 0 ? (size_t)n : 1);
			if (*buf == NULL)
				err = ENOMEM;
			else if (n > 0)
				(*env)->GetByteArrayRegion(env, r, 0, n, (jbyte *)*buf);
			*len = (size_t)n;
		}
	}
	return err;
}

int64_t sfs_up_write(struct sfs_ctx *ctx, uint64_t fh, uint64_t off, const char *data, size_t size)
{
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return -EIO;
	jint r = -EIO;
	SFS_LOCAL_FRAME(env, 2)
	{
		jbyteArray jb = (*env)->NewByteArray(env, (jsize)size);
		if (jb != NULL) {
			(*env)->SetByteArrayRegion(env, jb, 0, (jsize)size, (const jbyte *)data);
			jint c = (*env)->CallIntMethod(env, ctx->up->cb, ctx->up->write, (jlong)fh, (jlong)off, jb);
			r = threw(ctx, env, "write") ? -EIO : c;
		} else {
			threw(ctx, env, "write");
			r = -ENOMEM;
		}
	}
	return r;
}

void sfs_up_release(struct sfs_ctx *ctx, uint64_t fh)
{
	JNIEnv *env = env_of(ctx);
	if (env == NULL)
		return;
	SFS_LOCAL_FRAME(env, 2)
	{
		(*env)->CallVoidMethod(env, ctx->up->cb, ctx->up->release, (jlong)fh);
		threw(ctx, env, "release");
	}
}
