/* The one per-mount context: everything mutable the native core has lives here (no globals). */
#ifndef SHEEPFS_CTX_H
#define SHEEPFS_CTX_H
#include <jni.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <fuse_lowlevel.h>

#include "bufpool.h"
#include "fuse_uring.h"
#include "pool.h"
#include "readahead.h"
#include "volume.h"

#define SFS_VT_BUCKETS 256

/* Configuration given by FuseSession at creation (int[] in this order). */
struct sfs_cfg {
	int max_threads;     /* libfuse worker limit (explicit: the v1 default caps at 10) */
	int clone_fd;        /* one /dev/fuse fd per worker */
	int max_background;  /* kernel's async request limit (default 12 is too low for AIO) */
	int connections;     /* sockets in the pool */
	int max_piece;       /* volume I/O pieces: at most this many bytes; 0: whole objects; -1: tuned */
	int writeback_cache; /* ask the kernel for writeback caching (page-cache mode) */
	int io_flusher;      /* PR_SET_IO_FLUSHER on serving threads */
	int max_write;       /* bytes per FUSE write (max 1 MiB) */
	int uid, gid;        /* owner of every file; -1 = the process's */
	int parallel_dw;     /* FOPEN_PARALLEL_DIRECT_WRITES on direct-I/O volume opens */
	int readers;         /* workers reading /dev/fuse at once; 0: one per 4 CPUs */
	int uring_depth;     /* FUSE over io_uring with this many entries per CPU; 0: /dev/fuse only */
};
#define SFS_CFG_INTS 13

/* A volume attached under a FUSE inode number chosen by Java. Referenced by the table (until
 * detached) and by every open handle: a detach is lazy, handles keep working until released. */
struct sfs_vt_entry {
	uint64_t ino;
	struct sfs_vol *vol;
	atomic_int refs;
	struct sfs_vt_entry *next;
};
void sfs_vt_entry_put(struct sfs_vt_entry *e);

struct sfs_mids {
	jmethodID lookup, getattr, readdir, open, read, write, truncate, flush, release, open_policy;
	jmethodID de_names, de_inos, de_modes;
};

struct sfs_ctx {
	JavaVM *vm;
	jobject cb;        /* FsCallbacks (global ref) */
	jclass de_class;   /* FsCallbacks.DirEntries (global ref) */
	struct sfs_mids mid;
	pthread_key_t env_key; /* JNIEnv of native threads we attached; destructor detaches */
	bool env_key_ok;

	struct fuse_session *se;
	char *mountpoint;
	struct sfs_cfg cfg;
	atomic_bool mounted;
	atomic_bool loop_done;

	struct sfs_bufpool *bufs; /* FUSE request buffers, also the volume's big read buffers */
	pthread_key_t worker_key; /* the fuse_loop.c worker running on this thread (or none) */
	bool worker_key_ok;

	struct sfs_ra_budget ra_budget; /* readahead of every volume handle together */

	struct sfs_pool *pool;
	struct sfs_stats stats;
	struct sfs_tuner pieces; /* piece size of every volume's requests (one cluster) */
	bool pieces_ok;
	struct sfs_vol_cfg vcfg;
	pthread_rwlock_t vt_lock; /* held only for table lookups/changes, never across I/O */
	struct sfs_vt_entry *vt[SFS_VT_BUCKETS];

	atomic_ullong upcalls, upcall_errors;
	atomic_uint readers_peak; /* most FUSE workers reading at once (fuse_loop.c) */
	struct sfs_uring *uring;  /* FUSE over io_uring (fuse_uring.c), or NULL */
};

/* fuse_ops.c */
extern const struct fuse_lowlevel_ops sfs_fuse_ops;
/* True if the request (opcode, then its per-op struct of len bytes) never waits: a volume's read
 * or write, whose reply comes from the pool's completions. Anything else may block (an upcall,
 * a call to sheep and back), so an I/O thread hands it to another thread. */
bool sfs_op_never_waits(uint32_t opcode, const void *arg, size_t len);
/* Looks up an attached volume and takes a reference on it (NULL if none). */
struct sfs_vol *sfs_vt_get(struct sfs_ctx *ctx, uint64_t ino);

/* jni_fuse.c: upcall helpers for fuse_ops.c. They return a JNIEnv for the calling thread
 * (attaching it once, as a daemon) or NULL if the JVM refused. */
JNIEnv *sfs_env(struct sfs_ctx *ctx);
/* After every upcall: true (and the exception printed and cleared) if Java threw. */
bool sfs_exception(struct sfs_ctx *ctx, JNIEnv *env, const char *what);

#endif
