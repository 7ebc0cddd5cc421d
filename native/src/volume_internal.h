/* The volume engine's internals, shared by its parts (private: only volume*.c include this).
 *
 * The engine is split by job:
 *   volume.c        request segments: split, send, complete (io_done), request life cycle
 *   volume_inode.c  attach, inode load and reload (after READONLY or a failed index write),
 *                   index lookups, blocking calls for the control path
 *   volume_alloc.c  allocation of new objects: probe, create, index writes (flat, and the
 *                   hyper-volume B-tree queue), the record of objects whose index write failed
 *   volume_ctl.c    discard, seek, lock
 * A segment's state (enum seg_state) says which part its next answer belongs to.
 */
#ifndef SHEEPFS_VOLUME_INTERNAL_H
#define SHEEPFS_VOLUME_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pool.h"
#include "sd_inode.h"
#include "sd_proto.h"
#include "volume.h"

#define MAX_RETRIES 8 /* READONLY restarts of one segment before it gives up with EROFS */
#define UNNAMED 8     /* objects whose index write failed, remembered per volume (the latest) */

/* S_PROBE / S_PROBE_NAME: before creating an object, ask sheep whether another client
 * allocated it (or deleted the VDI) since our copy of the index was read. */
enum seg_state { S_READ, S_WRITE, S_CREATE, S_INDEX, S_HYPER, S_PROBE, S_PROBE_NAME };

struct sfs_seg {
	struct sfs_vreq *r;
	uint32_t idx, obj_off, len;
	char *buf;
	uint32_t vid;            /* the working vid this attempt writes as */
	uint8_t state;
	uint8_t retries;
	uint8_t entry_le[4];     /* flat index entry being written (or probed) */
	uint8_t name_le[4];      /* probe: the first bytes of the inode's name */
	atomic_int probes_left;  /* probe: answers still to come (entry and name go out together) */
	uint32_t cow;            /* probe: the entry our index had, the object to copy from */
	uint32_t before;         /* flat: the entry our new object replaced in the in-memory index */
	unsigned hstep;          /* hyper: next write of upd */
	uint32_t sent_after;     /* write: v->recreations when it went out (see unnamed_fails) */
	struct sfs_seg *wnext;   /* link in an allocation's or the reload's wait list */
	struct sfs_seg *anext;   /* link in v->allocs (this segment allocates its object) */
	struct sfs_seg *waiters; /* segments waiting for this allocation */
	struct sfs_seg *waiters_tail;
	struct sfs_seg *held;    /* writes into this allocation's object, done before its index write */
	bool indexing;           /* this allocation's object exists; its index write is on the wire */
	struct sd_index_update upd;
	struct sfs_io io;
	struct sfs_io io2;       /* probe: the name read, beside the entry read on io */
};

struct hnode {
	uint64_t oid;
	uint8_t *buf;
	struct hnode *next;
};

/* What a (re)load of the inode produced. */
struct loaded {
	uint32_t vid;
	struct sd_inode_hdr hdr;
	uint64_t nr_objs;
	uint32_t *flat;      /* flat: nr_objs entries */
	uint8_t *inode;      /* hyper: [0, SD_INODE_INDEX_END) */
	struct hnode *nodes; /* hyper depth 2: leaf node objects */
	uint64_t allocated;
};

struct sfs_vol {
	atomic_int refs;
	atomic_uint handles; /* open FUSE handles (vol_table.c refuses a detach while there are any) */
	struct sfs_pool *pool;
	struct sfs_stats *st;
	struct sfs_vol_cfg cfg;
	char name[SD_NAME_FIELD + 1];
	uint64_t size;
	unsigned shift;
	uint64_t nr_objs;
	uint8_t copies;
	bool hyper;
	bool snapshot; /* attached a snapshot: read-only */
	_Atomic uint32_t vid;
	_Atomic uint32_t *index;  /* flat volumes */
	pthread_rwlock_t hrw;     /* hyper: lookups vs. B-tree changes and reloads */
	uint8_t *inode;
	struct hnode *nodes;
	pthread_mutex_t mu;       /* allocations, reload state, hyper queue */
	pthread_cond_t hidle;
	struct sfs_seg *allocs;
	atomic_bool reloading;
	struct sfs_seg *rl_head, *rl_tail;
	bool hbusy;
	bool resync;              /* the reload under way follows a failed B-tree write, not READONLY */
	/* hyper: a reload after a failed B-tree write failed too, so the tree in memory may name
	 * objects sheep's inode does not: the next write reloads first (see seg_write_start) */
	atomic_bool stale;
	struct sfs_seg *hq_head, *hq_tail;
	atomic_ullong allocated;
	atomic_int indexing;      /* allocations with their index write on the wire (see on_created) */
	/* the last objects whose index write failed, as (idx, vid), under mu: a write into one that
	 * sheep acknowledges afterwards sits in an object no inode names (see write_end) */
	/* recreated: 0 while the object is still unnamed; once a create made it anew, the value
	 * recreations took then: writes sent before it may have been overwritten by that create */
	struct { uint32_t idx, vid, recreated; } unnamed[UNNAMED];
	unsigned unnamed_next;
	atomic_bool unnamed_any;
	_Atomic uint32_t recreations; /* objects created anew after a failed index write */
	_Atomic uint32_t locked_vid; /* LOCK_VDI taken at attach (0 = none): released at detach */
	atomic_ullong wgen;          /* bumped when a write or discard starts */
	atomic_int writes_active;    /* writes and discards started and not completed */
};

/* Appends s to a wait list (an allocation's waiters, the reload's, the hyper queue). */
static inline void wait_push(struct sfs_seg **head, struct sfs_seg **tail, struct sfs_seg *s)
{
	s->wnext = NULL;
	if (*tail)
		(*tail)->wnext = s;
	else
		*head = s;
	*tail = s;
}

/* ---- volume.c: segments */
/* One line on stderr per failure (VDI, offset, sheep's result or the local error); counts it. */
void vol_log(struct sfs_vol *v, const struct sfs_seg *s, const char *what, uint32_t result, int err);
void vol_io_prepare(struct sfs_io *io, const struct sd_req *req, const void *wbuf, uint32_t wlen, void *rbuf,
		    uint32_t rlen);
/* s is over (err 0 or an errno); the request completes with its last segment. */
void seg_done(struct sfs_seg *s, int err);
void seg_submit_on(struct sfs_seg *s, struct sfs_io *io, void (*done)(struct sfs_io *), const struct sd_req *req,
		   const void *wbuf, uint32_t wlen, void *rbuf, uint32_t rlen);
/* Submits req on s->io; the answer comes back through io_done. */
void seg_submit(struct sfs_seg *s, const struct sd_req *req, const void *wbuf, uint32_t wlen, void *rbuf,
		uint32_t rlen);
/* WRITE_OBJ of s into the object of vid (the object exists). */
void send_write(struct sfs_seg *s, uint32_t vid);

/* ---- volume_inode.c: inode load and reload, index lookups */
/* Blocking request for the control path: 0, or a negative errno when no answer came. */
int vol_call(struct sfs_pool *pool, const struct sd_req *req, const void *wbuf, uint32_t wlen, void *rbuf,
	     uint32_t rlen, struct sd_rsp *rsp);
/* Blocking READ_OBJ: 0 or a positive errno (ENOENT for NO_OBJ); a short answer is zero-filled. */
int vol_read_obj(struct sfs_pool *pool, uint64_t oid, uint32_t off, void *buf, uint32_t len);
/* sd_btree_io callbacks over the volume's B-tree nodes (hyper; hrw held). */
int vol_node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len);
int vol_node_create(void *arg, uint64_t oid, uint8_t **node);
/* The index entry of object idx (0: a hole), from our copy of the index. */
uint32_t vol_index_get(struct sfs_vol *v, uint32_t idx);
bool reload_claim(struct sfs_vol *v);
void reload_start(struct sfs_vol *v);
void *reload_thread(void *arg);
void seg_readonly(struct sfs_seg *s);

/* ---- volume_alloc.c: allocation and index writes */
void seg_write_start(struct sfs_seg *s);
void on_created(struct sfs_seg *s);
void on_name_probed(struct sfs_seg *s, uint32_t res);
void alloc_end(struct sfs_seg *s, int held_err);
void alloc_release(struct sfs_seg *s);
void index_failed(struct sfs_seg *s);
bool write_end(struct sfs_seg *s);
void hyper_send_step(struct sfs_seg *s);
void hyper_next(struct sfs_vol *v);

#endif
