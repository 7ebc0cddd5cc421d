/* Volume engine, inode part: attach (load the inode), READONLY and resync reloads, index
 * lookups, and the blocking calls the control path makes. See volume_internal.h. */
#define _GNU_SOURCE
#include "volume_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- blocking calls, inode load */

int vol_call(struct sfs_pool *pool, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		void *rbuf, uint32_t rlen, struct sd_rsp *rsp)
{
	struct sfs_io io;
	memset(&io, 0, sizeof(io));
	vol_io_prepare(&io, req, wbuf, wlen, rbuf, rlen);
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
	int e = vol_call(pool, &req, payload, sizeof(payload), NULL, 0, &rsp);
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

int vol_read_obj(struct sfs_pool *pool, uint64_t oid, uint32_t off, void *buf, uint32_t len)
{
	struct sd_req req;
	struct sd_rsp rsp;
	sd_req_read_obj(&req, oid, off, len);
	int e = vol_call(pool, &req, NULL, 0, buf, len, &rsp);
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
	e = vol_read_obj(pool, sd_inode_oid(vid), 0, hdrbuf, SD_INODE_HEADER_SIZE);
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
			e = vol_read_obj(pool, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF, raw, bytes);
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
			e = vol_read_obj(pool, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF,
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
					e = vol_read_obj(pool, oid, 0, nb, SD_BTREE_NODE_OBJ_SIZE);
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

int vol_node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
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

int vol_node_create(void *arg, uint64_t oid, uint8_t **node)
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

uint32_t vol_index_get(struct sfs_vol *v, uint32_t idx)
{
	if (!v->hyper)
		return atomic_load_explicit(&v->index[idx], memory_order_acquire);
	struct sd_btree_io bio = { .arg = v, .get = vol_node_get, .create = vol_node_create };
	uint32_t vid = 0;
	pthread_rwlock_rdlock(&v->hrw);
	if (sd_le32(v->inode + SD_INODE_DATA_VDI_ID_OFF) != 0 &&
	    sd_inode_lookup(v->inode, SD_INODE_INDEX_END, idx, &bio, &vid) != SD_OK)
		vid = 0;
	pthread_rwlock_unlock(&v->hrw);
	return vid;
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
			int e = vol_read_obj(v->pool, sd_data_oid(oldvid, (uint32_t)i), 0, head, hl);
			if (e)
				return EIO;
			sd_req_create_obj(&req, sd_data_oid(l->vid, (uint32_t)i), sd_data_oid(oldvid, (uint32_t)i), 0, hl,
					  v->copies);
			e = vol_call(v->pool, &req, head, hl, NULL, 0, &rsp);
			if (e || rsp.result != SD_RES_SUCCESS)
				return EIO;
			atomic_fetch_add(&v->st->cow_creates, 1);
			sd_put32(le, l->vid);
			sd_req_write_obj(&req, sd_inode_oid(l->vid), SD_INODE_DATA_VDI_ID_OFF + 4 * (uint32_t)i, 4,
					 v->copies);
			e = vol_call(v->pool, &req, le, 4, NULL, 0, &rsp);
			if (e || rsp.result != SD_RES_SUCCESS)
				return EIO;
			if (l->flat[i] == 0)
				l->allocated++;
			l->flat[i] = l->vid;
		}
	}
	return 0;
}

void *reload_thread(void *arg)
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

/* Under v->mu: marks a reload as under way; true when the caller is to start it (reload_start,
 * after unlocking), false when one is running already (it will serve the caller too). */
bool reload_claim(struct sfs_vol *v)
{
	if (atomic_load(&v->reloading))
		return false;
	atomic_store(&v->reloading, true);
	return true;
}

/* READONLY: our working VDI became a snapshot. Reload the inode by name, then start again. */
void seg_readonly(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	atomic_fetch_add(&v->st->readonly_retries, 1);
	if (++s->retries > MAX_RETRIES) {
		vol_log(v, s, "write (still read-only after reloads)", SD_RES_READONLY, 0);
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
void reload_start(struct sfs_vol *v)
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

unsigned sfs_vol_handles(struct sfs_vol *v, int delta)
{
	return (unsigned)((int)atomic_fetch_add(&v->handles, (unsigned)delta) + delta);
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
