/* What fuse_ops.c asks of the Java tree (FsCallbacks), in C terms; jni_upcalls.c makes the calls.
 *
 * Each call runs Java and may block: it first makes sure another FUSE worker reads /dev/fuse
 * (sfs_worker_may_block). Errors are positive errnos; a Java exception is logged, counted in
 * ctx->upcall_errors and answered EIO; every call is counted in ctx->upcalls. */
#ifndef SHEEPFS_UPCALLS_H
#define SHEEPFS_UPCALLS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct sfs_ctx;

/* The kind of node (FsCallbacks.KIND_VOLUME) whose attributes come from an attached volume. */
#define SFS_KIND_VOLUME 4

/* A node's attributes as Java gives them (ino, mode, size, nlink, times, blocks; the rest zero),
 * and its kind. */
int sfs_up_lookup(struct sfs_ctx *ctx, uint64_t parent, const char *name, struct stat *st, int *kind);
int sfs_up_getattr(struct sfs_ctx *ctx, uint64_t ino, struct stat *st, int *kind);

/* A directory's listing, taken whole. */
struct sfs_dir {
	uint32_t n;
	char **names;
	uint64_t *inos;
	uint32_t *modes;
};
int sfs_up_readdir(struct sfs_ctx *ctx, uint64_t ino, struct sfs_dir **out);
void sfs_dir_free(struct sfs_dir *d);

/* How a volume is opened: 1 through the page cache, anything else direct (also on failure). */
int sfs_up_volume_open_policy(struct sfs_ctx *ctx, uint64_t ino);
int sfs_up_truncate(struct sfs_ctx *ctx, uint64_t ino, uint64_t size);
/* A handle (>= 0) or a negative errno. */
int64_t sfs_up_open(struct sfs_ctx *ctx, uint64_t ino, int flags);
/* At most size bytes into *buf (malloc'd, the caller frees), their count in *len. */
int sfs_up_read(struct sfs_ctx *ctx, uint64_t fh, uint64_t off, size_t size, char **buf, size_t *len);
/* The bytes taken (>= 0) or a negative errno. */
int64_t sfs_up_write(struct sfs_ctx *ctx, uint64_t fh, uint64_t off, const char *data, size_t size);
/* close(2) of a handle: a control file runs a command written without a newline (0 or an errno). */
int sfs_up_flush(struct sfs_ctx *ctx, uint64_t fh);
void sfs_up_release(struct sfs_ctx *ctx, uint64_t fh);

#endif
