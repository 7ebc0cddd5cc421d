/* Readahead for direct-I/O volume handles: see readahead.h. */
#include "readahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define RA_ENTRIES 8
#define RA_TRIGGER 2                 /* sequential reads in a row before reading ahead */
#define RA_MIN_CHUNK (256u << 10)    /* small sequential reads are fetched in chunks this big */
#define RA_MAX_CHUNK (1u << 20)      /* a chunk fits one pooled buffer */
#define RA_WINDOW (4u << 20)         /* bytes read ahead of the stream */

enum { E_FREE, E_INFLIGHT, E_READY };

struct ra_wait {
	struct ra_wait *next;
	struct sfs_ra *ra;
	uint64_t off;
	uint32_t len;
	void *buf; /* where a plain read lands (the caller's), or NULL */
	sfs_ra_reply_fn reply;
	void *arg;
};

struct ra_ent {
	struct sfs_ra *ra;
	uint8_t state;
	bool failed;
	bool orphan;        /* not wanted any more: freed when it arrives */
	uint64_t off;
	uint32_t len;
	uint64_t gen;       /* the volume's write generation it was read under */
	struct sfs_vreq *vr; /* E_READY: vr->buf holds the data */
	unsigned users;     /* replies being sent from vr->buf */
	struct ra_wait *waiters;
};

struct sfs_ra {
	pthread_mutex_t mu;
	int refs;           /* the handle, and every chunk in flight */
	bool closed;
	struct sfs_vol *vol;
	struct sfs_ra_budget *budget;
	uint64_t next_off;  /* where the last read ended */
	unsigned seq;       /* sequential reads in a row */
	uint32_t chunk;
	uint64_t ahead;     /* read ahead up to here */
	atomic_ullong asked; /* bytes of the caller's reads not answered yet (no lock: per reply) */
	bool deep;          /* this sequential run had a window's worth of other reads in flight */
	struct ra_ent e[RA_ENTRIES];
};

struct sfs_ra *sfs_ra_create(struct sfs_vol *v, struct sfs_ra_budget *budget)
{
	struct sfs_ra *ra = calloc(1, sizeof(*ra));
	if (ra == NULL)
		return NULL;
	pthread_mutex_init(&ra->mu, NULL);
	ra->refs = 1;
	atomic_init(&ra->asked, 0);
	ra->vol = v;
	ra->budget = budget;
	for (int i = 0; i < RA_ENTRIES; i++)
		ra->e[i].ra = ra;
	sfs_vol_get(v);
	return ra;
}

static void ra_free(struct sfs_ra *ra)
{
	sfs_vol_put(ra->vol);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}

/* With ra->mu held: drops an entry's data. Returns the vreq to free once unlocked. */
static struct sfs_vreq *ent_clear(struct ra_ent *e)
{
	struct sfs_vreq *vr = e->vr;
	atomic_fetch_sub(&e->ra->budget->used, (long long)e->len);
	e->vr = NULL;
	e->state = E_FREE;
	e->failed = e->orphan = false;
	e->users = 0;
	return vr;
}

/* With ra->mu held: drops what can be dropped (ready, unused) and orphans what is in flight. */
static void drop_where(struct sfs_ra *ra, bool (*pred)(const struct ra_ent *, uint64_t), uint64_t x,
		       struct sfs_vreq **dead, int *ndead)
{
	for (int i = 0; i < RA_ENTRIES; i++) {
		struct ra_ent *e = &ra->e[i];
		if (e->state == E_FREE || !pred(e, x))
			continue;
		if (e->state == E_READY && e->users == 0)
			dead[(*ndead)++] = ent_clear(e);
		else if (e->state == E_INFLIGHT && e->waiters == NULL)
			e->orphan = true;
	}
}

static bool any(const struct ra_ent *e, uint64_t x)
{
	(void)e;
	(void)x;
	return true;
}

static bool behind(const struct ra_ent *e, uint64_t pos)
{
	return e->off + e->len <= pos;
}

static bool stale(const struct ra_ent *e, uint64_t gen)
{
	return e->gen != gen || e->failed;
}

static void free_dead(struct sfs_vreq **dead, int n)
{
	for (int i = 0; i < n; i++)
		if (dead[i])
			sfs_vreq_free(dead[i]);
}

/* Before a read is answered (the answer may let the handle close): it no longer counts as asked. */
static void answered(struct sfs_ra *ra, uint32_t len)
{
	atomic_fetch_sub_explicit(&ra->asked, len, memory_order_relaxed);
}

/* A reference on ra for work that may outlive its handle: a read answered EINTR (interrupted)
 * goes on in the background, and the kernel may release the handle meanwhile. */
void sfs_ra_get(struct sfs_ra *ra)
{
	pthread_mutex_lock(&ra->mu);
	ra->refs++;
	pthread_mutex_unlock(&ra->mu);
}

void sfs_ra_put(struct sfs_ra *ra)
{
	pthread_mutex_lock(&ra->mu);
	bool last = --ra->refs == 0;
	pthread_mutex_unlock(&ra->mu);
	if (last)
		ra_free(ra);
}

static void plain_done(struct sfs_vreq *r, int err)
{
	struct ra_wait *w = r->arg;
	struct sfs_ra *ra = w->ra;
	answered(ra, w->len);
	w->reply(w->arg, r->buf, r->len, err);
	sfs_vreq_free(r);
	free(w);
	sfs_ra_put(ra);
}

/* A read the normal way: w is freed when it completes (not if this fails). */
static int plain_read(struct sfs_vol *v, struct ra_wait *w)
{
	struct sfs_ra *ra = w->ra;
	sfs_ra_get(ra);
	int e = w->buf ? sfs_vol_io_in(v, false, w->off, w->len, w->buf, plain_done, w)
		       : sfs_vol_io(v, false, w->off, w->len, NULL, NULL, plain_done, w);
	if (e)
		sfs_ra_put(ra);
	return e;
}

static void chunk_done(struct sfs_vreq *r, int err)
{
	struct ra_ent *e = r->arg;
	struct sfs_ra *ra = e->ra;
	struct sfs_vreq *dead = NULL;
	pthread_mutex_lock(&ra->mu);
	struct ra_wait *ws = e->waiters;
	e->waiters = NULL;
	e->vr = r;
	e->state = E_READY;
	e->failed = err != 0 || r->len != e->len;
	bool failed = e->failed;
	if (!failed)
		e->users++; /* the waiters are answered from it below */
	else if (e->orphan || ra->closed)
		dead = ent_clear(e);
	pthread_mutex_unlock(&ra->mu);
	/* waiters attached while the generation matched: a read that overlapped a write may see
	 * either, as with any device */
	while (ws) {
		struct ra_wait *w = ws;
		ws = w->next;
		if (failed) {
			w->next = NULL;
			if (plain_read(ra->vol, w) != 0) { /* memory is out: answer it */
				answered(ra, w->len);
				w->reply(w->arg, NULL, 0, ENOMEM);
				free(w);
			}
			continue;
		}
		atomic_fetch_add(&sfs_vol_stats(ra->vol)->ra_hits, 1);
		answered(ra, w->len);
		w->reply(w->arg, r->buf + (w->off - e->off), w->len, 0);
		free(w);
	}
	pthread_mutex_lock(&ra->mu);
	if (!failed && --e->users == 0 && (e->orphan || ra->closed))
		dead = ent_clear(e);
	bool last = --ra->refs == 0; /* only now: the handle may close meanwhile, ra lives on for us */
	pthread_mutex_unlock(&ra->mu);
	if (dead)
		sfs_vreq_free(dead);
	if (last)
		ra_free(ra);
}

struct pending {
	struct ra_ent *e;
	uint64_t off;
	uint32_t len;
};

/* With ra->mu held: claims entries for the chunks ahead of the stream; the caller sends them
 * once unlocked (a hole completes at once, inside sfs_vol_io). */
static int plan_ahead(struct sfs_ra *ra, uint64_t gen, struct pending *out)
{
	int n = 0;
	uint64_t size = sfs_vol_size(ra->vol);
	if (ra->ahead < ra->next_off)
		ra->ahead = ra->next_off;
	while (ra->ahead < ra->next_off + RA_WINDOW && ra->ahead < size) {
		if (atomic_load(&ra->budget->used) + (long long)ra->chunk > ra->budget->max)
			break;
		struct ra_ent *e = NULL;
		for (int i = 0; i < RA_ENTRIES && e == NULL; i++)
			if (ra->e[i].state == E_FREE)
				e = &ra->e[i];
		if (e == NULL)
			break;
		/* holes read as zeros without a round trip: nothing to gain reading them ahead, and
		 * a sparse copy that seeks past them must not pull them in */
		if (!sfs_vol_allocated(ra->vol, ra->ahead))
			break;
		uint64_t osz = sfs_vol_object_size(ra->vol);
		uint64_t obj_end = (ra->ahead / osz + 1) * osz;
		uint32_t len = ra->chunk;
		if (len > size - ra->ahead)
			len = (uint32_t)(size - ra->ahead);
		if (ra->ahead + len > obj_end && !sfs_vol_allocated(ra->vol, obj_end))
			len = (uint32_t)(obj_end - ra->ahead); /* stop at the hole */
		e->state = E_INFLIGHT;
		e->off = ra->ahead;
		e->len = len;
		e->gen = gen;
		atomic_fetch_add(&ra->budget->used, (long long)len);
		ra->refs++;
		out[n++] = (struct pending){ e, e->off, len };
		ra->ahead += len;
	}
	return n;
}

static void send_ahead(struct sfs_ra *ra, struct pending *p, int n)
{
	for (int i = 0; i < n; i++) {
		atomic_fetch_add(&sfs_vol_stats(ra->vol)->ra_bytes, p[i].len);
		if (sfs_vol_io(ra->vol, false, p[i].off, p[i].len, NULL, NULL, chunk_done, p[i].e) != 0) {
			pthread_mutex_lock(&ra->mu); /* no memory: give the entry back */
			struct sfs_vreq *vr = ent_clear(p[i].e);
			ra->refs--; /* the handle still holds one */
			pthread_mutex_unlock(&ra->mu);
			sfs_vreq_free(vr);
		}
	}
}

static int ra_read(struct sfs_ra *ra, uint64_t off, uint32_t len, void *buf, sfs_ra_reply_fn reply, void *arg);

int sfs_ra_read(struct sfs_ra *ra, uint64_t off, uint32_t len, void *buf, sfs_ra_reply_fn reply, void *arg)
{
	sfs_ra_get(ra); /* the read may be answered (and its handle released) before this returns */
	int e = ra_read(ra, off, len, buf, reply, arg);
	sfs_ra_put(ra);
	return e;
}

static int ra_read(struct sfs_ra *ra, uint64_t off, uint32_t len, void *buf, sfs_ra_reply_fn reply, void *arg)
{
	struct ra_wait *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ENOMEM;
	uint64_t size = sfs_vol_size(ra->vol);
	if (off >= size)
		len = 0;
	else if (len > size - off)
		len = (uint32_t)(size - off);
	*w = (struct ra_wait){ .ra = ra, .off = off, .len = len, .buf = buf, .reply = reply, .arg = arg };
	bool active;
	uint64_t gen = sfs_vol_write_gen(ra->vol, &active);
	struct sfs_vreq *dead[RA_ENTRIES];
	int ndead = 0, nsend = 0;
	struct pending send[RA_ENTRIES];
	struct ra_ent *hit = NULL;

	pthread_mutex_lock(&ra->mu);
	bool sequential = off == ra->next_off && len > 0;
	ra->seq = sequential ? ra->seq + 1 : 0;
	ra->next_off = off + len;
	/* A caller that keeps a window's worth of reads in flight besides this one (a deep queue:
	 * fio, QEMU) has them pipelined already: reading ahead would only add a copy out of the
	 * chunks. It stays so for the run: its reads answered from chunks would look shallow. */
	uint64_t others = atomic_fetch_add_explicit(&ra->asked, len, memory_order_relaxed);
	ra->deep = (sequential && ra->deep) || others >= RA_WINDOW;
	drop_where(ra, stale, gen, dead, &ndead);
	if (!sequential) {
		drop_where(ra, any, 0, dead, &ndead); /* a jump: what was ahead is not wanted */
		ra->ahead = 0;
	} else {
		drop_where(ra, behind, off, dead, &ndead);
	}
	for (int i = 0; i < RA_ENTRIES && hit == NULL && len > 0; i++) {
		struct ra_ent *e = &ra->e[i];
		if (e->state != E_FREE && !e->orphan && !e->failed && e->gen == gen && off >= e->off &&
		    off + len <= e->off + e->len)
			hit = e;
	}
	if (hit && hit->state == E_INFLIGHT) {
		w->next = hit->waiters; /* answered when it arrives */
		hit->waiters = w;
		w = NULL;
	} else if (hit) {
		hit->users++;
	}
	if (ra->seq >= RA_TRIGGER && !active && !ra->deep) {
		uint32_t c = len < RA_MIN_CHUNK ? RA_MIN_CHUNK : len;
		ra->chunk = c > RA_MAX_CHUNK ? RA_MAX_CHUNK : c;
		nsend = plan_ahead(ra, gen, send);
	}
	pthread_mutex_unlock(&ra->mu);

	free_dead(dead, ndead);
	if (hit && w) { /* ready: answer from it */
		atomic_fetch_add(&sfs_vol_stats(ra->vol)->ra_hits, 1);
		answered(ra, len);
		reply(arg, hit->vr->buf + (off - hit->off), len, 0);
		free(w);
		w = NULL;
		struct sfs_vreq *vr = NULL;
		pthread_mutex_lock(&ra->mu);
		if (--hit->users == 0 && (hit->orphan || ra->closed || off + len == hit->off + hit->len))
			vr = ent_clear(hit); /* used up */
		pthread_mutex_unlock(&ra->mu);
		if (vr)
			sfs_vreq_free(vr);
	}
	int e = w ? plain_read(ra->vol, w) : 0; /* a miss */
	if (e) {
		answered(ra, len); /* not started: the caller answers it */
		free(w);
	}
	send_ahead(ra, send, nsend);
	return e;
}

void sfs_ra_close(struct sfs_ra *ra)
{
	struct sfs_vreq *dead[RA_ENTRIES];
	int ndead = 0;
	pthread_mutex_lock(&ra->mu);
	ra->closed = true;
	drop_where(ra, any, 0, dead, &ndead);
	bool last = --ra->refs == 0;
	pthread_mutex_unlock(&ra->mu);
	free_dead(dead, ndead);
	if (last)
		ra_free(ra);
}
