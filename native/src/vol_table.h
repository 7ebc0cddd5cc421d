/* The attached volumes of a mount: FUSE inode number (chosen by the Java tree) -> volume.
 *
 * The table holds one reference on each volume until it is detached; an open handle holds a
 * reference of its own (sfs_vt_open) and is counted: a volume with open handles is not detached
 * (EBUSY), so no descriptor writes to a VDI this mount gave up (and another may have locked). */
#ifndef SHEEPFS_VOL_TABLE_H
#define SHEEPFS_VOL_TABLE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct sfs_vol;
struct sfs_vt_entry;

#define SFS_VT_BUCKETS 256

struct sfs_vt {
	pthread_rwlock_t lock; /* held only for lookups and changes, never across I/O */
	struct sfs_vt_entry *buckets[SFS_VT_BUCKETS];
};

void sfs_vt_init(struct sfs_vt *vt);
/* Drops the table's references (after sfs_vt_unlock_all and the pool's shutdown). */
void sfs_vt_destroy(struct sfs_vt *vt);

/* The volume attached as ino, with a reference taken for the caller (sfs_vol_put), or NULL. */
struct sfs_vol *sfs_vt_get(struct sfs_vt *vt, uint64_t ino);
bool sfs_vt_has(struct sfs_vt *vt, uint64_t ino);
/* As sfs_vt_get, and counts an open handle (sfs_vol_handles(v, -1) at its release): under the
 * table's lock, so a detach sees every handle. */
struct sfs_vol *sfs_vt_open(struct sfs_vt *vt, uint64_t ino);
/* Attaches v as ino: the table takes over the caller's reference. EEXIST (v untouched) if ino is
 * taken, ENOMEM. */
int sfs_vt_add(struct sfs_vt *vt, uint64_t ino, struct sfs_vol *v);
/* Detaches ino: its VDI lock is given back at once. EBUSY while handles are open (waiting briefly
 * first: the kernel sends the release after close(2) returned), ENOENT if nothing is attached
 * there. */
int sfs_vt_detach(struct sfs_vt *vt, uint64_t ino);
/* Gives back the VDI locks of every attached volume: at shutdown, once the FUSE loop has ended,
 * while the pool still talks. */
void sfs_vt_unlock_all(struct sfs_vt *vt);

#endif
