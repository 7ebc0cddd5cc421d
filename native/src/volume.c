/* Volume I/O engine: see volume.h. Request life cycle per piece ("segment"), after QEMU's
 * sheepdog driver: start -> (wait for an allocation | wait for a reload) -> send -> complete ->
 * (index update | reload and restart). No lock is held while a request is on the wire. */
#define _GNU_SOURCE
#include "volume.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd_inode.h"
#include "sd_proto.h"

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

static void seg_write_start(struct sfs_seg *s);
static void io_done(struct sfs_io *io);

/* Appends s to a wait list (an allocation's waiters, the reload's, the hyper queue). */
static void wait_push(struct sfs_seg **head, struct sfs_seg **tail, struct sfs_seg *s)
{
	s->wnext = NULL;
	if (*tail)
		(*tail)->wnext = s;
	else
		*head = s;
	*tail = s;
}

/* ---------------------------------------------------------------- helpers */

static void vlog(struct sfs_vol *v, const struct sfs_seg *s, const char *what, uint32_t result, int err)
{
	char rb[32];
	uint64_t off = s ? ((uint64_t)s->idx << v->shift) + s->obj_off : 0;
	/* one line per failure: VDI, offset, and sheep's result (or the local error) */
	fprintf(stderr, "sheepfs: vdi %s (%06" PRIx32 ") offset %" PRIu64 ": %s failed: %s (result %#" PRIx32 ")\n",
		v->name, atomic_load(&v->vid), off, what,
		err ? strerror(err) : sd_result_format(result, rb, sizeof(rb)), result);
	atomic_fetch_add(&v->st->errors, 1);
}

static void io_prepare(struct sfs_io *io, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		       void *rbuf, uint32_t rlen)
{
	sd_req_encode(req, io->hdr);
	io->wbuf = wbuf;
	io->wlen = wlen;
	io->rbuf = rbuf;
	io->rlen = rlen;
}

static int call(struct sfs_pool *pool, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		void *rbuf, uint32_t rlen, struct sd_rsp *rsp)
{
	struct sfs_io io;
	memset(&io, 0, sizeof(io));
	io_prepare(&io, req, wbuf, wlen, rbuf, rlen);
	int e = sfs_pool_call(pool, &io);
	if (e)
		return -e;
	sd_rsp_decode(io.rsp, sizeof(io.rsp), rsp);
	rsp->data_length = io.rsp_len;
	return 0;
}

static int lookup_vid(struct sfs_pool *pool, const char *name, uint32_t *vid)
{
	uint8_t payload[SD_VDI_LOOKUP_PAYLOAD];
	struct sd_req req;
	struct sd_rsp rsp;
	if (sd_vdi_name_payload(payload, name, NULL) != SD_OK)
		return ENAMETOOLONG;
	sd_req_vdi_lookup(&req, SD_OP_GET_VDI_INFO, 0, 0);
	req.data_length = SD_VDI_LOOKUP_PAYLOAD;
	int e = call(pool, &req, payload, sizeof(payload), NULL, 0, &rsp);
	if (e)
		return -e;
	if (rsp.result != SD_RES_SUCCESS) {
		char rb[32];
		fprintf(stderr, "sheepfs: vdi %s: lookup failed: %s (result %#x)\n", name,
			sd_result_format(rsp.result, rb, sizeof(rb)), rsp.result);
		return sd_result_errno(rsp.result);
	}
	struct sd_vdi_rsp_args va;
	sd_rsp_get_vdi(&rsp, &va);
	*vid = va.vdi_id;
	return 0;
}

static int read_obj(struct sfs_pool *pool, uint64_t oid, uint32_t off, void *buf, uint32_t len)
{
	struct sd_req req;
	struct sd_rsp rsp;
	sd_req_read_obj(&req, oid, off, len);
	int e = call(pool, &req, NULL, 0, buf, len, &rsp);
	if (e)
		return -e;
	if (rsp.result != SD_RES_SUCCESS) {
		char rb[32];
		fprintf(stderr, "sheepfs: read of object %016" PRIx64 " failed: %s (result %#x)\n", oid,
			sd_result_format(rsp.result, rb, sizeof(rb)), rsp.result);
		return rsp.result == SD_RES_NO_OBJ ? ENOENT : sd_result_errno(rsp.result);
	}
	if (rsp.data_length < len)
		memset((uint8_t *)buf + rsp.data_length, 0, len - rsp.data_length);
	return 0;
}

static void free_nodes(struct hnode *n)
{
	while (n) {
		struct hnode *next = n->next;
		free(n->buf);
		free(n);
		n = next;
	}
}

static void loaded_free(struct loaded *l)
{
	free(l->flat);
	free(l->inode);
	free_nodes(l->nodes);
	memset(l, 0, sizeof(*l));
}

/* Reads the header and index of a VDI's inode (blocking; control threads only). */
static int load_inode(struct sfs_pool *pool, const char *name, uint32_t vid, struct loaded *l)
{
	int e;
	memset(l, 0, sizeof(*l));
	if (vid == 0 && (e = lookup_vid(pool, name, &vid)) != 0)
		return e;
	uint8_t *hdrbuf = malloc(SD_INODE_HEADER_SIZE);
	if (hdrbuf == NULL)
		return ENOMEM;
	e = read_obj(pool, sd_inode_oid(vid), 0, hdrbuf, SD_INODE_HEADER_SIZE);
	if (e == 0 && sd_inode_hdr_decode(hdrbuf, SD_INODE_HEADER_SIZE, &l->hdr) != SD_OK)
		e = EIO;
	if (e == 0 && l->hdr.name[0] == '\0')
		e = ENOENT; /* a deleted VDI */
	if (e) {
		free(hdrbuf);
		return e;
	}
	l->vid = vid;
	l->nr_objs = sd_inode_nr_objs(&l->hdr);
	if (l->hdr.store_policy == SD_STORE_POLICY_NORMAL) {
		if (l->nr_objs > SD_INODE_DATA_ENTRIES) {
			free(hdrbuf);
			return EINVAL;
		}
		uint32_t bytes = (uint32_t)l->nr_objs * 4;
		uint8_t *raw = malloc(bytes ? bytes : 1);
		l->flat = calloc(l->nr_objs ? l->nr_objs : 1, sizeof(uint32_t));
		e = (raw && l->flat) ? 0 : ENOMEM;
		if (e == 0 && bytes > 0)
			e = read_obj(pool, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF, raw, bytes);
		for (uint64_t i = 0; e == 0 && i < l->nr_objs; i++) {
			l->flat[i] = sd_le32(raw + 4 * i);
			l->allocated += l->flat[i] != 0;
		}
		free(raw);
	} else {
		l->inode = malloc(SD_INODE_INDEX_END);
		e = l->inode ? 0 : ENOMEM;
		if (e == 0) {
			memcpy(l->inode, hdrbuf, SD_INODE_HEADER_SIZE);
			e = read_obj(pool, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF,
				     l->inode + SD_INODE_DATA_VDI_ID_OFF, SD_INODE_DATA_INDEX_SIZE);
		}
		struct sd_btree_hdr bh;
		const uint8_t *root = l->inode ? l->inode + SD_INODE_DATA_VDI_ID_OFF : NULL;
		if (e == 0 && sd_le32(root) != 0) {
			if (sd_btree_hdr_decode(root, SD_INODE_DATA_INDEX_SIZE, &bh) != SD_OK) {
				e = EIO;
			} else if (bh.depth == 1) {
				for (uint32_t i = 0; i < bh.entries; i++)
					l->allocated += sd_le32(root + SD_BTREE_HDR_SIZE + 8 * i + 4) != 0;
			} else {
				for (uint32_t i = 0; e == 0 && i < bh.entries; i++) {
					uint64_t oid = sd_le64(root + SD_BTREE_HDR_SIZE + 16 * i + 8);
					struct hnode *n = calloc(1, sizeof(*n));
					uint8_t *nb = malloc(SD_BTREE_NODE_OBJ_SIZE);
					if (n == NULL || nb == NULL) {
						free(n);
						free(nb);
						e = ENOMEM;
						break;
					}
					n->oid = oid;
					n->buf = nb;
					n->next = l->nodes;
					l->nodes = n;
					e = read_obj(pool, oid, 0, nb, SD_BTREE_NODE_OBJ_SIZE);
					struct sd_btree_hdr lh;
					if (e == 0 && sd_btree_hdr_decode(nb, SD_BTREE_NODE_OBJ_SIZE, &lh) == SD_OK)
						for (uint32_t k = 0; k < lh.entries; k++)
							l->allocated += sd_le32(nb + SD_BTREE_HDR_SIZE + 8 * k + 4) != 0;
				}
			}
		}
	}
	free(hdrbuf);
	if (e)
		loaded_free(l);
	return e;
}

/* ---------------------------------------------------------------- hyper index access */

static int node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct sfs_vol *v = arg;
	for (struct hnode *n = v->nodes; n; n = n->next)
		if (n->oid == oid) {
			*node = n->buf;
			*len = SD_BTREE_NODE_OBJ_SIZE;
			return 0;
		}
	return -1; /* every node was read at load time or created by us */
}

static int node_create(void *arg, uint64_t oid, uint8_t **node)
{
	struct sfs_vol *v = arg;
	struct hnode *n = calloc(1, sizeof(*n));
	uint8_t *b = calloc(1, SD_BTREE_NODE_OBJ_SIZE);
	if (n == NULL || b == NULL) {
		free(n);
		free(b);
		return -1;
	}
	n->oid = oid;
	n->buf = b;
	n->next = v->nodes;
	v->nodes = n;
	*node = b;
	return 0;
}

static uint32_t index_get(struct sfs_vol *v, uint32_t idx)
{
	if (!v->hyper)
		return atomic_load_explicit(&v->index[idx], memory_order_acquire);
	struct sd_btree_io bio = { .arg = v, .get = node_get, .create = node_create };
	uint32_t vid = 0;
	pthread_rwlock_rdlock(&v->hrw);
	if (sd_le32(v->inode + SD_INODE_DATA_VDI_ID_OFF) != 0 &&
	    sd_inode_lookup(v->inode, SD_INODE_INDEX_END, idx, &bio, &vid) != SD_OK)
		vid = 0;
	pthread_rwlock_unlock(&v->hrw);
	return vid;
}

/* ---------------------------------------------------------------- segments */

enum { LANE_BIG_READS = 1, LANE_BIG_WRITES = 2 }; /* pool lanes (0: small requests, unbounded) */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct sfs_seg *seg_of(struct sfs_io *io)
{
	return (struct sfs_seg *)((char *)io - offsetof(struct sfs_seg, io));
}

static void seg_done(struct sfs_seg *s, int err)
{
	struct sfs_vreq *r = s->r;
	if (err) {
		int zero = 0;
		atomic_compare_exchange_strong(&r->err, &zero, err);
	}
	if (atomic_fetch_sub(&r->pending, 1) == 1) {
		if (r->write) {
			atomic_fetch_sub(&r->vol->st->writes_inflight, 1);
			atomic_fetch_sub(&r->vol->writes_active, 1);
		}
		int e = atomic_load(&r->err);
		if (r->tune_cls >= 0 && e == 0) {
			uint64_t now = mono_ns();
			sfs_tuner_done(r->vol->cfg.pieces, r->write, r->tune_cls, r->len, now - r->t0, now);
		}
		r->done(r, e);
	}
}

/* Submits req on io (s->io, or s->io2 for the second probe), completed through done. */
static void seg_submit_on(struct sfs_seg *s, struct sfs_io *io, void (*done)(struct sfs_io *),
			  const struct sd_req *req, const void *wbuf, uint32_t wlen, void *rbuf, uint32_t rlen)
{
	io_prepare(io, req, wbuf, wlen, rbuf, rlen);
	io->done = done;
	io->arg = s;
	io->lane = s->r->lane;
	io->cap = s->r->cap;
	sfs_pool_submit(s->r->vol->pool, io);
}

static void seg_submit(struct sfs_seg *s, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		       void *rbuf, uint32_t rlen)
{
	seg_submit_on(s, &s->io, io_done, req, wbuf, wlen, rbuf, rlen);
}

static void seg_read_start(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	uint32_t e = index_get(v, s->idx);
	if (e == 0) {
		memset(s->buf, 0, s->len); /* a hole: zeros, no round trip */
		atomic_fetch_add(&v->st->hole_segments, 1);
		s->r->tune_cls = -1; /* says nothing of the cluster (seen by the last seg_done) */
		seg_done(s, 0);
		return;
	}
	struct sd_req req;
	s->state = S_READ;
	sd_req_read_obj(&req, sd_data_oid(e, s->idx), s->obj_off, s->len);
	seg_submit(s, &req, NULL, 0, s->buf, s->len);
}

static void send_write(struct sfs_seg *s, uint32_t vid)
{
	struct sfs_vol *v = s->r->vol;
	struct sd_req req;
	s->vid = vid;
	s->state = S_WRITE;
	s->sent_after = atomic_load_explicit(&v->recreations, memory_order_acquire);
	sd_req_write_obj(&req, sd_data_oid(vid, s->idx), s->obj_off, s->len, v->copies);
	seg_submit(s, &req, s->buf, s->len, NULL, 0);
}

static void send_create(struct sfs_seg *s, uint32_t vid, uint32_t cur)
{
	struct sfs_vol *v = s->r->vol;
	struct sd_req req;
	s->vid = vid;
	s->state = S_CREATE;
	atomic_fetch_add(&v->st->creates, 1);
	if (cur)
		atomic_fetch_add(&v->st->cow_creates, 1);
	/* copy-on-write from the ancestor that owns the object, if any */
	sd_req_create_obj(&req, sd_data_oid(vid, s->idx), cur ? sd_data_oid(cur, s->idx) : 0, s->obj_off,
			  s->len, v->copies);
	seg_submit(s, &req, s->buf, s->len, NULL, 0);
}

/* Starts the segments of a wait list again (they find the object allocated, or allocate it). */
static void restart_all(struct sfs_seg *w)
{
	while (w) {
		struct sfs_seg *next = w->wnext;
		w->wnext = NULL;
		seg_write_start(w);
		w = next;
	}
}

/* The allocation of s's object is over (done or failed): its waiters start again, and the writes
 * held for its index write complete, with held_err (the index write's fate is theirs). */
static void alloc_end(struct sfs_seg *s, int held_err)
{
	struct sfs_vol *v = s->r->vol;
	pthread_mutex_lock(&v->mu);
	for (struct sfs_seg **pp = &v->allocs; *pp; pp = &(*pp)->anext)
		if (*pp == s) {
			*pp = s->anext;
			break;
		}
	struct sfs_seg *w = s->waiters, *h = s->held;
	s->waiters = s->waiters_tail = s->held = NULL;
	if (s->indexing) {
		s->indexing = false;
		atomic_fetch_sub(&v->indexing, 1);
	}
	pthread_mutex_unlock(&v->mu);
	restart_all(w);
	for (struct sfs_seg *next; h; h = next) {
		next = h->wnext;
		h->wnext = NULL;
		seg_done(h, held_err);
	}
}

/* Under v->mu: slot i records s's object as one whose index write failed. */
static bool unnamed_is(const struct sfs_vol *v, int i, const struct sfs_seg *s)
{
	return v->unnamed[i].idx == s->idx && v->unnamed[i].vid == s->vid;
}

/* Under v->mu: write s, acknowledged by sheep, went into an object whose index write failed,
 * before the object was created anew (or it has not been): its bytes are in no object an inode
 * names, or the new create may have overwritten them (sheep may run requests on two
 * connections in either order). */
static bool unnamed_fails(struct sfs_vol *v, const struct sfs_seg *s)
{
	for (int i = 0; i < UNNAMED; i++)
		if (unnamed_is(v, i, s) && (v->unnamed[i].recreated == 0 || s->sent_after < v->unnamed[i].recreated))
			return true;
	return false;
}

/* s created its object anew (under v->mu): writes sent into it from now on are its own, those
 * sent before still fail (see unnamed_fails). */
static void unnamed_forget(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	uint32_t now = 0; /* the new count of re-creations, once one slot matches */
	for (int i = 0; i < UNNAMED; i++) {
		if (!unnamed_is(v, i, s) || v->unnamed[i].recreated != 0)
			continue;
		if (now == 0) {
			now = atomic_load(&v->recreations) + 1;
			now += now == 0; /* past a wrap: 0 means not recreated */
		}
		v->unnamed[i].recreated = now;
	}
	if (now != 0)
		atomic_store_explicit(&v->recreations, now, memory_order_release);
}

static void reload_start(struct sfs_vol *v);

/* Under v->mu: marks a reload as under way; true when the caller is to start it (reload_start,
 * after unlocking), false when one is running already (it will serve the caller too). */
static bool reload_claim(struct sfs_vol *v)
{
	if (atomic_load(&v->reloading))
		return false;
	atomic_store(&v->reloading, true);
	return true;
}

/*
 * The index write that names s's new object failed: sheep's inode may not name the object, so
 * ours must not either (a write that found the entry would be acknowledged into an object no
 * inode names, and lost at the next attach). The object is recorded (see write_end) before
 * alloc_end lets go of s. A flat entry goes back to what it was, so the next write there
 * allocates again. A hyper volume's B-tree may be half written and its tree in memory names the
 * object already (sd_inode_set_vid ran before the writes went out): the inode is reloaded from
 * sheep, as after READONLY, and writes wait for that.
 */
static void index_failed(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	bool reload = false;
	pthread_mutex_lock(&v->mu);
	unsigned i = v->unnamed_next++ % UNNAMED; /* the oldest is forgotten */
	v->unnamed[i].idx = s->idx;
	v->unnamed[i].vid = s->vid;
	v->unnamed[i].recreated = 0;
	atomic_store(&v->unnamed_any, true);
	if (v->hyper) {
		reload = reload_claim(v);
		if (reload)
			v->resync = true;
	} else {
		uint32_t mine = s->vid;
		/* unless a reload replaced the index meanwhile (it read sheep's entries then) */
		if (atomic_compare_exchange_strong(&v->index[s->idx], &mine, s->before) && s->before == 0)
			atomic_fetch_sub(&v->allocated, 1);
	}
	pthread_mutex_unlock(&v->mu);
	if (reload)
		reload_start(v);
	alloc_end(s, EIO);
}

static void alloc_release(struct sfs_seg *s)
{
	alloc_end(s, 0);
}

/*
 * How a write that sheep acknowledged ends. Into an object that a create made and whose index
 * write is still on the wire, it is done only once that index write is (held: alloc_end completes
 * it): were sheepfs to stop between the two, the data would sit in an object the inode does not
 * name. Into an object whose index write failed, it fails (EIO): the next write there creates the
 * object anew, without these bytes. Returns true when s was held or failed.
 */
static bool write_end(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	/* indexing first: index_failed records the object before it stops counting the allocation */
	if (atomic_load(&v->indexing) == 0 && !atomic_load(&v->unnamed_any))
		return false;
	bool held = false, unnamed = false;
	pthread_mutex_lock(&v->mu);
	for (struct sfs_seg *o = v->allocs; o; o = o->anext)
		if (o->indexing && o->idx == s->idx && o->vid == s->vid) {
			s->wnext = o->held;
			o->held = s;
			held = true;
			break;
		}
	unnamed = !held && unnamed_fails(v, s);
	pthread_mutex_unlock(&v->mu);
	if (unnamed) {
		vlog(v, s, "write (into an object whose index update failed)", 0, EIO);
		seg_done(s, EIO);
	}
	return held || unnamed;
}

static void *reload_thread(void *arg);

/* READONLY: our working VDI became a snapshot. Reload the inode by name, then start again. */
static void seg_readonly(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	atomic_fetch_add(&v->st->readonly_retries, 1);
	if (++s->retries > MAX_RETRIES) {
		vlog(v, s, "write (still read-only after reloads)", SD_RES_READONLY, 0);
		seg_done(s, EROFS);
		return;
	}
	pthread_mutex_lock(&v->mu);
	if (atomic_load(&v->vid) != s->vid && !atomic_load(&v->reloading)) {
		pthread_mutex_unlock(&v->mu); /* someone reloaded meanwhile */
		seg_write_start(s);
		return;
	}
	wait_push(&v->rl_head, &v->rl_tail, s);
	bool start = reload_claim(v);
	pthread_mutex_unlock(&v->mu);
	if (start)
		reload_start(v);
}

/* Starts the reload thread; v->reloading is set, and writes that need the new index wait in
 * v->rl_head. Without a thread they fail (EIO). */
static void reload_start(struct sfs_vol *v)
{
	pthread_t t;
	pthread_attr_t a;
	sfs_vol_get(v);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	atomic_fetch_add(&v->st->reload_threads, 1);
	if (pthread_create(&t, &a, reload_thread, v) != 0) {
		/* not here instead: this may be a pool I/O thread, and the reload waits for it */
		fprintf(stderr, "sheepfs: vdi %s: no thread for the inode reload\n", v->name);
		pthread_mutex_lock(&v->mu);
		struct sfs_seg *w = v->rl_head;
		v->rl_head = v->rl_tail = NULL;
		atomic_store(&v->reloading, false);
		pthread_mutex_unlock(&v->mu);
		for (struct sfs_seg *next; w; w = next) {
			next = w->wnext;
			w->wnext = NULL;
			seg_done(w, EIO);
		}
		atomic_fetch_sub(&v->st->reload_threads, 1);
		sfs_vol_put(v);
	}
	pthread_attr_destroy(&a);
}

static void hyper_next(struct sfs_vol *v);

static void hyper_send_step(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	const struct sd_index_write *w = &s->upd.w[s->hstep];
	struct sd_req req;
	if (w->create)
		sd_req_create_obj(&req, w->oid, 0, w->offset, w->len, v->copies);
	else
		sd_req_write_obj(&req, w->oid, w->offset, w->len, v->copies);
	atomic_fetch_add(&v->st->index_writes, 1);
	seg_submit(s, &req, w->data, w->len, NULL, 0);
}

/* Hyper volumes: B-tree changes touch shared nodes, so they go one at a time per volume. */
static void hyper_begin(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	struct sd_btree_io bio = { .arg = v, .get = node_get, .create = node_create };
	/* Once the B-tree in memory names the object, writes into it take the lock-free path: from
	 * then until the B-tree writes are done they are held (see write_end), so this is
	 * counted before the change is made. */
	pthread_mutex_lock(&v->mu);
	s->indexing = true;
	atomic_fetch_add(&v->indexing, 1);
	unnamed_forget(s);
	pthread_mutex_unlock(&v->mu);
	pthread_rwlock_wrlock(&v->hrw);
	int e = sd_inode_set_vid(v->inode, SD_INODE_INDEX_END, s->idx, s->vid, &bio, &s->upd);
	pthread_rwlock_unlock(&v->hrw);
	if (e != SD_OK) {
		fprintf(stderr, "sheepfs: vdi %s: index update of object %u failed: %s\n", v->name, s->idx,
			sd_err_str(e));
		s->upd.nr = 0;
		s->hstep = 0;
		alloc_end(s, EIO);
		hyper_next(v); /* before seg_done: the request's end may drop the last reference to v */
		seg_done(s, e == SD_ERR_FULL ? ENOSPC : EIO);
		return;
	}
	/* Never rewrite the inode header: after a snapshot elsewhere it is the snapshot's (its
	 * snap_ctime and tag would be clobbered). The index starts at byte 4664. */
	for (unsigned i = 0; i < s->upd.nr; i++) {
		struct sd_index_write *w = &s->upd.w[i];
		if (sd_is_inode_oid(w->oid) && w->offset == 0 && w->len > SD_INODE_HEADER_SIZE) {
			w->offset = SD_INODE_HEADER_SIZE;
			w->data += SD_INODE_HEADER_SIZE;
			w->len -= SD_INODE_HEADER_SIZE;
		}
	}
	s->state = S_HYPER;
	s->hstep = 0;
	if (s->upd.nr == 0) {
		alloc_release(s);
		hyper_next(v); /* before seg_done, as above */
		seg_done(s, 0);
		return;
	}
	/* As for flat volumes: the writes waiting for the object go beside the B-tree writes. Taken
	 * before the first goes out: the last one's answer ends s. */
	pthread_mutex_lock(&v->mu);
	struct sfs_seg *w = s->waiters;
	s->waiters = s->waiters_tail = NULL;
	pthread_mutex_unlock(&v->mu);
	hyper_send_step(s);
	restart_all(w);
}

static void hyper_next(struct sfs_vol *v)
{
	pthread_mutex_lock(&v->mu);
	struct sfs_seg *s = v->hq_head;
	if (s && !atomic_load(&v->reloading)) {
		v->hq_head = s->wnext;
		if (v->hq_head == NULL)
			v->hq_tail = NULL;
		s->wnext = NULL;
	} else {
		s = NULL;
		v->hbusy = false;
		pthread_cond_broadcast(&v->hidle);
	}
	pthread_mutex_unlock(&v->mu);
	if (s)
		hyper_begin(s);
}

static void hyper_enqueue(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	pthread_mutex_lock(&v->mu);
	bool run = !v->hbusy && !atomic_load(&v->reloading);
	if (run) {
		v->hbusy = true;
	} else {
		wait_push(&v->hq_head, &v->hq_tail, s);
	}
	pthread_mutex_unlock(&v->mu);
	if (run)
		hyper_begin(s);
}

/*
 * Our index copy was read at attach: another client (dog vdi write, a second sheepfs) may have
 * allocated this object since, and a CREATE_AND_WRITE would replace its data with zeros + ours.
 * So before every create (rare: once per object) re-read sheep's entry for it; if the object is
 * ours now, adopt it and write in place. Hyper volumes skip the entry probe (the B-tree path
 * would need the root and a leaf re-read): there, objects allocated by other writers since the
 * attach are not detected. And check the inode still has a name, so that a VDI deleted
 * elsewhere fails the write instead of gaining an orphan object. Both reads go out at once: a
 * first write costs one round trip less.
 */
static void probe_answered(struct sfs_io *io);

static void probe_start(struct sfs_seg *s, uint32_t vid, uint32_t cur)
{
	struct sfs_vol *v = s->r->vol;
	struct sd_req req;
	s->vid = vid;
	s->cow = cur;
	memset(s->entry_le, 0, sizeof(s->entry_le));
	memset(s->name_le, 0, sizeof(s->name_le));
	atomic_fetch_add(&v->st->probes, 1);
	if (v->hyper) {
		s->state = S_PROBE_NAME;
		sd_req_read_obj(&req, sd_inode_oid(vid), SD_INODE_NAME_OFF, 4);
		seg_submit(s, &req, NULL, 0, s->name_le, 4);
		return;
	}
	s->state = S_PROBE;
	atomic_store(&s->probes_left, 2);
	sd_req_read_obj(&req, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF + 4 * s->idx, 4);
	seg_submit_on(s, &s->io, probe_answered, &req, NULL, 0, s->entry_le, 4);
	sd_req_read_obj(&req, sd_inode_oid(vid), SD_INODE_NAME_OFF, 4);
	seg_submit_on(s, &s->io2, probe_answered, &req, NULL, 0, s->name_le, 4);
}

/* Refuses the write if the VDI lost its name (deleted elsewhere); else creates the object. */
static void create_unless_deleted(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	if (s->name_le[0] == 0) {
		fprintf(stderr, "sheepfs: vdi %s (%06" PRIx32 "): the VDI was deleted by another client; "
			"write refused (detach the volume)\n", v->name, s->vid);
		atomic_fetch_add(&v->st->errors, 1);
		alloc_release(s);
		seg_done(s, EIO);
		return;
	}
	send_create(s, s->vid, s->cow);
}

/* Hyper volumes: the name probe alone. */
static void on_name_probed(struct sfs_seg *s, uint32_t res)
{
	if (res != SD_RES_SUCCESS) {
		vlog(s->r->vol, s, "index probe before allocation", res, 0);
		alloc_release(s);
		seg_done(s, EIO);
		return;
	}
	create_unless_deleted(s);
}

/* Flat volumes: runs once both probes have answered. */
static void probe_answered(struct sfs_io *io)
{
	struct sfs_seg *s = io->arg;
	if (atomic_fetch_sub(&s->probes_left, 1) != 1)
		return;
	struct sfs_vol *v = s->r->vol;
	int err = s->io.err ? s->io.err : s->io2.err;
	uint32_t res = s->io.result != SD_RES_SUCCESS ? s->io.result : s->io2.result;
	if (err || res != SD_RES_SUCCESS) {
		vlog(v, s, "index probe before allocation", err ? 0 : res, err);
		alloc_release(s);
		seg_done(s, EIO);
		return;
	}
	uint32_t remote = sd_le32(s->entry_le);
	if (remote == s->vid) {
		/* allocated by another client meanwhile: ours, so write in place */
		uint32_t cur = s->cow;
		if (atomic_compare_exchange_strong(&v->index[s->idx], &cur, remote) && s->cow == 0)
			atomic_fetch_add(&v->allocated, 1);
		atomic_fetch_add(&v->st->adopted, 1);
		alloc_release(s);
		send_write(s, remote);
		return;
	}
	if (remote != 0)
		s->cow = remote; /* copy from whatever sheep's index names now */
	create_unless_deleted(s);
}

static void seg_write_start(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	if (v->snapshot) {
		seg_done(s, EROFS);
		return;
	}
	/* fast path, no lock: the object is ours */
	uint32_t vid = atomic_load(&v->vid);
	if (!atomic_load(&v->reloading) && !atomic_load(&v->stale) && index_get(v, s->idx) == vid) {
		send_write(s, vid);
		return;
	}
	pthread_mutex_lock(&v->mu);
	if (atomic_load(&v->reloading) || atomic_load(&v->stale)) {
		wait_push(&v->rl_head, &v->rl_tail, s);
		bool start = reload_claim(v);
		if (start)
			v->resync = true; /* stale: the reload the last one failed to do */
		pthread_mutex_unlock(&v->mu);
		if (start)
			reload_start(v);
		return;
	}
	vid = atomic_load(&v->vid);
	uint32_t cur = index_get(v, s->idx);
	if (cur == vid) {
		pthread_mutex_unlock(&v->mu);
		send_write(s, vid);
		return;
	}
	for (struct sfs_seg *o = v->allocs; o; o = o->anext)
		if (o->idx == s->idx) {
			/* one create per object at a time: a second would replace the first's data */
			wait_push(&o->waiters, &o->waiters_tail, s);
			pthread_mutex_unlock(&v->mu);
			atomic_fetch_add(&v->st->alloc_waits, 1);
			return;
		}
	s->anext = v->allocs;
	v->allocs = s;
	s->waiters = s->waiters_tail = s->held = NULL;
	s->indexing = false;
	pthread_mutex_unlock(&v->mu);
	probe_start(s, vid, cur);
}

static void on_created(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	if (v->hyper) {
		atomic_fetch_add(&v->allocated, 1);
		hyper_enqueue(s);
		return;
	}
	/* The object exists: the writes waiting for it go now, beside the index write (a first write
	 * in pieces costs one round trip less), and any that finish before it are held (see
	 * write_end). Taken before the index write goes out: its answer ends s. */
	pthread_mutex_lock(&v->mu);
	/* indexing first: a writer that sees the new entry then sees the count (see write_end) */
	s->indexing = true;
	atomic_fetch_add(&v->indexing, 1);
	unnamed_forget(s); /* before the entry: a write that finds it was sent after (see send_write) */
	uint32_t prev = atomic_exchange(&v->index[s->idx], s->vid);
	s->before = prev;
	struct sfs_seg *w = s->waiters;
	s->waiters = s->waiters_tail = NULL;
	pthread_mutex_unlock(&v->mu);
	if (prev == 0)
		atomic_fetch_add(&v->allocated, 1);
	/* If a reload switched to a new working VDI while this create was on the wire (it reached
	 * sheep before the snapshot), the entry belongs in the new working inode: it then points at
	 * the object we just wrote, exactly as merge_flat does for creates that finished earlier. */
	uint32_t target = atomic_load(&v->vid);
	struct sd_req req;
	s->state = S_INDEX;
	sd_put32(s->entry_le, s->vid);
	sd_req_write_obj(&req, sd_inode_oid(target), SD_INODE_DATA_VDI_ID_OFF + 4 * s->idx, 4, v->copies);
	atomic_fetch_add(&v->st->index_writes, 1);
	seg_submit(s, &req, s->entry_le, 4, NULL, 0);
	restart_all(w);
}

static void io_done(struct sfs_io *io)
{
	struct sfs_seg *s = seg_of(io);
	struct sfs_vol *v = s->r->vol;
	uint32_t res = io->result;
	if (io->err) {
		vlog(v, s, s->state == S_READ ? "read" : "write", 0, io->err);
		if (s->state == S_INDEX || s->state == S_HYPER) {
			index_failed(s); /* its held writes fail with it */
			if (s->state == S_HYPER)
				hyper_next(v);
		} else if (s->state != S_READ && s->state != S_WRITE) {
			alloc_end(s, EIO);
		}
		seg_done(s, EIO);
		return;
	}
	switch (s->state) {
	case S_READ:
		if (res != SD_RES_SUCCESS) {
			vlog(v, s, "read", res, 0);
			int e = sd_result_errno(res);
			seg_done(s, e == ENOENT || e == 0 ? EIO : e);
			return;
		}
		if (io->rsp_len < s->len)
			memset(s->buf + io->rsp_len, 0, s->len - io->rsp_len);
		seg_done(s, 0);
		return;
	case S_WRITE:
		if (res == SD_RES_READONLY) {
			seg_readonly(s);
		} else if (res != SD_RES_SUCCESS) {
			vlog(v, s, "write", res, 0);
			int e = sd_result_errno(res);
			seg_done(s, e == ENOENT || e == 0 ? EIO : e);
		} else if (!write_end(s)) {
			seg_done(s, 0);
		}
		return;
	case S_CREATE:
		if (res == SD_RES_SUCCESS) {
			on_created(s);
			return;
		}
		alloc_release(s);
		if (res == SD_RES_READONLY) {
			seg_readonly(s);
		} else {
			vlog(v, s, "create", res, 0);
			int e = sd_result_errno(res);
			seg_done(s, e == ENOENT || e == 0 ? EIO : e);
		}
		return;
	case S_INDEX:
		if (res != SD_RES_SUCCESS) {
			vlog(v, s, "index update", res, 0);
			index_failed(s);
		} else {
			alloc_end(s, 0);
		}
		seg_done(s, res != SD_RES_SUCCESS ? EIO : 0);
		return;
	case S_PROBE: /* answered through probe_answered */
		return;
	case S_PROBE_NAME:
		on_name_probed(s, res);
		return;
	case S_HYPER:
		if (res != SD_RES_SUCCESS) {
			vlog(v, s, "index update", res, 0);
			index_failed(s);
			hyper_next(v); /* before seg_done: the request's end may drop the last reference to v */
			seg_done(s, EIO);
			return;
		}
		if (++s->hstep < s->upd.nr) {
			hyper_send_step(s);
			return;
		}
		alloc_release(s);
		hyper_next(v); /* before seg_done, as above */
		seg_done(s, 0);
		return;
	}
}

/* ---------------------------------------------------------------- reload after READONLY */

/* Flat volumes: an object we created just before the snapshot may have had its index entry
 * written into the old inode after the new one was copied from it. The new working inode must
 * reach that data too, but never by pointing a second index entry at the same object: an index
 * write carries no reference count (sheep zeroes the entry's gref), so when the working VDI
 * later replaces the entry, sheep would drop the snapshot's object. So copy it instead: a
 * CREATE_AND_WRITE of (new, i) copy-on-write from (old, i), overlaying the object's own first
 * bytes (no empty payload: that is an edge case servers need not accept), then new[i] = new. */
static int merge_flat(struct sfs_vol *v, struct loaded *l, uint32_t oldvid)
{
	uint64_t n = l->nr_objs < v->nr_objs ? l->nr_objs : v->nr_objs;
	uint8_t head[512];
	for (uint64_t i = 0; i < n; i++) {
		uint32_t mine = atomic_load(&v->index[i]);
		if (mine == oldvid && l->flat[i] != oldvid && l->flat[i] != l->vid) {
			uint8_t le[4];
			struct sd_req req;
			struct sd_rsp rsp;
			uint32_t hl = sizeof(head);
			if ((UINT64_C(1) << v->shift) < hl)
				hl = (uint32_t)1 << v->shift;
			int e = read_obj(v->pool, sd_data_oid(oldvid, (uint32_t)i), 0, head, hl);
			if (e)
				return EIO;
			sd_req_create_obj(&req, sd_data_oid(l->vid, (uint32_t)i), sd_data_oid(oldvid, (uint32_t)i), 0, hl,
					  v->copies);
			e = call(v->pool, &req, head, hl, NULL, 0, &rsp);
			if (e || rsp.result != SD_RES_SUCCESS)
				return EIO;
			atomic_fetch_add(&v->st->cow_creates, 1);
			sd_put32(le, l->vid);
			sd_req_write_obj(&req, sd_inode_oid(l->vid), SD_INODE_DATA_VDI_ID_OFF + 4 * (uint32_t)i, 4,
					 v->copies);
			e = call(v->pool, &req, le, 4, NULL, 0, &rsp);
			if (e || rsp.result != SD_RES_SUCCESS)
				return EIO;
			if (l->flat[i] == 0)
				l->allocated++;
			l->flat[i] = l->vid;
		}
	}
	return 0;
}

static void *reload_thread(void *arg)
{
	struct sfs_vol *v = arg;
	struct loaded l;
	uint32_t oldvid = atomic_load(&v->vid);
	atomic_fetch_add(&v->st->reloads, 1);
	/* hyper: wait until no B-tree update is using the buffers we are about to replace */
	pthread_mutex_lock(&v->mu);
	while (v->hbusy)
		pthread_cond_wait(&v->hidle, &v->mu);
	bool resync = v->resync;
	v->resync = false;
	pthread_mutex_unlock(&v->mu);
	int e = load_inode(v->pool, v->name, 0, &l);
	if (e == 0 && !v->hyper && l.hdr.store_policy != SD_STORE_POLICY_NORMAL)
		e = EIO;
	if (e == 0 && !v->hyper)
		e = merge_flat(v, &l, oldvid);
	const char *why = resync ? "a failed index update" : "READONLY";
	if (e == 0 && l.vid != oldvid)
		fprintf(stderr, "sheepfs: vdi %s: %06x became read-only (snapshot?), now writing to %06x\n",
			v->name, oldvid, l.vid);
	else if (e == 0)
		fprintf(stderr, "sheepfs: vdi %s: index reloaded from sheep after %s\n", v->name, why);
	else
		fprintf(stderr, "sheepfs: vdi %s: inode reload after %s failed: %s\n", v->name, why, strerror(e));
	pthread_mutex_lock(&v->mu);
	if (e == 0 || resync)
		atomic_store(&v->stale, e != 0);
	if (e == 0) {
		if (v->hyper) {
			pthread_rwlock_wrlock(&v->hrw);
			uint8_t *old = v->inode;
			struct hnode *oldn = v->nodes;
			v->inode = l.inode;
			v->nodes = l.nodes;
			l.inode = old;
			l.nodes = oldn;
			pthread_rwlock_unlock(&v->hrw);
		} else {
			uint64_t n = l.nr_objs < v->nr_objs ? l.nr_objs : v->nr_objs;
			for (uint64_t i = 0; i < n; i++)
				atomic_store(&v->index[i], l.flat[i]);
		}
		atomic_store(&v->allocated, l.allocated);
		atomic_store(&v->vid, l.vid);
	}
	struct sfs_seg *w = v->rl_head;
	v->rl_head = v->rl_tail = NULL;
	atomic_store(&v->reloading, false);
	if (e)
		atomic_fetch_add(&v->st->reloads_failed, 1);
	bool kick = v->hq_head != NULL && !v->hbusy;
	if (kick)
		v->hbusy = true;
	pthread_mutex_unlock(&v->mu);
	loaded_free(&l);
	if (kick)
		hyper_next(v);
	while (w) {
		struct sfs_seg *next = w->wnext;
		w->wnext = NULL;
		if (e)
			seg_done(w, EIO);
		else
			seg_write_start(w);
		w = next;
	}
	struct sfs_stats *st = v->st;
	sfs_vol_put(v);
	atomic_fetch_sub(&st->reload_threads, 1);
	return NULL;
}

/* ---------------------------------------------------------------- public API */

int sfs_vol_open(struct sfs_pool *pool, struct sfs_stats *stats, const struct sfs_vol_cfg *cfg,
		 const char *name, uint32_t vid, struct sfs_vol **out)
{
	struct loaded l;
	if (name == NULL || strlen(name) > SD_NAME_FIELD - 1)
		return ENAMETOOLONG;
	int e = load_inode(pool, name, vid, &l);
	if (e)
		return e;
	struct sfs_vol *v = calloc(1, sizeof(*v));
	if (v == NULL) {
		loaded_free(&l);
		return ENOMEM;
	}
	atomic_init(&v->refs, 1);
	v->pool = pool;
	v->st = stats;
	v->cfg = *cfg;
	snprintf(v->name, sizeof(v->name), "%s", l.hdr.name);
	v->size = l.hdr.vdi_size;
	v->shift = l.hdr.block_size_shift ? l.hdr.block_size_shift : SD_DEFAULT_BLOCK_SIZE_SHIFT;
	v->nr_objs = l.nr_objs;
	v->copies = l.hdr.nr_copies;
	v->hyper = l.hdr.store_policy == SD_STORE_POLICY_HYPER;
	v->snapshot = sd_inode_is_snapshot(&l.hdr);
	atomic_init(&v->vid, l.vid);
	atomic_init(&v->allocated, l.allocated);
	atomic_init(&v->indexing, 0);
	atomic_init(&v->reloading, false);
	atomic_init(&v->stale, false);
	atomic_init(&v->unnamed_any, false);
	atomic_init(&v->recreations, 0);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->hidle, NULL);
	pthread_rwlock_init(&v->hrw, NULL);
	if (v->hyper) {
		v->inode = l.inode;
		v->nodes = l.nodes;
		l.inode = NULL;
		l.nodes = NULL;
	} else {
		v->index = calloc(v->nr_objs ? v->nr_objs : 1, sizeof(*v->index));
		if (v->index == NULL) {
			loaded_free(&l);
			sfs_vol_put(v);
			return ENOMEM;
		}
		for (uint64_t i = 0; i < v->nr_objs; i++)
			atomic_init(&v->index[i], l.flat[i]);
	}
	loaded_free(&l);
	*out = v;
	return 0;
}

void sfs_vol_get(struct sfs_vol *v)
{
	atomic_fetch_add(&v->refs, 1);
}

void sfs_vol_put(struct sfs_vol *v)
{
	if (v == NULL || atomic_fetch_sub(&v->refs, 1) != 1)
		return;
	free(v->index);
	free(v->inode);
	free_nodes(v->nodes);
	pthread_rwlock_destroy(&v->hrw);
	pthread_cond_destroy(&v->hidle);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

uint64_t sfs_vol_size(const struct sfs_vol *v)
{
	return v->size;
}

void sfs_vol_info(struct sfs_vol *v, struct sfs_vol_info *info)
{
	info->vid = atomic_load(&v->vid);
	info->size = v->size;
	info->object_size = (uint32_t)1 << v->shift;
	info->hyper = v->hyper;
	info->snapshot = v->snapshot;
	info->allocated = atomic_load(&v->allocated);
	info->nr_copies = v->copies;
}

/* A buffer for len bytes: from the pool when it fits (no mmap and page faults per request). */
static void *vbuf_get(struct sfs_vol *v, size_t len, bool *pooled)
{
	struct sfs_bufpool *bp = v->cfg.bufs;
	*pooled = bp != NULL && len <= sfs_bufpool_bufsize(bp) && len >= SFS_BUF_MIN_POOLED;
	return *pooled ? sfs_buf_get(bp) : malloc(len ? len : 1);
}

static void vbuf_put(struct sfs_vol *v, void *mem, bool pooled)
{
	if (pooled)
		sfs_buf_put(v->cfg.bufs, mem);
	else
		free(mem);
}

/* borrowed: data is the caller's buffer, used in place until done (reads land in it). */
static int vol_io(struct sfs_vol *v, bool write, uint64_t off, size_t len, const void *data, void *own,
		  bool borrowed, sfs_vreq_done_fn done, void *arg)
{
	if (off >= v->size)
		len = 0;
	else if (len > v->size - off)
		len = (size_t)(v->size - off);
	uint64_t osz = UINT64_C(1) << v->shift;
	int tune_cls = -1;
	unsigned cap = 0;
	uint64_t piece = v->cfg.pieces ? sfs_tuner_piece(v->cfg.pieces, write, (uint32_t)len, &tune_cls, &cap) : 0;
	if (piece == 0 || piece > osz)
		piece = osz;
	uint32_t nseg = 0;
	for (uint64_t p = off; p < off + len;) {
		uint64_t end = (p / osz + 1) * osz;
		uint64_t lim = p + piece - (p % osz) % piece;
		if (lim < end)
			end = lim;
		if (end > off + len)
			end = off + len;
		nseg++;
		p = end;
	}
	struct sfs_vreq *r = calloc(1, sizeof(*r) + nseg * sizeof(struct sfs_seg));
	if (r == NULL) {
		if (own)
			sfs_buf_put(v->cfg.bufs, own);
		return ENOMEM;
	}
	if (own) {
		r->mem = own;
		r->pooled = true;
		r->buf = (char *)data;
		atomic_fetch_add(&v->st->zero_copy_bytes, len);
	} else if (borrowed) {
		r->mem = NULL; /* nothing of ours to give back */
		r->pooled = false;
		r->buf = (char *)data;
		if (write)
			atomic_fetch_add(&v->st->zero_copy_bytes, len);
	} else {
		r->mem = r->buf = vbuf_get(v, len, &r->pooled);
		if (r->buf == NULL) {
			free(r);
			return ENOMEM;
		}
		if (write && len)
			memcpy(r->buf, data, len); /* the caller's buffer is reused once the op returns */
	}
	r->vol = v;
	r->write = write;
	r->off = off;
	r->len = (uint32_t)len;
	r->done = done;
	r->arg = arg;
	r->nseg = nseg;
	r->segs = (struct sfs_seg *)(r + 1);
	r->tune_cls = tune_cls;
	if (len >= SFS_TUNE_MIN_LEN) { /* big transfers: as many in flight as the tuner says */
		r->lane = write ? LANE_BIG_WRITES : LANE_BIG_READS;
		r->cap = (uint16_t)cap;
	}
	r->t0 = tune_cls >= 0 ? mono_ns() : 0;
	atomic_init(&r->err, 0);
	sfs_vol_get(v);
	atomic_fetch_add(write ? &v->st->writes : &v->st->reads, 1);
	atomic_fetch_add(write ? &v->st->write_bytes : &v->st->read_bytes, len);
	atomic_fetch_add(&v->st->segments, nseg);
	if (write) {
		/* active first, then the generation: see sfs_vol_write_gen */
		atomic_fetch_add(&v->writes_active, 1);
		atomic_fetch_add(&v->wgen, 1);
		long long now = atomic_fetch_add(&v->st->writes_inflight, 1) + 1;
		long long peak = atomic_load(&v->st->writes_peak);
		while (now > peak && !atomic_compare_exchange_weak(&v->st->writes_peak, &peak, now))
			;
	}
	if (nseg == 0) {
		atomic_init(&r->pending, 1);
		if (write) {
			atomic_fetch_sub(&v->st->writes_inflight, 1);
			atomic_fetch_sub(&v->writes_active, 1);
		}
		done(r, 0);
		return 0;
	}
	atomic_init(&r->pending, (int)nseg);
	uint64_t p = off;
	for (uint32_t i = 0; i < nseg; i++) {
		struct sfs_seg *s = &r->segs[i];
		uint64_t end = (p / osz + 1) * osz;
		uint64_t lim = p + piece - (p % osz) % piece;
		if (lim < end)
			end = lim;
		if (end > off + len)
			end = off + len;
		s->r = r;
		s->idx = (uint32_t)(p >> v->shift);
		s->obj_off = (uint32_t)(p & (osz - 1));
		s->len = (uint32_t)(end - p);
		s->buf = r->buf + (p - off);
		p = end;
	}
	/* after the last start r may already be completed and freed: touch nothing then */
	for (uint32_t i = 0; i < nseg; i++) {
		if (write)
			seg_write_start(&r->segs[i]);
		else
			seg_read_start(&r->segs[i]);
	}
	return 0;
}

int sfs_vol_io(struct sfs_vol *v, bool write, uint64_t off, size_t len, const void *data, void *own,
	       sfs_vreq_done_fn done, void *arg)
{
	return vol_io(v, write, off, len, data, own, false, done, arg);
}

int sfs_vol_io_in(struct sfs_vol *v, bool write, uint64_t off, size_t len, void *buf, sfs_vreq_done_fn done,
		  void *arg)
{
	return vol_io(v, write, off, len, buf, NULL, true, done, arg);
}

void sfs_vreq_free(struct sfs_vreq *r)
{
	if (r == NULL)
		return;
	struct sfs_vol *v = r->vol;
	vbuf_put(v, r->mem, r->pooled);
	free(r);
	sfs_vol_put(v);
}

struct sync_io {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
};

static void sync_io_done(struct sfs_vreq *r, int err)
{
	struct sync_io *w = r->arg;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	w->err = err;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	sfs_vreq_free(r);
}

/* Writes zeros over [off, off+len) inside one allocated object (a partial punch). */
static int zero_range(struct sfs_vol *v, uint64_t off, uint32_t len)
{
	char *zeros = calloc(1, len);
	struct sync_io w = { .done = false };
	if (zeros == NULL)
		return ENOMEM;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	int e = sfs_vol_io(v, true, off, len, zeros, NULL, sync_io_done, &w);
	free(zeros); /* sfs_vol_io copied it */
	if (e == 0) {
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		e = w.err;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return e;
}

/*
 * DISCARD_OBJ is never refused as read-only: sheep clears the entry in the inode of the oid's
 * vid and removes that object. If a snapshot was taken elsewhere and no write has met READONLY
 * since, our vid is the snapshot's, and a discard would destroy the snapshot's object. So
 * before discarding, check that our vid is still a working VDI (snap_ctime 0) and reload first
 * if it is not. Blocking: discard runs on a FUSE worker.
 */
static int ensure_working(struct sfs_vol *v)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t vid = atomic_load(&v->vid);
		uint8_t b[8];
		int e = read_obj(v->pool, sd_inode_oid(vid), SD_INODE_SNAP_CTIME_OFF, b, sizeof(b));
		if (e)
			return e == ENOENT ? EIO : e;
		if (sd_le64(b) == 0)
			return 0;
		pthread_mutex_lock(&v->mu);
		bool start = !atomic_load(&v->reloading) && atomic_load(&v->vid) == vid;
		if (start)
			atomic_store(&v->reloading, true);
		pthread_mutex_unlock(&v->mu);
		if (start) {
			/* what a READONLY answer starts, run here: this thread may block */
			sfs_vol_get(v);
			atomic_fetch_add(&v->st->reload_threads, 1);
			reload_thread(v);
			if (atomic_load(&v->vid) == vid)
				return EIO; /* the reload failed (logged) */
		} else {
			usleep(1000); /* a reload is under way: check again once it is over */
		}
	}
	return EIO;
}

uint64_t sfs_vol_write_gen(struct sfs_vol *v, bool *active)
{
	uint64_t g = atomic_load(&v->wgen);
	*active = atomic_load(&v->writes_active) > 0;
	return g;
}

bool sfs_vol_allocated(struct sfs_vol *v, uint64_t off)
{
	return off < v->size && index_get(v, (uint32_t)(off >> v->shift)) != 0;
}

uint32_t sfs_vol_object_size(const struct sfs_vol *v)
{
	return UINT32_C(1) << v->shift;
}

struct sfs_stats *sfs_vol_stats(struct sfs_vol *v)
{
	return v->st;
}

static int discard_range(struct sfs_vol *v, uint64_t off, uint64_t len);

int sfs_vol_discard(struct sfs_vol *v, uint64_t off, uint64_t len)
{
	atomic_fetch_add(&v->writes_active, 1);
	atomic_fetch_add(&v->wgen, 1);
	int e = discard_range(v, off, len);
	atomic_fetch_sub(&v->writes_active, 1);
	return e;
}

/* (the caller counts it in writes_active: readahead serves nothing read before it) */
static int discard_range(struct sfs_vol *v, uint64_t off, uint64_t len)
{
	if (v->snapshot)
		return EROFS;
	if (v->hyper)
		return EOPNOTSUPP; /* sheep 1.0 cannot discard objects of hyper volumes */
	if (off >= v->size || len == 0)
		return 0;
	if (len > v->size - off)
		len = v->size - off;
	uint64_t osz = UINT64_C(1) << v->shift;
	bool checked = false;
	for (uint64_t p = off; p < off + len;) {
		uint32_t idx = (uint32_t)(p >> v->shift);
		uint64_t obj_start = (uint64_t)idx << v->shift;
		uint64_t obj_end = obj_start + osz < v->size ? obj_start + osz : v->size;
		uint64_t end = off + len < obj_end ? off + len : obj_end;
		uint32_t cur = atomic_load(&v->index[idx]);
		int e = 0;
		if (cur == 0) {
			/* a hole already */
		} else if (p == obj_start && end == obj_end) {
			if (!checked && (e = ensure_working(v)) != 0)
				return e;
			checked = true; /* once per call: one round trip, not one per object */
			cur = atomic_load(&v->index[idx]);
			if (cur == 0) {
				p = end;
				continue;
			}
			struct sd_req req;
			struct sd_rsp rsp;
			uint32_t vid = atomic_load(&v->vid);
			sd_req_discard_obj(&req, sd_data_oid(vid, idx));
			e = call(v->pool, &req, NULL, 0, NULL, 0, &rsp);
			if (e == 0 && rsp.result != SD_RES_SUCCESS) {
				char rb[32];
				fprintf(stderr, "sheepfs: vdi %s (%06x) offset %" PRIu64 ": discard failed: %s (result %#x)\n",
					v->name, vid, p, sd_result_format(rsp.result, rb, sizeof(rb)), rsp.result);
				e = sd_result_errno(rsp.result) ? sd_result_errno(rsp.result) : EIO;
			}
			/* the server cleared its index entry: keep our copy in step */
			if (e == 0 && atomic_compare_exchange_strong(&v->index[idx], &cur, 0)) {
				atomic_fetch_sub(&v->allocated, 1);
				atomic_fetch_add(&v->st->discards, 1);
			}
		} else {
			/* partial: zeros, at most 1 MiB at a time (objects may be up to 2 GiB) */
			for (uint64_t z = p; e == 0 && z < end; z += UINT64_C(1) << 20) {
				uint64_t n = end - z < (UINT64_C(1) << 20) ? end - z : UINT64_C(1) << 20;
				e = zero_range(v, z, (uint32_t)n);
			}
		}
		if (e)
			return e;
		p = end;
	}
	return 0;
}

/* Walks the leaf entries of a hyper volume's B-tree in index order (hrw held): the first index
 * >= from that holds data (data) or that is a hole (!data); UINT64_MAX if none. */
static uint64_t hyper_scan(struct sfs_vol *v, uint64_t from, bool data)
{
	const uint8_t *root = v->inode + SD_INODE_DATA_VDI_ID_OFF;
	struct sd_btree_hdr rh;
	uint64_t expect = from; /* hole search: the next index that must be present */
	if (sd_le32(root) == 0 || sd_btree_hdr_decode(root, SD_INODE_DATA_INDEX_SIZE, &rh) != SD_OK)
		return data ? UINT64_MAX : from; /* an empty tree */
	uint32_t nleaves = rh.depth == 1 ? 1 : rh.entries;
	for (uint32_t l = 0; l < nleaves; l++) {
		const uint8_t *leaf = root;
		struct sd_btree_hdr lh = rh;
		if (rh.depth == 2) {
			uint8_t *node;
			size_t len;
			if (node_get(v, sd_le64(root + SD_BTREE_HDR_SIZE + 16 * l + 8), &node, &len) != 0 ||
			    sd_btree_hdr_decode(node, len, &lh) != SD_OK)
				continue;
			leaf = node;
		}
		for (uint32_t i = 0; i < lh.entries; i++) {
			const uint8_t *e = leaf + SD_BTREE_HDR_SIZE + 8 * i;
			uint64_t idx = sd_le32(e);
			uint32_t vid = sd_le32(e + 4);
			if (idx < from)
				continue;
			if (data) {
				if (vid != 0)
					return idx;
			} else {
				if (idx != expect || vid == 0)
					return expect;
				expect++;
			}
		}
	}
	return data ? UINT64_MAX : expect;
}

int64_t sfs_vol_seek(struct sfs_vol *v, uint64_t off, bool data)
{
	if (off >= v->size)
		return -ENXIO;
	if (v->hyper) {
		pthread_rwlock_rdlock(&v->hrw);
		uint64_t i = hyper_scan(v, off >> v->shift, data);
		pthread_rwlock_unlock(&v->hrw);
		uint64_t at = i >= v->nr_objs ? v->size : i << v->shift;
		if (at < off)
			at = off;
		if (at >= v->size)
			return data ? -ENXIO : (int64_t)v->size;
		return (int64_t)at;
	}
	for (uint64_t i = off >> v->shift; i < v->nr_objs; i++) {
		bool has = atomic_load(&v->index[i]) != 0;
		if (has == data) {
			uint64_t at = i << v->shift;
			return (int64_t)(at > off ? at : off);
		}
	}
	return data ? -ENXIO : (int64_t)v->size;
}

int sfs_vol_lock(struct sfs_vol *v)
{
	if (v->snapshot)
		return 0;
	uint8_t payload[SD_VDI_LOOKUP_PAYLOAD];
	struct sd_req req;
	struct sd_rsp rsp;
	if (sd_vdi_name_payload(payload, v->name, NULL) != SD_OK)
		return ENAMETOOLONG;
	sd_req_vdi_lookup(&req, SD_OP_LOCK_VDI, 0, 0);
	int e = call(v->pool, &req, payload, sizeof(payload), NULL, 0, &rsp);
	if (e)
		return -e;
	if (rsp.result == SD_RES_VDI_LOCKED) {
		fprintf(stderr, "sheepfs: VDI %s is locked by another client (or another mount through the same "
			"sheep node): not attached\n", v->name);
		return EBUSY;
	}
	if (rsp.result != SD_RES_SUCCESS) {
		char rb[32];
		fprintf(stderr, "sheepfs: vdi %s: lock failed: %s (result %#x)\n", v->name,
			sd_result_format(rsp.result, rb, sizeof(rb)), rsp.result);
		return sd_result_errno(rsp.result) ? sd_result_errno(rsp.result) : EIO;
	}
	struct sd_vdi_rsp_args va;
	sd_rsp_get_vdi(&rsp, &va);
	/* the vid sheep locked (a snapshot elsewhere between lookup and lock may have moved it) */
	atomic_store(&v->locked_vid, va.vdi_id ? va.vdi_id : atomic_load(&v->vid));
	return 0;
}

void sfs_vol_unlock(struct sfs_vol *v)
{
	uint32_t vid = atomic_exchange(&v->locked_vid, 0);
	if (vid == 0)
		return;
	struct sd_req req;
	struct sd_rsp rsp;
	sd_req_release_vdi(&req, vid, 0);
	int e = call(v->pool, &req, NULL, 0, NULL, 0, &rsp);
	if (e || rsp.result != SD_RES_SUCCESS) {
		char rb[32];
		fprintf(stderr, "sheepfs: vdi %s (%06" PRIx32 "): lock release failed: %s\n", v->name, vid,
			e ? strerror(-e) : sd_result_format(rsp.result, rb, sizeof(rb)));
	}
}
