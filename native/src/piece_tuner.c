/* Piece size of large volume requests: see piece_tuner.h. */
#include "piece_tuner.h"

#include <stdio.h>

#define WHOLE (SFS_TUNE_CLASSES - 1)
#define MARGIN 0.10 /* a trial must be this much faster than the epochs around it */

static uint32_t class_bytes(int c)
{
	return c >= WHOLE ? 0 : SFS_TUNE_SMALLEST << c;
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
		/* start whole: one round trip per object, the cheapest for the client */
		atomic_init(&s->issue, WHOLE);
		atomic_init(&s->kept, WHOLE);
		pthread_mutex_init(&s->mu, NULL);
		s->cur = s->tried = WHOLE;
		s->phase = SFS_TUNE_RUN;
		atomic_init(&s->start_ns, 0);
		s->snap_ns = s->snap_bytes = s->snap_n = 0;
		s->before = s->trial = 0;
		s->interval = 1;
		s->waited = 0;
		s->next = 0;
		s->confirming = false;
		atomic_init(&s->tries, 0);
		atomic_init(&s->switches, 0);
	}
}

void sfs_tuner_destroy(struct sfs_tuner *t)
{
	for (int d = 0; d < 2; d++)
		pthread_mutex_destroy(&t->dir[d].mu);
}

uint32_t sfs_tuner_piece(struct sfs_tuner *t, bool write, uint32_t len, int *cls)
{
	*cls = -1;
	if (!t->active)
		return t->fixed;
	int c = atomic_load_explicit(&t->dir[write].issue, memory_order_relaxed);
	if (len >= SFS_TUNE_MIN_LEN)
		*cls = c;
	return class_bytes(c);
}

/* The n-th class to try from cur: nearest first, smaller before larger. */
static int try_order(int cur, int n)
{
	int k = 0;
	for (int dist = 1; dist < SFS_TUNE_CLASSES; dist++) {
		for (int sign = -1; sign <= 1; sign += 2) {
			int c = cur + sign * dist;
			if (c < 0 || c >= SFS_TUNE_CLASSES)
				continue;
			if (k++ == n)
				return c;
		}
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
	if (now - atomic_load_explicit(&s->start_ns, memory_order_relaxed) < SFS_TUNE_EPOCH_NS ||
	    n < SFS_TUNE_EPOCH_MIN)
		return -1;
	uint64_t bytes = atomic_load(&s->bytes[c]) - s->snap_bytes;
	return bytes ? (double)(atomic_load(&s->ns[c]) - s->snap_ns) / (double)bytes : -1;
}

static void log_switch(struct sfs_tune_dir *s, int to, double to_cost, int from, double from_cost)
{
	char a[32], b[32];
	if (to == WHOLE)
		snprintf(a, sizeof(a), "whole objects");
	else
		snprintf(a, sizeof(a), "%u KiB pieces", class_bytes(to) >> 10);
	if (from == WHOLE)
		snprintf(b, sizeof(b), "whole");
	else
		snprintf(b, sizeof(b), "in %u KiB", class_bytes(from) >> 10);
	/* ns per byte times 2^20 / 10^6: ms per MiB */
	fprintf(stderr, "sheepfs: volume %s now go in %s (%.2f ms per MiB, against %.2f %s)\n",
		s->name, a, to_cost * 1.048576, from_cost * 1.048576, b);
}

/* Sends the next epoch's requests in s->tried. */
static void start_trial(struct sfs_tune_dir *s, uint64_t now)
{
	s->phase = SFS_TUNE_TRY;
	atomic_fetch_add(&s->tries, 1);
	atomic_store(&s->issue, s->tried);
	epoch_start(s, s->tried, now);
}

static void decide(struct sfs_tune_dir *s, uint64_t now)
{
	int measured = s->phase == SFS_TUNE_TRY ? s->tried : s->cur;
	double cost = epoch_cost(s, measured, now);
	if (cost < 0)
		return;
	switch (s->phase) {
	case SFS_TUNE_RUN:
		s->before = cost;
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
		s->confirming = false;
		if (won) {
			log_switch(s, s->tried, s->trial, s->cur, (s->before + cost) / 2);
			s->cur = s->tried;
			s->interval = 1;
			s->next = 0;
			atomic_fetch_add(&s->switches, 1);
			atomic_store(&s->issue, s->cur);
			atomic_store(&s->kept, s->cur);
			s->before = s->trial;
		} else {
			if (s->interval < SFS_TUNE_MAX_INTERVAL)
				s->interval *= 2;
			s->next = try_order(s->cur, s->next + 1) < 0 ? 0 : s->next + 1;
			s->before = cost;
		}
		s->phase = SFS_TUNE_RUN;
		s->waited = 0;
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

uint64_t sfs_tuner_tries(struct sfs_tuner *t)
{
	return atomic_load(&t->dir[0].tries) + atomic_load(&t->dir[1].tries);
}

uint64_t sfs_tuner_switches(struct sfs_tuner *t)
{
	return atomic_load(&t->dir[0].switches) + atomic_load(&t->dir[1].switches);
}
