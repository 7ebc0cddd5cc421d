/* One mount's life, in C: jni_fuse.c drives it from FuseSession.
 *
 * sfs_session_create mounts; sfs_session_run serves requests (fuse_loop.c's workers, or
 * libfuse's own loop with clone_fd) on the calling thread until the mount goes;
 * sfs_session_unmount ends that; sfs_session_destroy frees everything. libfuse installs no
 * signal handlers: the JVM owns the signals, and Java stops the loop by unmounting. */
#ifndef SHEEPFS_SESSION_H
#define SHEEPFS_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sfs_cfg;
struct sfs_ctx;
struct sfs_upcalls;

/* Mounts on mountpoint with libfuse's argv (argv[0] the program name), volume data going to
 * gateways ("host:port[,host:port...]"). up stays the caller's: it frees it after
 * sfs_session_destroy. NULL on failure, with the reason in err. */
struct sfs_ctx *sfs_session_create(const struct sfs_cfg *cfg, struct sfs_upcalls *up, const char *mountpoint,
				   int argc, char **argv, const char *gateways, char *err, size_t errlen);
/* Serves until the kernel connection is gone; returns 0 or the errno that ended the loop. */
int sfs_session_run(struct sfs_ctx *ctx);
/* Ends the loop by unmounting; force: a busy mount is aborted and detached. 0 or an errno. */
int sfs_session_unmount(struct sfs_ctx *ctx, bool force);
/* After the loop ended (or never ran). */
void sfs_session_destroy(struct sfs_ctx *ctx);

/* Attaches VDI name (its working VDI when vid is 0) as inode ino, taking its lock as QEMU does.
 * Blocking. 0 or an errno (ENOENT: no such VDI; EEXIST: ino taken; EBUSY: locked elsewhere). */
int sfs_session_attach(struct sfs_ctx *ctx, uint64_t ino, const char *name, uint32_t vid);

#endif
