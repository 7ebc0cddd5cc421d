/* libfuse3 low-level operations of a sheepfs mount (fuse_ops.c): volumes in C, the rest through
 * the Java tree's upcalls. The session's userdata is its struct sfs_ctx. */
#ifndef SHEEPFS_FUSE_OPS_H
#define SHEEPFS_FUSE_OPS_H
#include <fuse_lowlevel.h>

extern const struct fuse_lowlevel_ops sfs_fuse_ops;

#endif
