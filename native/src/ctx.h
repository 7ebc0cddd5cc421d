/* The one per-mount context: everything mutable the native core has lives here (no globals).
 * Only the struct: each part's functions are declared in that part's header. */
#ifndef SHEEPFS_CTX_H
#define SHEEPFS_CTX_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "readahead.h"
#include "vol_table.h"
#include "volume.h"

struct fuse_session;
struct sfs_bufpool;
struct sfs_pool;
struct sfs_upcalls;
struct sfs_uring;

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

struct sfs_ctx {
	struct sfs_upcalls *up; /* the Java tree (jni_upcalls.c) */

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
	struct sfs_vt vt; /* the attached volumes */

	atomic_ullong upcalls, upcall_errors;
	atomic_uint readers_peak; /* most FUSE workers reading at once (fuse_loop.c) */
	struct sfs_uring *uring;  /* FUSE over io_uring (fuse_uring.c), or NULL */
};

#endif
