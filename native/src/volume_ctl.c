/* Volume engine, control part: discard (fallocate PUNCH_HOLE), SEEK_DATA / SEEK_HOLE from the
 * index, and the VDI lock. Blocking; FUSE workers call them. See volume_internal.h. */
#define _GNU_SOURCE
#include "volume_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		int e = vol_read_obj(v->pool, sd_inode_oid(vid), SD_INODE_SNAP_CTIME_OFF, b, sizeof(b));
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
			e = vol_call(v->pool, &req, NULL, 0, NULL, 0, &rsp);
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
			if (vol_node_get(v, sd_le64(root + SD_BTREE_HDR_SIZE + 16 * l + 8), &node, &len) != 0 ||
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
	int e = vol_call(v->pool, &req, payload, sizeof(payload), NULL, 0, &rsp);
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
	int e = vol_call(v->pool, &req, NULL, 0, NULL, 0, &rsp);
	if (e || rsp.result != SD_RES_SUCCESS) {
		char rb[32];
		fprintf(stderr, "sheepfs: vdi %s (%06" PRIx32 "): lock release failed: %s\n", v->name, vid,
			e ? strerror(-e) : sd_result_format(rsp.result, rb, sizeof(rb)));
	}
}
