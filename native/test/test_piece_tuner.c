/* The piece tuner against simulated clusters: it settles on the size the cluster serves fastest
 * (small pieces for a cluster that works on pieces in parallel, whole requests for one that
 * pays per request), follows a cluster that changes, and spends little time on trials once
 * settled. Time is simulated; the cost models are what real clusters showed (see the header). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "piece_tuner.h"

#include "test_require.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

/* A cluster's time for one request of len bytes split into pieces of at most piece bytes
 * (0: whole): pieces are served by `workers` in parallel, each costing `per_piece` ns plus
 * `per_byte` ns per byte. */
struct model {
	unsigned workers;
	double per_piece, per_byte;
};

static uint64_t request_ns(const struct model *m, uint32_t len, uint32_t piece)
{
	uint32_t p = piece == 0 || piece > len ? len : piece;
	unsigned pieces = (len + p - 1) / p;
	unsigned rounds = (pieces + m->workers - 1) / m->workers;
	return (uint64_t)(rounds * (m->per_piece + m->per_byte * p));
}

/* Sheep 1.0 with 2 copies on 3 nodes: a 1 MiB request took ~12 ms whole, ~1.6 ms in 128 KiB pieces. */
static const struct model parallel_sheep = { 8, 100e3, 11.0 };
/* A server that pays for every request and works on one request's pieces one after another. */
static const struct model per_request = { 1, 200e3, 0.5 };

static uint32_t noise_state = 12345;
static double noise(void) /* 0.9 .. 1.1, deterministic */
{
	noise_state = noise_state * 1103515245u + 12345u;
	return 0.9 + 0.2 * (double)((noise_state >> 8) & 0xffff) / 65535.0;
}

/* One client with one 1 MiB request at a time for secs simulated seconds from *now; returns the
 * share of requests sent with a piece size other than want (0 = whole). */
static double run(struct sfs_tuner *t, bool write, const struct model *m, double secs, uint64_t *now,
		  uint32_t want)
{
	uint64_t end = *now + (uint64_t)(secs * 1e9);
	unsigned total = 0, other = 0;
	while (*now < end) {
		int cls;
		uint32_t piece = sfs_tuner_piece(t, write, MiB, &cls);
		CHECK(cls >= 0);
		uint64_t ns = (uint64_t)((double)request_ns(m, MiB, piece) * noise());
		*now += ns;
		sfs_tuner_done(t, write, cls, MiB, ns, *now);
		total++;
		other += piece != want;
	}
	return (double)other / total;
}

static void test_settles_on_small_pieces_where_the_cluster_is_parallel(void)
{
	struct sfs_tuner t;
	sfs_tuner_init(&t, -1);
	uint64_t now = 1000000000ull;
	CHECK(sfs_tuner_current(&t, true) == 0); /* starts whole */
	run(&t, true, &parallel_sheep, 10, &now, 128 * KiB);
	CHECK(sfs_tuner_current(&t, true) == 128 * KiB);
	double off = run(&t, true, &parallel_sheep, 60, &now, 128 * KiB);
	printf("parallel cluster: %.1f%% of requests on trial once settled, %llu tries\n", off * 100,
	       (unsigned long long)sfs_tuner_tries(&t));
	CHECK(off < 0.05);
	CHECK(sfs_tuner_current(&t, true) == 128 * KiB);
	CHECK(sfs_tuner_current(&t, false) == 0); /* reads are tuned on their own: none seen yet */
	sfs_tuner_destroy(&t);
}

static void test_keeps_whole_requests_where_pieces_cost(void)
{
	struct sfs_tuner t;
	sfs_tuner_init(&t, -1);
	uint64_t now = 1000000000ull;
	double off = run(&t, false, &per_request, 60, &now, 0);
	printf("per-request cluster: %.1f%% of requests on trial\n", off * 100);
	CHECK(sfs_tuner_current(&t, false) == 0);
	CHECK(sfs_tuner_switches(&t) == 0);
	CHECK(off < 0.05);
	sfs_tuner_destroy(&t);
}

static void test_follows_a_cluster_that_changes(void)
{
	struct sfs_tuner t;
	sfs_tuner_init(&t, -1);
	uint64_t now = 1000000000ull;
	run(&t, false, &parallel_sheep, 20, &now, 128 * KiB);
	CHECK(sfs_tuner_current(&t, false) == 128 * KiB);
	/* the longest wait between tries is 32 epochs; climbing back takes a few of them */
	run(&t, false, &per_request, 120, &now, 0);
	CHECK(sfs_tuner_current(&t, false) == 0);
	sfs_tuner_destroy(&t);
}

/* Sheep 1.0.1 on this 2-CPU host (3 nodes, 2 copies): 256 KiB pieces 1.3-1.5x faster than 128 KiB
 * or 512 KiB; and a load that steps, as between fio jobs of depth 16 and of depth 1 (requests
 * take 8x as long in a deep queue) every 1 to 4 s. */
static const struct model four_workers = { 4, 800e3, 8.0 };

static uint32_t step_state = 777;
static double step_load(uint64_t now)
{
	static uint64_t until;
	static double factor = 1.0;
	if (now >= until) {
		step_state = step_state * 1103515245u + 12345u;
		until = now + 1000000000ull + (uint64_t)((step_state >> 8) % 3000) * 1000000ull;
		factor = factor > 1.0 ? 1.0 : 8.0;
	}
	return factor;
}

static void test_steps_of_the_load_do_not_move_it(void)
{
	struct sfs_tuner t;
	sfs_tuner_init(&t, -1);
	uint64_t now = 1000000000ull, end = now + 20 * 1000000000ull;
	unsigned total = 0, other = 0;
	while (now < end + 300 * 1000000000ull) {
		int cls;
		uint32_t piece = sfs_tuner_piece(&t, true, MiB, &cls);
		uint64_t ns = (uint64_t)((double)request_ns(&four_workers, MiB, piece) * noise() * step_load(now));
		now += ns;
		sfs_tuner_done(&t, true, cls, MiB, ns, now);
		if (now > end) { /* after 20 s: settled */
			total++;
			other += piece != 256 * KiB;
		}
	}
	uint64_t sw = sfs_tuner_switches(&t);
	printf("stepping load: %.1f%% of requests off 256 KiB once settled, %llu switches, %llu tries\n",
	       100.0 * other / total, (unsigned long long)sw, (unsigned long long)sfs_tuner_tries(&t));
	CHECK(sfs_tuner_current(&t, true) == 256 * KiB);
	CHECK((double)other / total < 0.05);
	CHECK(sw == 2); /* whole -> 512K -> 256K, and no wrong move after */
	sfs_tuner_destroy(&t);
}

static void test_fixed_sizes_and_small_requests(void)
{
	struct sfs_tuner t;
	int cls;
	sfs_tuner_init(&t, 0);
	CHECK(sfs_tuner_piece(&t, true, MiB, &cls) == 0 && cls == -1);
	sfs_tuner_destroy(&t);
	sfs_tuner_init(&t, 256 * KiB);
	CHECK(sfs_tuner_piece(&t, false, MiB, &cls) == 256 * KiB && cls == -1);
	CHECK(sfs_tuner_current(&t, false) == 256 * KiB);
	sfs_tuner_destroy(&t);
	sfs_tuner_init(&t, -1);
	CHECK(sfs_tuner_piece(&t, false, 4096, &cls) == 0 && cls == -1); /* not measured */
	CHECK(sfs_tuner_piece(&t, false, SFS_TUNE_MIN_LEN, &cls) == 0 && cls >= 0);
	sfs_tuner_done(&t, false, 99, MiB, 1, 2000000000ull); /* a bad class is ignored */
	sfs_tuner_done(&t, false, -1, MiB, 1, 2000000000ull);
	sfs_tuner_destroy(&t);
}

/* Many threads report at once (ASan/UBSan watch): every count lands, decisions stay valid. */
struct worker {
	struct sfs_tuner *t;
	atomic_ullong *clock;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 200000; i++) {
		int cls;
		bool write = i & 1;
		uint32_t piece = sfs_tuner_piece(w->t, write, MiB, &cls);
		CHECK(cls >= 0 && cls < SFS_TUNE_CLASSES);
		CHECK(piece == 0 || (piece >= SFS_TUNE_SMALLEST && piece < MiB));
		uint64_t ns = request_ns(&parallel_sheep, MiB, piece);
		uint64_t now = atomic_fetch_add(w->clock, ns / 4) + ns / 4;
		sfs_tuner_done(w->t, write, cls, MiB, ns, now);
	}
	return NULL;
}

static void test_concurrent_reports(void)
{
	struct sfs_tuner t;
	sfs_tuner_init(&t, -1);
	atomic_ullong clock = 1000000000ull;
	struct worker w = { &t, &clock };
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, hammer, &w) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	unsigned long long n = 0;
	for (int d = 0; d < 2; d++)
		for (int c = 0; c < SFS_TUNE_CLASSES; c++)
			n += atomic_load(&t.dir[d].n[c]);
	CHECK(n == 800000);
	CHECK(sfs_tuner_current(&t, true) == 128 * KiB);
	sfs_tuner_destroy(&t);
}

int main(void)
{
	test_settles_on_small_pieces_where_the_cluster_is_parallel();
	test_steps_of_the_load_do_not_move_it();
	test_keeps_whole_requests_where_pieces_cost();
	test_follows_a_cluster_that_changes();
	test_fixed_sizes_and_small_requests();
	test_concurrent_reports();
	puts("piece_tuner: ok");
	return 0;
}
