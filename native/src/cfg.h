/* A mount's configuration. FuseSession gives it by name (jni_fuse.c): a setting is one line of
 * SFS_CFG_SETTINGS, X(name, default), and Java names it by that name. */
#ifndef SHEEPFS_CFG_H
#define SHEEPFS_CFG_H

#define SFS_CFG_SETTINGS(X) \
	X(max_threads, 0)     /* libfuse worker limit (explicit: the v1 default caps at 10); 0: 8 */ \
	X(clone_fd, 0)        /* one /dev/fuse fd per worker */ \
	X(max_background, 0)  /* kernel's async request limit (its 12 is too low for AIO); 0: its */ \
	X(connections, 0)     /* sockets in the pool; 0: 4 */ \
	X(max_piece, 262144)  /* volume I/O pieces: at most this many bytes; 0: whole objects; -1: tuned */ \
	X(writeback_cache, 0) /* ask the kernel for writeback caching (page-cache mode) */ \
	X(io_flusher, 0)      /* PR_SET_IO_FLUSHER on serving threads */ \
	X(max_write, 0)       /* bytes per FUSE write (max 1 MiB); 0: 1 MiB */ \
	X(uid, -1)            /* owner of every file; -1 = the process's */ \
	X(gid, -1)            /* group of every file; -1 = the process's */ \
	X(parallel_dw, 0)     /* FOPEN_PARALLEL_DIRECT_WRITES on direct-I/O volume opens */ \
	X(readers, 0)         /* workers reading /dev/fuse at once; 0: one per 4 CPUs */ \
	X(uring_depth, 0)     /* FUSE over io_uring with this many entries per CPU; 0: /dev/fuse only */ \
	X(readahead, 1)       /* read ahead of sequential direct-I/O readers (readahead.c) */ \
	X(io_timeout, 60)     /* s: volume I/O the cluster leaves unanswered this long fails (EIO); 0: never */

struct sfs_cfg {
#define SFS_CFG_FIELD(name, def) int name;
	SFS_CFG_SETTINGS(SFS_CFG_FIELD)
#undef SFS_CFG_FIELD
};

void sfs_cfg_defaults(struct sfs_cfg *c);
/* Sets the setting called name: 0, or EINVAL if there is none (a caller that names a setting
 * this build does not have is out of step with it, and must not be served on a guess). */
int sfs_cfg_set(struct sfs_cfg *c, const char *name, int value);

#endif
