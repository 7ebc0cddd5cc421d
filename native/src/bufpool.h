/* Recycled I/O buffers of one size (a FUSE request buffer: 1 MiB of data plus its header).
 *
 * A fresh 1 MiB malloc is an mmap, 256 page faults and an munmap: on 1 MiB I/O that cost a third
 * of the client's CPU. Buffers come back here instead. Bounded: at most max_free idle buffers are
 * kept (the rest are freed), and the number in use is bounded by the callers (FUSE workers plus
 * the kernel's max_background requests in flight).
 */
#ifndef SHEEPFS_BUFPOOL_H
#define SHEEPFS_BUFPOOL_H
#include <stddef.h>

struct sfs_bufpool;

/* Smaller I/O does not use pooled buffers: malloc's bins are fast for it, and a 4 KiB request
 * should not pin a 1 MiB buffer. */
#define SFS_BUF_MIN_POOLED 65536

/* NULL (errno set) on failure. */
struct sfs_bufpool *sfs_bufpool_create(size_t bufsize, unsigned max_free);
/* Frees the idle buffers and the pool; every buffer must have come back first. */
void sfs_bufpool_destroy(struct sfs_bufpool *p);
size_t sfs_bufpool_bufsize(const struct sfs_bufpool *p);
/* A buffer of bufsize bytes (contents undefined), or NULL when memory is out. */
void *sfs_buf_get(struct sfs_bufpool *p);
void sfs_buf_put(struct sfs_bufpool *p, void *buf);

#endif
