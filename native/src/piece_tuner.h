/* Piece size of large volume requests, and how many of them go at once, chosen per cluster from
 * what it shows.
 *
 * Why: pieces sent at once let sheep work in parallel, but each costs a round trip, and the best
 * size and the best number in flight per connection differ from cluster to cluster. So the tuner
 * measures, per direction and per class (a piece size and a bound on pieces in flight per
 * connection), the time requests took per byte. Now and then it tries another class, the nearest
 * first; a class that wins twice in a row is kept, and failed tries get rarer. When the kept class
 * gets much cheaper (a filled VDI now being rewritten), tries start over. The epoch after each
 * change is not measured: a cluster takes a while to follow. Rules and the measurements behind
 * them: docs/DESIGN.md, "Piece size and pieces in flight".
 *
 * Only requests of at least SFS_TUNE_MIN_LEN are measured and bounded (smaller ones use the
 * current size, unmeasured and unbounded). All counters are atomics; the decision at the end of
 * an epoch runs under a try-lock on one completing thread. Time is passed in (nanoseconds):
 * tests drive it.
 */
#ifndef SHEEPFS_PIECE_TUNER_H
#define SHEEPFS_PIECE_TUNER_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SFS_TUNE_PIECES 5              /* 64 KiB, 128 KiB, 256 KiB, 512 KiB, whole (no split) */
#define SFS_TUNE_CAPS 3                /* in flight per connection: unbounded, 8, 2 */
#define SFS_TUNE_CLASSES (SFS_TUNE_PIECES * SFS_TUNE_CAPS) /* class = piece + PIECES * cap */
#define SFS_TUNE_SMALLEST (64u << 10)
#define SFS_TUNE_MIN_LEN (512u << 10)  /* requests this big are measured */
#define SFS_TUNE_EPOCH_NS 100000000ull /* an epoch: at least this long, */
#define SFS_TUNE_EPOCH_MIN 16          /* this many measured requests, */
#define SFS_TUNE_EPOCH_SPANS 8         /* and this many times the time one took (a deep queue: the
					* requests a change finds in flight weigh little) */
#define SFS_TUNE_MAX_INTERVAL 32       /* epochs between tries, at most */

enum sfs_tune_phase { SFS_TUNE_RUN, SFS_TUNE_TRY, SFS_TUNE_AFTER };

struct sfs_tune_dir {
	const char *name; /* for the log: reads, writes */
	atomic_ullong ns[SFS_TUNE_CLASSES], bytes[SFS_TUNE_CLASSES], n[SFS_TUNE_CLASSES];
	atomic_int issue; /* the class new requests use (a trial's, during one) */
	atomic_int kept;  /* the class kept: cur, readable without mu */
	pthread_mutex_t mu;
	/* under mu: */
	int cur, tried;               /* the kept class; the class on trial */
	enum sfs_tune_phase phase;
	atomic_ullong start_ns;       /* of the epoch (read without mu: a hint) */
	uint64_t snap_ns, snap_bytes, snap_n; /* the measured class's counters at its start */
	double before, trial;         /* ns per byte: last epoch with cur, the trial */
	double chosen;                /* ns per byte of cur when it was chosen, or rebased (0: none yet) */
	int interval, waited, next;   /* epochs between tries, epochs since the last, which to try */
	bool confirming;              /* the trial under way is the second of a class that won once */
	bool settling;                /* the epoch under way follows a change: not measured */
	atomic_ullong tries, switches;
};

struct sfs_tuner {
	uint32_t fixed; /* unused when auto: see sfs_tuner_init */
	bool active;
	struct sfs_tune_dir dir[2]; /* [0] reads, [1] writes */
};

/* fixed < 0: tune; 0: whole objects always; > 0: pieces of at most fixed bytes always. */
void sfs_tuner_init(struct sfs_tuner *t, int fixed);
void sfs_tuner_destroy(struct sfs_tuner *t);

/* The largest piece for a request of len bytes (0 = no split below the object size); in *cls
 * the class to report its time under (-1: not measured) and in *cap the most pieces of such
 * requests one connection should have in flight (0: no bound). */
uint32_t sfs_tuner_piece(struct sfs_tuner *t, bool write, uint32_t len, int *cls, unsigned *cap);

/* A measured request is done: len bytes in ns nanoseconds; now_ns is the clock now. */
void sfs_tuner_done(struct sfs_tuner *t, bool write, int cls, uint32_t len, uint64_t ns, uint64_t now_ns);

/* The piece size kept (0 = whole; a trial's size is not reported), the bound kept (0 = none),
 * and the counts of tries and of switches. */
uint32_t sfs_tuner_current(struct sfs_tuner *t, bool write);
unsigned sfs_tuner_current_cap(struct sfs_tuner *t, bool write);
uint64_t sfs_tuner_tries(struct sfs_tuner *t);
uint64_t sfs_tuner_switches(struct sfs_tuner *t);

#endif
