/* The attached volumes: see vol_table.h. */
#define _GNU_SOURCE
#include "vol_table.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "volume.h"

struct sfs_vt_entry {
	uint64_t ino;
	struct sfs_vol *vol; /* the table's reference */
	struct sfs_vt_entry *next;
};

static struct sfs_vt_entry **bucket(struct sfs_vt *vt, uint64_t ino)
{
	return &vt->buckets[ino % SFS_VT_BUCKETS];
}

/* With vt->lock held. */
static struct sfs_vt_entry *find(struct sfs_vt *vt, uint64_t ino)
{
	for (struct sfs_vt_entry *e = *bucket(vt, ino); e; e = e->next)
		if (e->ino == ino)
			return e;
	return NULL;
}

void sfs_vt_init(struct sfs_vt *vt)
{
	pthread_rwlock_init(&vt->lock, NULL);
	for (int b = 0; b < SFS_VT_BUCKETS; b++)
		vt->buckets[b] = NULL;
}

void sfs_vt_destroy(struct sfs_vt *vt)
{
	for (int b = 0; b < SFS_VT_BUCKETS; b++) {
		struct sfs_vt_entry *e = vt->buckets[b];
		while (e) {
			struct sfs_vt_entry *next = e->next;
			sfs_vol_put(e->vol);
			free(e);
			e = next;
		}
		vt->buckets[b] = NULL;
	}
	pthread_rwlock_destroy(&vt->lock);
}

/* The volume at ino with a reference taken (NULL if none); handles: also counted as one more
 * open handle, under the same lock as detach's check of that count. */
static struct sfs_vol *take(struct sfs_vt *vt, uint64_t ino, bool handle)
{
	struct sfs_vol *v = NULL;
	pthread_rwlock_rdlock(&vt->lock);
	struct sfs_vt_entry *e = find(vt, ino);
	if (e) {
		v = e->vol;
		sfs_vol_get(v);
		if (handle)
			sfs_vol_handles(v, 1);
	}
	pthread_rwlock_unlock(&vt->lock);
	return v;
}

struct sfs_vol *sfs_vt_get(struct sfs_vt *vt, uint64_t ino)
{
	return take(vt, ino, false);
}

struct sfs_vol *sfs_vt_open(struct sfs_vt *vt, uint64_t ino)
{
	return take(vt, ino, true);
}

bool sfs_vt_has(struct sfs_vt *vt, uint64_t ino)
{
	pthread_rwlock_rdlock(&vt->lock);
	bool has = find(vt, ino) != NULL;
	pthread_rwlock_unlock(&vt->lock);
	return has;
}

int sfs_vt_add(struct sfs_vt *vt, uint64_t ino, struct sfs_vol *v)
{
	struct sfs_vt_entry *ent = calloc(1, sizeof(*ent));
	if (ent == NULL)
		return ENOMEM;
	ent->ino = ino;
	ent->vol = v;
	int e = 0;
	pthread_rwlock_wrlock(&vt->lock);
	if (find(vt, ino) != NULL) {
		e = EEXIST; /* raced with another attach */
	} else {
		ent->next = *bucket(vt, ino);
		*bucket(vt, ino) = ent;
	}
	pthread_rwlock_unlock(&vt->lock);
	if (e)
		free(ent);
	return e;
}

/* Unlinks ino's entry unless it has open handles (*busy then). */
static struct sfs_vt_entry *unlink_idle(struct sfs_vt *vt, uint64_t ino, bool *busy)
{
	struct sfs_vt_entry *gone = NULL;
	*busy = false;
	pthread_rwlock_wrlock(&vt->lock);
	for (struct sfs_vt_entry **pp = bucket(vt, ino); *pp; pp = &(*pp)->next) {
		if ((*pp)->ino == ino) {
			if (sfs_vol_handles((*pp)->vol, 0) > 0) {
				*busy = true;
				break;
			}
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	pthread_rwlock_unlock(&vt->lock);
	return gone;
}

int sfs_vt_detach(struct sfs_vt *vt, uint64_t ino)
{
	bool busy;
	struct sfs_vt_entry *gone = unlink_idle(vt, ino, &busy);
	/* close(2) returns before the kernel's release arrives: a detach right after the last close
	 * waits for it (up to 200 ms) */
	for (int i = 0; gone == NULL && busy && i < 100; i++) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		gone = unlink_idle(vt, ino, &busy);
	}
	if (gone == NULL)
		return busy ? EBUSY : ENOENT;
	sfs_vol_unlock(gone->vol);
	sfs_vol_put(gone->vol);
	free(gone);
	return 0;
}

void sfs_vt_unlock_all(struct sfs_vt *vt)
{
	/* no lock: the FUSE loop has ended, nothing else uses the table (and this waits for sheep) */
	for (int b = 0; b < SFS_VT_BUCKETS; b++)
		for (struct sfs_vt_entry *e = vt->buckets[b]; e; e = e->next)
			sfs_vol_unlock(e->vol);
}
