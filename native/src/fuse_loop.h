/* The FUSE request loop: a fixed set of worker threads that read requests from /dev/fuse into
 * buffers of the context's pool and hand them to libfuse's dispatcher (fuse_session_process_buf).
 *
 * Why not fuse_session_loop_mt: its workers own their buffers, so a volume write had to copy its
 * 1 MiB of data out before the worker could read the next request. Here a write takes over the
 * buffer its data arrived in (sfs_worker_take) and the worker reads on into a fresh one.
 * The descriptor is read without blocking: the volume requests of a burst are gathered
 * (sfs_pool_cork) and go out together once nothing more is queued.
 */
#ifndef SHEEPFS_FUSE_LOOP_H
#define SHEEPFS_FUSE_LOOP_H
#include <stddef.h>

struct sfs_ctx;
struct sfs_loop;

/* Starts the workers (at most nthreads, at most max_readers of them reading at once; 0: one per
 * 4 CPUs). NULL (errno set) on failure. */
struct sfs_loop *sfs_loop_start(struct sfs_ctx *ctx, unsigned nthreads, unsigned max_readers);
/* Waits until the first worker ends (the kernel connection is gone, or an error); returns 0 or
 * the errno that ended it. The others end once the connection is gone: unmount first if needed. */
int sfs_loop_wait(struct sfs_loop *l);
/* Joins every worker and frees the loop. */
void sfs_loop_join(struct sfs_loop *l);

/* Called by an op running on a worker: if data[0, len) lies in the buffer the request arrived
 * in, the caller takes that buffer over (it must give it back with sfs_buf_put on ctx->bufs) and
 * it is returned; otherwise (another thread, e.g. libfuse's own loop) NULL. */
void *sfs_worker_take(struct sfs_ctx *ctx, const void *data, size_t len);

/* Called by an op before it may block (an upcall to Java, a blocking call to sheep): if no other
 * worker is reading /dev/fuse, one is started (up to the limit), so that volume I/O goes on. */
void sfs_worker_may_block(struct sfs_ctx *ctx);

#endif
