/* Readahead for direct-I/O volume handles.
 *
 * With direct I/O the kernel reads nothing ahead, so a program reading a volume sequentially
 * one request at a time (dd, cp, a backup, psync fio) waits a full round trip per request. After
 * RA_TRIGGER sequential reads on a handle, the next few chunks are read ahead (pipelined like any
 * other request); a read they cover is answered from them, or as soon as they arrive. A caller
 * that keeps a window's worth of reads in flight itself (a deep queue) gets none: its requests are
 * pipelined already, and answering them from chunks would add a copy.
 *
 * Never stale: a chunk is read only while no write or discard of the volume is running, and is
 * served only if none started since (sfs_vol_write_gen). Bounded: a handle keeps at most
 * RA_ENTRIES chunks of at most 1 MiB, and all handles together at most the budget's bytes.
 * A failed readahead costs nothing but time: the reads waiting for it are sent again.
 */
#ifndef SHEEPFS_READAHEAD_H
#define SHEEPFS_READAHEAD_H
#include <stdatomic.h>
#include <stdint.h>

#include "volume.h"

struct sfs_ra_budget {
	atomic_llong used; /* bytes of chunks held or in flight, over every handle */
	long long max;
};

struct sfs_ra;

/* Answer of one read: data is valid only during the call. */
typedef void (*sfs_ra_reply_fn)(void *arg, const char *data, uint32_t len, int err);

/* NULL when memory is out (then read without readahead). Takes a reference on v. */
struct sfs_ra *sfs_ra_create(struct sfs_vol *v, struct sfs_ra_budget *budget);
/* The handle is closed: chunks still arriving are freed on arrival; reads still in flight (one
 * answered EINTR goes on in the background) keep ra until they end. */
void sfs_ra_close(struct sfs_ra *ra);
/* A reference for a caller that may see the handle closed meanwhile (an interruptible read). */
void sfs_ra_get(struct sfs_ra *ra);
void sfs_ra_put(struct sfs_ra *ra);
/* Reads [off, off+len) of the volume, from readahead when it has the data; reply runs exactly
 * once, on any thread. buf (len bytes, or NULL): where a read not served from readahead may land,
 * valid until reply has run. Returns 0, or ENOMEM when it could not start (reply is not called). */
int sfs_ra_read(struct sfs_ra *ra, uint64_t off, uint32_t len, void *buf, sfs_ra_reply_fn reply, void *arg);

#endif
