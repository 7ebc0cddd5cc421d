/* FuseSession's natives: marshalling between Java and the session (session.c).
 *
 * A session handle is a pointer to one sfs_ctx. nRun runs the FUSE loop on the calling Java
 * thread until the mount goes; the upcalls the workers make are jni_upcalls.c's. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "cfg.h"
#include "counters.h"
#include "ctx.h"
#include "jni_fuse.h"
#include "jni_upcalls.h"
#include "pool.h"
#include "sd_proto.h"
#include "session.h"
#include "vol_table.h"
#include "volume.h"

#define SESSION_CLASS "io/sheepfs/nativeio/FuseSession"
#define CALLBACKS_CLASS "io/sheepfs/nativeio/FsCallbacks"

/* Throws an IOException, unless an exception (an OutOfMemoryError) is pending already. */
__attribute__((format(printf, 2, 3))) static void throw_io(JNIEnv *env, const char *fmt, ...)
{
	if ((*env)->ExceptionCheck(env))
		return;
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

static void free_argv(char **argv, jsize n)
{
	for (jsize i = 0; argv && i < n; i++)
		free(argv[i]);
	free(argv);
}

/* libfuse argv: program name, then the options Java chose (-o fsname=...,auto_unmount...);
 * NULL if memory ran out. */
static char **fuse_argv(JNIEnv *env, jobjectArray jargs, jsize *argc)
{
	jsize na = jargs ? (*env)->GetArrayLength(env, jargs) : 0;
	char **argv = calloc((size_t)na + 2, sizeof(char *));
	bool ok = argv != NULL && (argv[0] = strdup("sheepfs")) != NULL;
	for (jsize i = 0; i < na && ok; i++) {
		jstring s = (*env)->GetObjectArrayElement(env, jargs, i);
		argv[i + 1] = dup_utf(env, s);
		ok = argv[i + 1] != NULL;
		if (s)
			(*env)->DeleteLocalRef(env, s);
	}
	if (!ok) {
		free_argv(argv, na + 1);
		return NULL;
	}
	*argc = na + 1;
	return argv;
}

/* The configuration: FuseSession's settings by name (cfg.h), the rest at their defaults. False
 * (an IOException thrown) for a name this library does not know: Java is out of step with it. */
static bool read_cfg(JNIEnv *env, jobjectArray jnames, jintArray jvalues, struct sfs_cfg *cfg)
{
	sfs_cfg_defaults(cfg);
	jsize n = jnames ? (*env)->GetArrayLength(env, jnames) : 0;
	if (jvalues == NULL || (*env)->GetArrayLength(env, jvalues) != n) {
		throw_io(env, "sheepfs: configuration names and values differ in number");
		return false;
	}
	bool ok = true;
	for (jsize i = 0; i < n && ok; i++) {
		jstring js = (*env)->GetObjectArrayElement(env, jnames, i);
		char *name = dup_utf(env, js);
		jint v = 0;
		(*env)->GetIntArrayRegion(env, jvalues, i, 1, &v);
		if (name == NULL) {
			ok = false;
			throw_io(env, "sheepfs: configuration name %d missing (or out of memory)", (int)i);
		} else if (sfs_cfg_set(cfg, name, v) != 0) {
			ok = false;
			throw_io(env, "sheepfs: unknown configuration name '%s' (the native library is older than the Java code?)", name);
		}
		free(name);
		if (js)
			(*env)->DeleteLocalRef(env, js);
	}
	return ok;
}

static jlong n_create(JNIEnv *env, jclass cls, jobject callbacks, jstring jmnt, jobjectArray jargs,
		      jstring jgw, jobjectArray jcfg_names, jintArray jcfg_values)
{
	struct sfs_cfg cfg;
	if (!read_cfg(env, jcfg_names, jcfg_values, &cfg))
		return 0;
	struct sfs_upcalls *up = sfs_upcalls_create(env, callbacks);
	if (up == NULL) {
		throw_io(env, "sheepfs: FsCallbacks does not have the expected methods");
		return 0;
	}
	jsize argc = 0;
	char **argv = fuse_argv(env, jargs, &argc);
	char *mnt = dup_utf(env, jmnt);
	char *gw = dup_utf(env, jgw);
	char err[1024] = "sheepfs: out of memory";
	struct sfs_ctx *ctx = argv ? sfs_session_create(&cfg, up, mnt, argc, argv, gw, err, sizeof(err)) : NULL;
	free_argv(argv, argc);
	free(mnt);
	free(gw);
	if (ctx == NULL) {
		sfs_upcalls_destroy(env, up);
		throw_io(env, "%s", err);
		return 0;
	}
	return (jlong)(uintptr_t)ctx;
}

static struct sfs_ctx *ctx_from(jlong h)
{
	return (struct sfs_ctx *)(uintptr_t)h;
}

static jint n_run(JNIEnv *env, jclass cls, jlong h)
{
	return sfs_session_run(ctx_from(h));
}

static jint n_unmount(JNIEnv *env, jclass cls, jlong h, jboolean force)
{
	return sfs_session_unmount(ctx_from(h), force);
}

static void n_destroy(JNIEnv *env, jclass cls, jlong h)
{
	struct sfs_ctx *ctx = ctx_from(h);
	if (ctx == NULL)
		return;
	struct sfs_upcalls *up = ctx->up;
	sfs_session_destroy(ctx); /* no upcall can run after this */
	sfs_upcalls_destroy(env, up);
}

/* ------------------------------------------------------------------ volumes */

static jint n_attach(JNIEnv *env, jclass cls, jlong h, jlong ino, jbyteArray jname, jint vid)
{
	char name[SD_NAME_FIELD + 1];
	jsize n = jname ? (*env)->GetArrayLength(env, jname) : 0;
	if (n <= 0 || n >= SD_NAME_FIELD)
		return n <= 0 ? EINVAL : ENAMETOOLONG;
	(*env)->GetByteArrayRegion(env, jname, 0, n, (jbyte *)name);
	name[n] = '\0';
	if (strlen(name) != (size_t)n)
		return EINVAL; /* an embedded NUL */
	return sfs_session_attach(ctx_from(h), (uint64_t)ino, name, (uint32_t)vid);
}

/* EBUSY while descriptors are open on the volume (sfs_vt_detach waits briefly for the releases
 * that follow a close(2)). */
static jint n_detach(JNIEnv *env, jclass cls, jlong h, jlong ino)
{
	return sfs_vt_detach(&ctx_from(h)->vt, (uint64_t)ino);
}

static jlongArray n_volume_info(JNIEnv *env, jclass cls, jlong h, jlong ino)
{
	struct sfs_vol *v = sfs_vt_get(&ctx_from(h)->vt, (uint64_t)ino);
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

/* The counters' names (counters.c), in the order n_counters gives their values. */
static jobjectArray n_counter_names(JNIEnv *env, jclass cls)
{
	jsize n = (jsize)sfs_counters_count();
	jclass str = (*env)->FindClass(env, "java/lang/String");
	jobjectArray r = str ? (*env)->NewObjectArray(env, n, str, NULL) : NULL;
	for (jsize i = 0; r && i < n; i++) {
		jstring s = (*env)->NewStringUTF(env, sfs_counter_name((size_t)i));
		if (s == NULL)
			return NULL; /* OutOfMemoryError pending */
		(*env)->SetObjectArrayElement(env, r, i, s);
		(*env)->DeleteLocalRef(env, s);
	}
	if (str)
		(*env)->DeleteLocalRef(env, str);
	return r;
}

static jlongArray n_counters(JNIEnv *env, jclass cls, jlong h)
{
	size_t n = sfs_counters_count();
	uint64_t *v = malloc(n * sizeof(*v));
	jlong *j = malloc(n * sizeof(*j));
	jlongArray r = v && j ? (*env)->NewLongArray(env, (jsize)n) : NULL;
	if (r != NULL) {
		sfs_counters_read(ctx_from(h), v);
		for (size_t i = 0; i < n; i++)
			j[i] = (jlong)v[i];
		(*env)->SetLongArrayRegion(env, r, 0, (jsize)n, j);
	}
	free(v);
	free(j);
	return r; /* NULL: out of memory (FuseSession says so) */
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
	{ "nCreate", "(L" CALLBACKS_CLASS ";Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;[I)J", (void *)n_create },
	{ "nRun", "(J)I", (void *)n_run },
	{ "nUnmount", "(JZ)I", (void *)n_unmount },
	{ "nDestroy", "(J)V", (void *)n_destroy },
	{ "nAttach", "(JJ[BI)I", (void *)n_attach },
	{ "nDetach", "(JJ)I", (void *)n_detach },
	{ "nVolumeInfo", "(JJ)[J", (void *)n_volume_info },
	{ "nCounterNames", "()[Ljava/lang/String;", (void *)n_counter_names },
	{ "nCounters", "(J)[J", (void *)n_counters },
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
