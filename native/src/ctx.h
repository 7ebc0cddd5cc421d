/* The one per-mount context: everything mutable the native core has lives here (no globals).
 * Only the struct: each part's functions are declared in that part's header. */
#ifndef SHEEPFS_CTX_H
#define SHEEPFS_CTX_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "readahead.h"
#include "vol_table.h"
#include "volume.h"

struct fuse_session;
struct sfs_bufpool;
struct sfs_pool;
struct sfs_upcalls;
struct sfs_uring;

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
