/* Volume engine, allocation part: a write into an object the VDI does not own yet probes
 * sheep's index, creates the object (copy-on-write from the owner) and names it in the index
 * (flat: one entry; hyper: the B-tree updates, one volume's at a time). Failed index writes are
 * recorded so that no write is acknowledged into an object no inode names. See
 * volume_internal.h. */
#define _GNU_SOURCE
#include "volume_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- allocations */

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
void alloc_end(struct sfs_seg *s, int held_err)
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

/* ---------------------------------------------------------------- failed index writes */

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


/*
 * The index write that names s's new object failed: sheep's inode may not name the object, so
 * ours must not either (a write that found the entry would be acknowledged into an object no
 * inode names, and lost at the next attach). The object is recorded (see write_end) before
 * alloc_end lets go of s. A flat entry goes back to what it was, so the next write there
 * allocates again. A hyper volume's B-tree may be half written and its tree in memory names the
 * object already (sd_inode_set_vid ran before the writes went out): the inode is reloaded from
 * sheep, as after READONLY, and writes wait for that.
 */
void index_failed(struct sfs_seg *s)
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

void alloc_release(struct sfs_seg *s)
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
bool write_end(struct sfs_seg *s)
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
		vol_log(v, s, "write (into an object whose index update failed)", 0, EIO);
		seg_done(s, EIO);
	}
	return held || unnamed;
}

/* ---------------------------------------------------------------- hyper: B-tree updates in turn */

void hyper_send_step(struct sfs_seg *s)
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
	struct sd_btree_io bio = { .arg = v, .get = vol_node_get, .create = vol_node_create };
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

void hyper_next(struct sfs_vol *v)
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

/* ---------------------------------------------------------------- first writes: probe, create */

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
void on_name_probed(struct sfs_seg *s, uint32_t res)
{
	if (res != SD_RES_SUCCESS) {
		vol_log(s->r->vol, s, "index probe before allocation", res, 0);
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
		vol_log(v, s, "index probe before allocation", err ? 0 : res, err);
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

void seg_write_start(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	if (v->snapshot) {
		seg_done(s, EROFS);
		return;
	}
	/* fast path, no lock: the object is ours */
	uint32_t vid = atomic_load(&v->vid);
	if (!atomic_load(&v->reloading) && !atomic_load(&v->stale) && vol_index_get(v, s->idx) == vid) {
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
	uint32_t cur = vol_index_get(v, s->idx);
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

void on_created(struct sfs_seg *s)
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
