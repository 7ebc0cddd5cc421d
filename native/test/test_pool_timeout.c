/* Socket pool time-outs against a gateway that goes silent with its connection open (a frozen
 * sheep: the kernel still accepts and acknowledges, nobody answers). The request deadline must
 * fire although the silent socket never wakes the I/O thread; what is unanswered is resent on a
 * new connection, and fails with EIO at the io timeout; the pool works again once the gateway
 * answers again. The peer: loop_peer.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pool_harness.h"
#include "sd_proto.h"

/* One read of object i through sfs_pool_call; returns its error, its time in *ms. */
static int timed_read(struct sfs_pool *pool, uint32_t i, uint64_t *ms)
{
	uint8_t buf[64];
	struct sfs_io io;
	read_request(&io, sd_data_oid(0x51, i), buf, sizeof(buf));
	uint64_t t0 = now_ms();
	int e = sfs_pool_call(pool, &io);
	*ms = now_ms() - t0;
	if (e == 0) {
		CHECK(io.result == SD_RES_SUCCESS);
		CHECK(buf[7] == peer_pattern(sd_data_oid(0x51, i), 0, 7));
	}
	return e;
}

/* The connection is up and its I/O thread idle when the gateway goes silent: the submitter sends
 * by itself and nothing wakes the thread, yet the deadline fires (the old pool waited for ever:
 * the thread's wait had no time limit while it had nothing in flight). Attempts bound it here. */
static void test_idle_then_silent(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", p.port);
	struct sfs_pool_cfg cfg = { .connections = 1, .request_timeout_ms = 300, .max_attempts = 2 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	uint64_t ms;
	CHECK(timed_read(pool, 1, &ms) == 0);
	usleep(200 * 1000); /* the I/O thread goes back to waiting with nothing in flight */
	atomic_store(&p.hush, 1);
	CHECK(timed_read(pool, 2, &ms) == EIO);
	fprintf(stderr, "failed after %llu ms\n", (unsigned long long)ms);
	CHECK(ms >= 550 && ms < 5000);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.timeouts == 2 && st.failed == 1);
	CHECK(atomic_load(&p.received) == 3); /* the first read, the second twice */
	atomic_store(&p.hush, 0);
	CHECK(timed_read(pool, 3, &ms) == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* With an io timeout, time bounds a request: it is resent after each request timeout (with
 * backoff between the reconnections) and fails with EIO at the io timeout, not before; once the
 * gateway answers again the pool serves at once. */
static void test_io_timeout(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", p.port);
	struct sfs_pool_cfg cfg = { .connections = 2, .request_timeout_ms = 400, .io_timeout_ms = 2000,
				    .max_attempts = 2, .retry_base_ms = 50 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	uint64_t ms;
	CHECK(timed_read(pool, 1, &ms) == 0);
	usleep(200 * 1000);
	atomic_store(&p.hush, 1);
	int before = atomic_load(&p.received);
	CHECK(timed_read(pool, 2, &ms) == EIO);
	fprintf(stderr, "failed after %llu ms\n", (unsigned long long)ms);
	CHECK(ms >= 1900 && ms < 3500); /* the io timeout, not max_attempts request timeouts */
	CHECK(atomic_load(&p.received) - before >= 3); /* resent on new connections meanwhile */
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.timeouts >= 2 && st.failed == 1);
	/* many at once, on both connections: all fail at the io timeout */
	uint64_t t0 = now_ms();
	run_reads(pool, 20, 1);
	ms = now_ms() - t0;
	CHECK(ms >= 1900 && ms < 4000);
	atomic_store(&p.hush, 0);
	before = atomic_load(&p.received);
	int e = timed_read(pool, 3, &ms);
	fprintf(stderr, "back: %d after %llu ms, %d conns, %d received\n", e, (unsigned long long)ms, atomic_load(&p.conns), atomic_load(&p.received) - before);
	CHECK(e == 0 && ms < 2500); /* at most a backoff: the gateway is back */
	run_reads(pool, 50, 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* A gateway that is down (refuses): with an io timeout the requests wait for it, connecting again
 * with backoff, and fail at the io timeout, not after connect_retries rounds. */
static void test_io_timeout_waits_for_gateway(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	int port = p.port;
	peer_stop(&p); /* nobody listens on port now */
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", port);
	struct sfs_pool_cfg cfg = { .connections = 1, .request_timeout_ms = 1000, .io_timeout_ms = 3000,
				    .retry_base_ms = 50 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	uint64_t ms;
	CHECK(timed_read(pool, 1, &ms) == EIO);
	CHECK(ms >= 2900 && ms < 5000);
	sfs_pool_destroy(pool);
}

/* Two connections on a gateway that goes silent, a second gateway that answers: both connections
 * time out on the first at about the same time, and the reads go to the second, in about one
 * request timeout and without failing. (When each timed-out connection moved the pool's current
 * gateway on by one, the second move brought it back to the silent one: a frozen sheep still
 * accepts connections, so the reads went there again and failed at the io timeout.) */
/* Reads of n objects of 512 KiB at once: more than a connection takes before the next one is used,
 * so they spread over every connection. Returns how many failed. */
static int big_reads(struct sfs_pool *pool, int n)
{
	enum { LEN = 512 << 10 };
	struct sfs_io ios[8];
	static uint8_t bufs[8][LEN];
	struct waiter w = { .left = n };
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	for (int i = 0; i < n; i++) {
		read_request(&ios[i], sd_data_oid(0x52, (uint32_t)i), bufs[i], LEN);
		ios[i].done = on_done;
		ios[i].arg = &w;
		sfs_pool_submit(pool, &ios[i]);
	}
	wait_all(&w);
	int failed = 0;
	for (int i = 0; i < n; i++)
		failed += ios[i].err != 0 || ios[i].result != SD_RES_SUCCESS;
	return failed;
}

static void test_silent_gateway_is_left_for_the_next(void)
{
	struct peer silent, next;
	peer_start(&silent, ANSWER_REVERSED, 1);
	peer_start(&next, ANSWER_REVERSED, 1);
	char gw[96];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d,127.0.0.1:%d", silent.port, next.port);
	struct sfs_pool_cfg cfg = { .connections = 2, .request_timeout_ms = 400, .io_timeout_ms = 4000,
				    .max_attempts = 2, .retry_base_ms = 50 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	CHECK(big_reads(pool, 8) == 0); /* both connections up, on the first gateway */
	CHECK(atomic_load(&next.received) == 0 && atomic_load(&silent.conns) == 2);
	atomic_store(&silent.hush, 1);
	uint64_t t0 = now_ms();
	CHECK(big_reads(pool, 8) == 0); /* on both connections at once; none fails */
	uint64_t ms = now_ms() - t0;
	fprintf(stderr, "served by the next gateway after %llu ms\n", (unsigned long long)ms);
	CHECK(ms < 2000 && atomic_load(&next.received) >= 8);
	CHECK(atomic_load(&silent.conns) == 2); /* neither connection went back to the silent one */
	sfs_pool_destroy(pool);
	peer_stop(&silent);
	peer_stop(&next);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(50); /* a deadline that never fires must fail the test, not hang it */
	fprintf(stderr, "-- test_idle_then_silent\n");
	test_idle_then_silent();
	fprintf(stderr, "-- test_io_timeout\n");
	test_io_timeout();
	fprintf(stderr, "-- test_io_timeout_waits_for_gateway\n");
	test_io_timeout_waits_for_gateway();
	fprintf(stderr, "-- test_silent_gateway_is_left_for_the_next\n");
	test_silent_gateway_is_left_for_the_next();
	printf("pool timeout tests passed\n");
	return 0;
}
