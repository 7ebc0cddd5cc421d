/* The socket pool tests' client side: waiting for submitted requests, reads whose answers are
 * checked against the loopback peer's data, a pool to one peer. Checks are fatal (test_require.h). */
#ifndef SHEEPFS_POOL_HARNESS_H
#define SHEEPFS_POOL_HARNESS_H
#include <pthread.h>
#include <stdint.h>

#include "loop_peer.h"
#include "pool.h"

#include "test_require.h"

/* Counts requests left to complete; on_done (an sfs_io's done, with the waiter as its arg)
 * counts one down. */
struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int left;
};

void on_done(struct sfs_io *io);
/* Waits until every request counted in w is done. */
void wait_all(struct waiter *w);
/* Makes io a read of len bytes at the start of object oid, into buf. */
void read_request(struct sfs_io *io, uint64_t oid, uint8_t *buf, uint32_t len);
/* Submits n reads of different objects at once, every (lane)-th in lane 1 and the others in
 * lane 2 (0: all in lane 0), then checks each got its own data (or EIO, if expect_err). */
void run_reads_in(struct sfs_pool *pool, int n, int expect_err, int lane, uint16_t cap);
void run_reads(struct sfs_pool *pool, int n, int expect_err);
/* A pool of conns connections to 127.0.0.1:port. */
struct sfs_pool *pool_for(int port, unsigned conns);
uint64_t now_ms(void);

/* The cases in test_pool_source.c: a source the I/O threads serve beside their sockets. */
void test_source(void);
void test_source_always_ready(void);

#endif
