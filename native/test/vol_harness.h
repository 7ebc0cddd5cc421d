/* The volume engine's test harness: a fake sheep, a real socket pool to it, and synchronous and
 * asynchronous volume requests. Checks are fatal (test_require.h): a failed one exits. */
#ifndef SHEEPFS_VOL_HARNESS_H
#define SHEEPFS_VOL_HARNESS_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_sheep.h"
#include "piece_tuner.h"
#include "pool.h"
#include "volume.h"

#include "test_require.h"

#define MiB (UINT64_C(1) << 20)
#define TiB (UINT64_C(1) << 40)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);                             \
		if (a_ != b_) {                                                                 \
			fprintf(stderr, "%s:%d: %s = %lld, expected %s = %lld\n", __FILE__, __LINE__, \
				#a, a_, #b, b_);                                                \
			exit(1);                                                                \
		}                                                                               \
	} while (0)

struct env {
	struct fake_sheep *fs;
	struct sfs_pool *pool;
	struct sfs_stats st;
	struct sfs_tuner tuner;
	bool tuned;
	struct sfs_vol_cfg cfg;
};

/* conns connections; piece > 0: requests split into pieces of that many bytes, else whole objects. */
void env_start(struct env *e, unsigned conns, int piece);
/* Waits for reload threads (they use the pool), then stops the pool and the fake sheep. */
void env_stop(struct env *e);
/* sfs_vol_open of name (vid 0) or of vid; fatal unless it succeeds. */
struct sfs_vol *vol_open(struct env *e, const char *name, uint32_t vid);

/* One volume request in flight. */
struct op {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
	uint32_t len; /* after clamping */
};
/* Starts a write of data (copied) / a read into buf (which must stay valid until done). */
void op_write(struct sfs_vol *v, struct op *o, uint64_t off, const void *data, size_t len);
void op_read(struct sfs_vol *v, struct op *o, uint64_t off, void *buf, size_t len);
/* True once done (within ms); then o->err holds the result. */
bool op_wait(struct op *o, unsigned ms);
/* Waits up to 10 s (fatal if not done), releases o, returns its error. */
int op_end(struct op *o);
int vwrite(struct sfs_vol *v, uint64_t off, const void *data, size_t len);
int vread(struct sfs_vol *v, uint64_t off, void *buf, size_t len);

/* Deterministic bytes for seed; a buffer of them (free it). */
void fill(uint8_t *buf, size_t len, unsigned seed);
uint8_t *pattern(size_t len, unsigned seed);
bool all_zero(const uint8_t *buf, size_t len);
/* Reads [off, off+len) through v and compares with want. */
void expect_read(struct sfs_vol *v, uint64_t off, const uint8_t *want, size_t len);
void expect_zeros(struct sfs_vol *v, uint64_t off, size_t len);
/* Polls (1 ms) until *counter >= n or 10 s pass; fatal then. */
void await_count(atomic_ullong *counter, unsigned long long n);
void sleep_ms(unsigned ms);

/* Matches for rules and counts. */
static inline struct fs_match m_op(uint8_t opcode, enum fs_kind kind)
{
	return (struct fs_match){ .opcode = opcode, .kind = kind };
}
static inline struct fs_match m_oid(uint8_t opcode, uint64_t oid)
{
	return (struct fs_match){ .opcode = opcode, .oid = oid };
}

/* The test cases (one ctest test each). */
void t_holes_flat(void);
void t_holes_hyper(void);
void t_write_readback_flat(void);
void t_write_readback_hyper(void);
void t_pieces_one_create(void);
void t_index_write_held_flat(void);
void t_index_write_held_hyper(void);
void t_failed_index_write_flat(void);
void t_failed_index_write_hyper(void);
void t_beside_failed_index_flat(void);
void t_beside_failed_index_hyper(void);
void t_beside_failed_index_anew_flat(void);
void t_beside_failed_index_anew_hyper(void);
void t_failed_reload_hyper(void);
void t_readonly_cow_flat(void);
void t_readonly_cow_hyper(void);
void t_concurrent_first_writes_flat(void);
void t_concurrent_first_writes_hyper(void);
void t_adopt_and_deleted(void);
void t_request_errors(void);
void t_discard(void);
void t_discard_after_snapshot(void);
void t_seek_flat(void);
void t_seek_hyper(void);
void t_lock(void);
void t_open_errors(void);

#endif
