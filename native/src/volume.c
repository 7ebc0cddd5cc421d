/* Volume I/O engine: see volume.h. Request life cycle per piece ("segment"), after QEMU's
 * sheepdog driver: start -> (wait for an allocation | wait for a reload) -> send -> complete ->
 * (index update | reload and restart). No lock is held while a request is on the wire.
 * This part splits requests into segments, sends reads and writes, and completes them; the
 * other parts: see volume_internal.h. */
#define _GNU_SOURCE
#include "volume_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void io_done(struct sfs_io *io);

/* ---------------------------------------------------------------- helpers */

void vol_log(struct sfs_vol *v, const struct sfs_seg *s, const char *what, uint32_t result, int err)
{
	char rb[32];
	uint64_t off = s ? ((uint64_t)s->idx << v->shift) + s->obj_off : 0;
	/* one line per failure: VDI, offset, and sheep's result (or the local error) */
	fprintf(stderr, "sheepfs: vdi %s (%06" PRIx32 ") offset %" PRIu64 ": %s failed: %s (result %#" PRIx32 ")\n",
		v->name, atomic_load(&v->vid), off, what,
		err ? strerror(err) : sd_result_format(result, rb, sizeof(rb)), result);
	atomic_fetch_add(&v->st->errors, 1);
}

void vol_io_prepare(struct sfs_io *io, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		       void *rbuf, uint32_t rlen)
{
	sd_req_encode(req, io->hdr);
	io->wbuf = wbuf;
	io->wlen = wlen;
	io->rbuf = rbuf;
	io->rlen = rlen;
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

void seg_done(struct sfs_seg *s, int err)
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
void seg_submit_on(struct sfs_seg *s, struct sfs_io *io, void (*done)(struct sfs_io *),
			  const struct sd_req *req, const void *wbuf, uint32_t wlen, void *rbuf, uint32_t rlen)
{
	vol_io_prepare(io, req, wbuf, wlen, rbuf, rlen);
	io->done = done;
	io->arg = s;
	io->lane = s->r->lane;
	io->cap = s->r->cap;
	sfs_pool_submit(s->r->vol->pool, io);
}

void seg_submit(struct sfs_seg *s, const struct sd_req *req, const void *wbuf, uint32_t wlen,
		       void *rbuf, uint32_t rlen)
{
	seg_submit_on(s, &s->io, io_done, req, wbuf, wlen, rbuf, rlen);
}

static void seg_read_start(struct sfs_seg *s)
{
	struct sfs_vol *v = s->r->vol;
	uint32_t e = vol_index_get(v, s->idx);
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

void send_write(struct sfs_seg *s, uint32_t vid)
{
	struct sfs_vol *v = s->r->vol;
	struct sd_req req;
	s->vid = vid;
	s->state = S_WRITE;
	s->sent_after = atomic_load_explicit(&v->recreations, memory_order_acquire);
	sd_req_write_obj(&req, sd_data_oid(vid, s->idx), s->obj_off, s->len, v->copies);
	seg_submit(s, &req, s->buf, s->len, NULL, 0);
}

static void io_done(struct sfs_io *io)
{
	struct sfs_seg *s = seg_of(io);
	struct sfs_vol *v = s->r->vol;
	uint32_t res = io->result;
	if (io->err) {
		vol_log(v, s, s->state == S_READ ? "read" : "write", 0, io->err);
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
			vol_log(v, s, "read", res, 0);
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
			vol_log(v, s, "write", res, 0);
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
			vol_log(v, s, "create", res, 0);
			int e = sd_result_errno(res);
			seg_done(s, e == ENOENT || e == 0 ? EIO : e);
		}
		return;
	case S_INDEX:
		if (res != SD_RES_SUCCESS) {
			vol_log(v, s, "index update", res, 0);
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
			vol_log(v, s, "index update", res, 0);
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

uint64_t sfs_vol_write_gen(struct sfs_vol *v, bool *active)
{
	uint64_t g = atomic_load(&v->wgen);
	*active = atomic_load(&v->writes_active) > 0;
	return g;
}

bool sfs_vol_allocated(struct sfs_vol *v, uint64_t off)
{
	return off < v->size && vol_index_get(v, (uint32_t)(off >> v->shift)) != 0;
}

uint32_t sfs_vol_object_size(const struct sfs_vol *v)
{
	return UINT32_C(1) << v->shift;
}

struct sfs_stats *sfs_vol_stats(struct sfs_vol *v)
{
	return v->st;
}
