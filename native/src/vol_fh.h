/* What a FUSE file handle is, told from its value alone: bit 63 set, a volume handle (fuse_ops.c's,
 * served in C); clear, a handle the Java tree gave out. fuse_uring_serve.c needs the rule too: it
 * must know, from a request it has not dispatched yet, whether that request can wait. */
#ifndef SHEEPFS_VOL_FH_H
#define SHEEPFS_VOL_FH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/fuse.h>

#define SFS_VOL_FH_BIT (UINT64_C(1) << 63)

static inline bool sfs_fh_is_volume(uint64_t fh)
{
	return (fh & SFS_VOL_FH_BIT) != 0;
}

/* True if the request (opcode, then its per-op struct of len bytes) never waits: a volume's read
 * or write, whose reply comes from the pool's completions. Anything else may block (an upcall,
 * a call to sheep and back), so an I/O thread hands it to another thread. */
static inline bool sfs_op_never_waits(uint32_t opcode, const void *arg, size_t len)
{
	uint64_t fh; /* the first field of both fuse_read_in and fuse_write_in */
	if ((opcode != FUSE_READ && opcode != FUSE_WRITE) || len < sizeof(fh))
		return false;
	memcpy(&fh, arg, sizeof(fh));
	return sfs_fh_is_volume(fh);
}

#endif
