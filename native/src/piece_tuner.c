/* Piece size of large volume requests: see piece_tuner.h. */
#include "piece_tuner.h"

#include <stdio.h>

#define WHOLE (SFS_TUNE_PIECES - 1) /* the piece index of whole objects */
/* The class requests start in: 256 KiB pieces, unbounded. Measured by hand, 1 MiB psync first
 * writes to a new VDI: sheep 1.0.1 (3 nodes, 2 copies) at 347-360 MiB/s in 256 KiB pieces, 223-233
 * in 128 KiB ones, 91-94 whole; the embedded sheep at 725-762 in 256 KiB pieces, 500-645 whole (its
 * other 1 MiB loads at 0.64x to 1.07x whole's speed: tries find whole requests where they win).
 * Started whole, a real sheep's first writes ran at a third of their speed for the 2 s the tries
 * took to get here. */
#define START 2
#define MARGIN 0.10 /* a trial must be this much faster than the epochs around it */
#define REBASE 2.0  /* the kept class got this many times cheaper than when chosen: try again */
/* A trial whose requests cost this many times the epoch before it ends at once, lost: its first
 * EPOCH_MIN requests are evidence enough. Measured out, a trial of whole objects at fio depth 16
 * on sheep 1.0.1 (a third of the speed of 256 KiB pieces) lasted two epochs of 8 request times
 * each: 2.5 s at a third of the speed, every few seconds on a fresh mount. */
#define ABORT 2.0

static const unsigned cap_of[SFS_TUNE_CAPS] = { 0, 8, 2 };

static uint32_t class_bytes(int c)
{
	int piece = c % SFS_TUNE_PIECES;
	return piece == WHOLE ? 0 : SFS_TUNE_SMALLEST << piece;
}

static unsigned class_cap(int c)
{
	return cap_of[c / SFS_TUNE_PIECES];
}

void sfs_tuner_init(struct sfs_tuner *t, int fixed)
{
	t->active = fixed < 0;
	t->fixed = fixed > 0 ? (uint32_t)fixed : 0;
	for (int d = 0; d < 2; d++) {
		struct sfs_tune_dir *s = &t->dir[d];
		s->name = d ? "writes" : "reads";
		for (int c = 0; c < SFS_TUNE_CLASSES; c++) {
			atomic_init(&s->ns[c], 0);
			atomic_init(&s->bytes[c], 0);
			atomic_init(&s->n[c], 0);
		}
		atomic_init(&s->issue, START);
		atomic_init(&s->kept, START);
		pthread_mutex_init(&s->mu, NULL);
		s->cur = s->tried = START;
		s->phase = SFS_TUNE_RUN;
		atomic_init(&s->start_ns, 0);
		s->snap_ns = s->snap_bytes = s->snap_n = 0;
		s->before = s->trial = s->chosen = 0;
		s->interval = 1;
		s->waited = 0;
		s->next = 0;
		s->confirming = false;
		s->settling = false;
		atomic_init(&s->tries, 0);
		atomic_init(&s->switches, 0);
	}
}

void sfs_tuner_destroy(struct sfs_tuner *t)
{
	for (int d = 0; d < 2; d++)
		pthread_mutex_destroy(&t->dir[d].mu);
}

uint32_t sfs_tuner_piece(struct sfs_tuner *t, bool write, uint32_t len, int *cls, unsigned *cap)
{
	*cls = -1;
	*cap = 0;
	if (!t->active)
		return t->fixed;
	int c = atomic_load_explicit(&t->dir[write].issue, memory_order_relaxed);
	if (len >= SFS_TUNE_MIN_LEN) {
		*cls = c;
		*cap = class_cap(c);
	}
	return class_bytes(c);
}

/* The n-th class to try from cur, or -1 past the last: the classes one step away first, then two,
 * and so on; at each distance the other piece sizes with the same bound, smaller before larger,
 * then the other bounds with the same piece, tighter before looser. Further sizes get tried too: a
 * cluster's sizes need not have one best (a sheep 1.0 served 1 MiB and 512 KiB reads alike and
 * 256 KiB ones 3x as fast); and a bound above what is in flight changes nothing, the next may. Both
 * kinds of step come early: trying every size before any bound, the tuner had not reached a
 * simulated crowded cluster's best (whole objects, two in flight per connection: the unit test)
 * after a simulated minute of doubling intervals. */
static int try_order(int cur, int n)
{
	int p0 = cur % SFS_TUNE_PIECES, c0 = cur / SFS_TUNE_PIECES, k = 0;
	for (int d = 1; d < SFS_TUNE_PIECES || d < SFS_TUNE_CAPS; d++) {
		for (int sp = -1; sp <= 1; sp += 2)
			if (p0 + sp * d >= 0 && p0 + sp * d < SFS_TUNE_PIECES && k++ == n)
				return p0 + sp * d + SFS_TUNE_PIECES * c0;
		for (int sc = 1; sc >= -1; sc -= 2)
			if (c0 + sc * d >= 0 && c0 + sc * d < SFS_TUNE_CAPS && k++ == n)
				return p0 + SFS_TUNE_PIECES * (c0 + sc * d);
	}
	return -1;
}

/* Starts measuring class c from now. */
static void epoch_start(struct sfs_tune_dir *s, int c, uint64_t now)
{
	atomic_store_explicit(&s->start_ns, now, memory_order_relaxed);
	s->snap_ns = atomic_load(&s->ns[c]);
	s->snap_bytes = atomic_load(&s->bytes[c]);
	s->snap_n = atomic_load(&s->n[c]);
}

/* ns per byte of class c since epoch_start, or < 0 while the epoch is not over. */
static double epoch_cost(struct sfs_tune_dir *s, int c, uint64_t now)
{
	uint64_t n = atomic_load(&s->n[c]) - s->snap_n;
	uint64_t took = now - atomic_load_explicit(&s->start_ns, memory_order_relaxed);
	if (took < SFS_TUNE_EPOCH_NS || n < SFS_TUNE_EPOCH_MIN)
		return -1;
	uint64_t ns = atomic_load(&s->ns[c]) - s->snap_ns, bytes = atomic_load(&s->bytes[c]) - s->snap_bytes;
	if (took / SFS_TUNE_EPOCH_SPANS < ns / n)
		return -1;
	return bytes ? (double)ns / (double)bytes : -1;
}

/* "256 KiB pieces, at most 2 in flight per connection" */
static void describe(int c, char *buf, size_t len)
{
	int n = class_bytes(c) ? snprintf(buf, len, "%u KiB pieces", class_bytes(c) >> 10)
			       : snprintf(buf, len, "whole objects");
	if (class_cap(c) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", at most %u in flight per connection", class_cap(c));
}

static void log_switch(struct sfs_tune_dir *s, int to, double to_cost, int from, double from_cost)
{
	char a[80], b[80];
	describe(to, a, sizeof(a));
	describe(from, b, sizeof(b));
	/* ns per byte times 2^20 / 10^6: ms per MiB */
	fprintf(stderr, "sheepfs: volume %s now go in %s (%.2f ms per MiB, against %.2f in %s)\n",
		s->name, a, to_cost * 1.048576, from_cost * 1.048576, b);
}

/* Sends the next epoch's requests in s->tried. */
static void start_trial(struct sfs_tune_dir *s, uint64_t now)
{
	s->phase = SFS_TUNE_TRY;
	s->settling = true;
	atomic_fetch_add(&s->tries, 1);
	atomic_store(&s->issue, s->tried);
	epoch_start(s, s->tried, now);
}

/* A try failed: the next one waits twice as long and tries the next class. */
static void trial_lost(struct sfs_tune_dir *s)
{
	s->confirming = false;
	if (s->interval < SFS_TUNE_MAX_INTERVAL)
		s->interval *= 2;
	s->next = try_order(s->cur, s->next + 1) < 0 ? 0 : s->next + 1;
	s->phase = SFS_TUNE_RUN;
	s->waited = 0;
}

/* The trial's requests so far (at least EPOCH_MIN of them, settling or not) cost more than ABORT
 * times the epoch before it. The epoch's length is not waited for: a slow class makes its own
 * epochs long (8 of its request times). */
static bool clearly_losing(struct sfs_tune_dir *s)
{
	uint64_t n = atomic_load(&s->n[s->tried]) - s->snap_n;
	if (n < SFS_TUNE_EPOCH_MIN || s->before <= 0)
		return false;
	uint64_t ns = atomic_load(&s->ns[s->tried]) - s->snap_ns;
	uint64_t bytes = atomic_load(&s->bytes[s->tried]) - s->snap_bytes;
	return bytes && (double)ns / (double)bytes > s->before * ABORT;
}

static void decide(struct sfs_tune_dir *s, uint64_t now)
{
	int measured = s->phase == SFS_TUNE_TRY ? s->tried : s->cur;
	if (s->phase == SFS_TUNE_TRY && clearly_losing(s)) {
		trial_lost(s);
		s->settling = true; /* back to cur: the next epoch is not measured */
		atomic_store(&s->issue, s->cur);
		epoch_start(s, s->cur, now);
		return;
	}
	double cost = epoch_cost(s, measured, now);
	if (cost < 0)
		return;
	if (s->settling) { /* the epoch after a change is not measured (see the header) */
		s->settling = false;
		epoch_start(s, measured, now);
		return;
	}
	switch (s->phase) {
	case SFS_TUNE_RUN:
		s->before = cost;
		if (s->chosen > 0 && cost < s->chosen / REBASE) {
			/* much cheaper than when cur was chosen (first writes turned into rewrites): what
			 * won then may not now, so look around again, from the nearest, now */
			s->interval = 1;
			s->next = 0;
			s->waited = 0;
			s->chosen = cost;
		} else if (s->chosen == 0) {
			s->chosen = cost;
		}
		if (++s->waited < s->interval) {
			epoch_start(s, s->cur, now);
			return;
		}
		s->tried = try_order(s->cur, s->next);
		if (s->tried < 0) { /* only one class: nothing to try */
			s->next = 0;
			epoch_start(s, s->cur, now);
			return;
		}
		start_trial(s, now);
		return;
	case SFS_TUNE_TRY:
		s->trial = cost;
		s->phase = SFS_TUNE_AFTER;
		s->settling = true;
		atomic_store(&s->issue, s->cur);
		epoch_start(s, s->cur, now);
		return;
	case SFS_TUNE_AFTER: {
		/* against both neighbours: a load that grows or shrinks meanwhile favours neither */
		bool won = s->trial < (s->before + cost) / 2 * (1 - MARGIN);
		if (won && !s->confirming) {
			/* won once: try it again at once, the epoch just measured being the one before.
			 * A load that steps down during one trial (fio going from depth 16 to depth 1,
			 * first writes turning into rewrites) rarely does so twice in a row. */
			s->confirming = true;
			s->before = cost;
			start_trial(s, now);
			return;
		}
		if (won) {
			s->confirming = false;
			log_switch(s, s->tried, s->trial, s->cur, (s->before + cost) / 2);
			s->cur = s->tried;
			s->interval = 1;
			s->next = 0;
			atomic_fetch_add(&s->switches, 1);
			atomic_store(&s->issue, s->cur);
			atomic_store(&s->kept, s->cur);
			s->before = s->chosen = s->trial;
			s->phase = SFS_TUNE_RUN;
			s->waited = 0;
		} else {
			trial_lost(s);
			s->before = cost;
		}
		epoch_start(s, s->cur, now);
		return;
	}
	}
}

void sfs_tuner_done(struct sfs_tuner *t, bool write, int cls, uint32_t len, uint64_t ns, uint64_t now_ns)
{
	if (cls < 0 || cls >= SFS_TUNE_CLASSES || !t->active)
		return;
	struct sfs_tune_dir *s = &t->dir[write];
	atomic_fetch_add_explicit(&s->ns[cls], ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes[cls], len, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->n[cls], 1, memory_order_release);
	uint64_t start = atomic_load_explicit(&s->start_ns, memory_order_relaxed);
	if (now_ns - start < SFS_TUNE_EPOCH_NS || pthread_mutex_trylock(&s->mu) != 0)
		return;
	if (atomic_load_explicit(&s->start_ns, memory_order_relaxed) == 0)
		epoch_start(s, s->cur, now_ns); /* the first measured request starts the first epoch */
	else
		decide(s, now_ns);
	pthread_mutex_unlock(&s->mu);
}

uint32_t sfs_tuner_current(struct sfs_tuner *t, bool write)
{
	if (!t->active)
		return t->fixed;
	return class_bytes(atomic_load(&t->dir[write].kept));
}

unsigned sfs_tuner_current_cap(struct sfs_tuner *t, bool write)
{
	return t->active ? class_cap(atomic_load(&t->dir[write].kept)) : 0;
}

uint64_t sfs_tuner_tries(struct sfs_tuner *t)
{
	return atomic_load(&t->dir[0].tries) + atomic_load(&t->dir[1].tries);
}

uint64_t sfs_tuner_switches(struct sfs_tuner *t)
{
	return atomic_load(&t->dir[0].switches) + atomic_load(&t->dir[1].switches);
}
