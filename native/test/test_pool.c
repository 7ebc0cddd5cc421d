/* Socket pool tests against a small sheep-like peer on loopback: out-of-order answers matched by
 * id, corked batches, resending after a dropped connection (to the same gateway, or to the next
 * one when the first refuses), a malformed answer, an unreachable gateway, request timeouts, a
 * source the I/O threads serve beside their sockets (test_pool_source.c). The peer: loop_peer.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_harness.h"
#include "sd_proto.h"

static void test_parse(void)
{
	struct sfs_gateway g[4];
	CHECK(sfs_parse_gateways("127.0.0.1:7000", g, 4) == 1);
	CHECK(strcmp(g[0].host, "127.0.0.1") == 0 && strcmp(g[0].port, "7000") == 0);
	CHECK(sfs_parse_gateways("a:1,[::1]:7001,host.example:65535", g, 4) == 3);
	CHECK(strcmp(g[1].host, "::1") == 0 && strcmp(g[1].port, "7001") == 0);
	CHECK(sfs_parse_gateways("", g, 4) < 0);
	CHECK(sfs_parse_gateways("nocolon", g, 4) < 0);
	CHECK(sfs_parse_gateways("h:0", g, 4) < 0);
	CHECK(sfs_parse_gateways("h:65536", g, 4) < 0);
	CHECK(sfs_parse_gateways("h:12x", g, 4) < 0);
	CHECK(sfs_parse_gateways("h:1,", g, 4) < 0);
	CHECK(sfs_parse_gateways("a:1,b:2,c:3,d:4,e:5", g, 4) < 0);
	CHECK(sfs_parse_gateways("[::1:7000", g, 4) < 0);
}

static void test_out_of_order(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 8);
	struct sfs_pool *pool = pool_for(p.port, 1); /* one connection: all 400 pipelined on it */
	run_reads(pool, 400, 0);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.requests == 400 && st.failed == 0 && st.inflight == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* A lane keeps at most its cap in flight on a connection, the others wait their turn; lanes are
 * bounded apart; lane 0 and a cap of 0 are not bounded. (The peer answers 8 at once, or what it
 * has after 50 ms without a request.) */
static void test_lanes(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 8);
	struct sfs_pool *pool = pool_for(p.port, 1);
	run_reads_in(pool, 30, 0, 1, 3); /* all in lane 1 */
	CHECK(atomic_load(&p.max_unanswered) == 3);
	atomic_store(&p.max_unanswered, 0);
	run_reads_in(pool, 30, 0, 2, 2); /* half in lane 1, half in lane 2 */
	CHECK(atomic_load(&p.max_unanswered) == 4);
	atomic_store(&p.max_unanswered, 0);
	run_reads_in(pool, 30, 0, 1, 0);
	CHECK(atomic_load(&p.max_unanswered) == 8);
	atomic_store(&p.max_unanswered, 0);
	run_reads_in(pool, 30, 0, 0, 3);
	CHECK(atomic_load(&p.max_unanswered) == 8);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.requests == 120 && st.failed == 0 && st.inflight == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* Serial requests reuse the idle connection (one warm socket and I/O thread); a burst spreads. */
static void test_connection_choice(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	struct sfs_pool *pool = pool_for(p.port, 4);
	for (int i = 0; i < 50; i++) {
		uint8_t buf[64];
		struct sfs_io io;
		read_request(&io, sd_data_oid(0x77, (uint32_t)i), buf, sizeof(buf));
		CHECK(sfs_pool_call(pool, &io) == 0 && io.result == SD_RES_SUCCESS);
		CHECK(buf[5] == peer_pattern(sd_data_oid(0x77, (uint32_t)i), 0, 5));
	}
	CHECK(atomic_load(&p.conns) == 1); /* round robin would have opened all four */
	run_reads(pool, 400, 0);
	CHECK(atomic_load(&p.conns) >= 2);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.requests == 450 && st.failed == 0 && st.inflight == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* Submits one read (or a write of wlen bytes when wlen > 0) of object i without waiting. */
static void submit_one(struct sfs_pool *pool, struct sfs_io *io, uint8_t *buf, uint32_t len, int i,
		       uint32_t wlen, struct waiter *w)
{
	struct sd_req req;
	memset(io, 0, sizeof(*io));
	if (wlen > 0) {
		sd_req_write_obj(&req, sd_data_oid(0x55, (uint32_t)i), 0, wlen, 1);
		io->wbuf = buf;
		io->wlen = wlen;
	} else {
		sd_req_read_obj(&req, sd_data_oid(0x55, (uint32_t)i), 0, len);
		io->rbuf = buf;
		io->rlen = len;
	}
	sd_req_encode(&req, io->hdr);
	io->done = on_done;
	io->arg = w;
	sfs_pool_submit(pool, io);
}

/* A corked thread's requests stay queued until it uncorks, then leave in one send; a call that
 * waits uncorks first; 64 KiB gathered go out on their own. */
static void test_cork(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	struct sfs_pool *pool = pool_for(p.port, 1);
	uint8_t probe[64];
	struct sfs_io pio;
	struct sd_req req;
	memset(&pio, 0, sizeof(pio));
	sd_req_read_obj(&req, sd_data_oid(0x55, 99), 0, sizeof(probe));
	sd_req_encode(&req, pio.hdr);
	pio.rbuf = probe;
	pio.rlen = sizeof(probe);
	CHECK(sfs_pool_call(pool, &pio) == 0); /* connected */
	struct sfs_pool_stats st0, st1;
	struct sfs_io ios[8];
	static uint8_t bufs[8][20 << 10];
	struct waiter w = { .left = 8 };
	struct sfs_cork cork;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);

	sfs_pool_stats(pool, &st0);
	int before = atomic_load(&p.received);
	sfs_pool_cork(pool, &cork);
	for (int i = 0; i < 8; i++)
		submit_one(pool, &ios[i], bufs[i], 512, i, 0, &w);
	usleep(100 * 1000);
	CHECK(atomic_load(&p.received) == before); /* nothing sent while corked */
	pthread_mutex_lock(&w.mu);
	CHECK(w.left == 8);
	pthread_mutex_unlock(&w.mu);
	sfs_pool_uncork(pool);
	wait_all(&w);
	sfs_pool_stats(pool, &st1);
	CHECK(st1.sends - st0.sends == 1); /* eight requests, one sendmsg */
	for (int i = 0; i < 8; i++) {
		CHECK(ios[i].err == 0 && ios[i].rsp_len == 512);
		CHECK(bufs[i][100] == peer_pattern(sd_data_oid(0x55, (uint32_t)i), 0, 100));
	}

	/* a waiting call while corked: sends what was gathered, then itself (no deadlock) */
	w.left = 3;
	sfs_pool_cork(pool, &cork);
	for (int i = 0; i < 3; i++)
		submit_one(pool, &ios[i], bufs[i], 512, i, 0, &w);
	CHECK(sfs_pool_call(pool, &pio) == 0 && pio.result == SD_RES_SUCCESS);
	wait_all(&w);
	for (int i = 0; i < 3; i++)
		CHECK(ios[i].err == 0);

	/* corked writes: once 64 KiB are gathered they are sent without an uncork */
	w.left = 4;
	before = atomic_load(&p.received);
	sfs_pool_cork(pool, &cork);
	for (int i = 0; i < 4; i++)
		submit_one(pool, &ios[i], bufs[i], 0, i, 20 << 10, &w);
	wait_all(&w); /* 4 x 20 KiB > 64 KiB: answered while still corked */
	CHECK(atomic_load(&p.received) - before == 4);
	sfs_pool_uncork(pool);
	sfs_pool_uncork(pool); /* uncorking twice is harmless */

	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

static void test_resend_after_drop(void)
{
	struct peer p;
	peer_start(&p, DROP_FIRST_CONNECTION, 1);
	struct sfs_pool *pool = pool_for(p.port, 1);
	run_reads_in(pool, 40, 0, 2, 2); /* in lanes: resent requests keep their places */
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.reconnects >= 1 && st.resent >= 1 && st.failed == 0);
	run_reads_in(pool, 40, 0, 2, 2); /* and the lanes still count right after the reconnect */
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* The gateway drops the connection with requests in flight and refuses a new one: they are sent
 * again to the next gateway and complete there, and later requests go there at once. */
static void test_resend_to_next_gateway(void)
{
	struct peer first, next;
	peer_start(&first, DROP_AND_REFUSE, 1);
	peer_start(&next, ANSWER_REVERSED, 4);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d,127.0.0.1:%d", first.port, next.port);
	struct sfs_pool_cfg cfg = { .connections = 1, .connect_timeout_ms = 1000, .max_attempts = 3 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	run_reads(pool, 40, 0);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	/* how many were sent before the drop depends on timing: at least the unanswered one was resent */
	CHECK(st.reconnects == 1 && st.resent >= 1 && st.failed == 0);
	/* the first gateway got 5 and answered at most 4: the rest reached the next one */
	CHECK(atomic_load(&first.received) == 5 && atomic_load(&first.conns) == 1);
	CHECK(atomic_load(&next.received) >= 36);
	int before = atomic_load(&next.received);
	run_reads(pool, 10, 0);
	CHECK(atomic_load(&next.received) == before + 10 && atomic_load(&next.conns) == 1);
	sfs_pool_destroy(pool);
	peer_stop(&first);
	peer_stop(&next);
}

static void test_malformed_answer(void)
{
	struct peer p;
	peer_start(&p, BAD_ID_FIRST, 1);
	struct sfs_pool *pool = pool_for(p.port, 1);
	run_reads(pool, 10, 0);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.malformed >= 1 && st.failed == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

static void test_unreachable(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	int port = p.port;
	peer_stop(&p); /* nobody listens there now */
	struct sfs_pool *pool = pool_for(port, 2);
	run_reads(pool, 5, 1);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.connect_failures >= 1 && st.failed == 5);
	sfs_pool_destroy(pool);
}

static void test_failover(void)
{
	struct peer dead, live;
	peer_start(&dead, ANSWER_REVERSED, 1);
	int dport = dead.port;
	peer_stop(&dead);
	peer_start(&live, ANSWER_REVERSED, 4);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d,127.0.0.1:%d", dport, live.port);
	struct sfs_pool_cfg cfg = { .connections = 2 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	run_reads(pool, 64, 0);
	sfs_pool_destroy(pool);
	peer_stop(&live);
}

struct late_start {
	struct peer *p;
	int port;
};

static void *start_late(void *arg)
{
	struct late_start *ls = arg;
	usleep(300 * 1000);
	peer_start_on(ls->p, ANSWER_REVERSED, 1, ls->port);
	return NULL;
}

/* The gateway comes up while requests wait: they are sent once it answers, none fails. */
static void test_retry_until_up(void)
{
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	int port = p.port;
	peer_stop(&p);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", port);
	struct sfs_pool_cfg cfg = { .connections = 1, .connect_retries = 6, .retry_base_ms = 50 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	struct late_start ls = { &p, port };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, start_late, &ls) == 0);
	run_reads(pool, 20, 0);
	pthread_join(t, NULL);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.failed == 0 && st.connect_failures >= 1);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* A gateway that stops answering: after the timeout the requests go out again on a new
 * connection and complete. */
static void test_request_timeout(void)
{
	struct peer p;
	peer_start(&p, SILENT_FIRST, 1);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", p.port);
	struct sfs_pool_cfg cfg = { .connections = 1, .request_timeout_ms = 300 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	run_reads(pool, 10, 0);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	CHECK(st.timeouts >= 1 && st.resent >= 10 && st.failed == 0);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

/* A gateway that never answers: every timeout resets the connection and costs each request an
 * attempt; with the attempts used up they fail with EIO instead of waiting forever. */
static void test_request_timeout_gives_up(void)
{
	struct peer p;
	peer_start(&p, SILENT, 1);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", p.port);
	struct sfs_pool_cfg cfg = { .connections = 1, .request_timeout_ms = 200, .max_attempts = 2 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	run_reads(pool, 5, 1);
	struct sfs_pool_stats st;
	sfs_pool_stats(pool, &st);
	/* sent twice (the second time on a new connection), timed out twice, then failed */
	CHECK(st.timeouts == 2 && st.reconnects == 2 && st.resent == 5 && st.failed == 5);
	CHECK(atomic_load(&p.conns) == 2 && atomic_load(&p.received) == 10);
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

static void *shutdown_later(void *arg)
{
	usleep(200 * 1000);
	sfs_pool_shutdown(arg);
	return NULL;
}

/* Shutdown fails what is pending (ESHUTDOWN) and everything submitted afterwards, at once. */
static void test_shutdown(void)
{
	struct peer p;
	peer_start(&p, SILENT, 1);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", p.port);
	struct sfs_pool_cfg cfg = { .connections = 2 };
	struct sfs_pool *pool = sfs_pool_create(&cfg, gw);
	CHECK(pool != NULL);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, shutdown_later, pool) == 0);
	struct sfs_io io;
	uint8_t buf[64];
	read_request(&io, sd_data_oid(1, 1), buf, sizeof(buf));
	CHECK(sfs_pool_call(pool, &io) == ESHUTDOWN); /* was waiting on a silent gateway */
	pthread_join(t, NULL);
	CHECK(sfs_pool_call(pool, &io) == ESHUTDOWN); /* after: refused without waiting */
	sfs_pool_destroy(pool);
	peer_stop(&p);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* no write to a connection the other side dropped may kill the test */
	fprintf(stderr, "-- test_parse\n");
	test_parse();
	fprintf(stderr, "-- test_out_of_order\n");
	test_out_of_order();
	fprintf(stderr, "-- test_lanes\n");
	test_lanes();
	fprintf(stderr, "-- test_connection_choice\n");
	test_connection_choice();
	fprintf(stderr, "-- test_cork\n");
	test_cork();
	fprintf(stderr, "-- test_resend_after_drop\n");
	test_resend_after_drop();
	fprintf(stderr, "-- test_resend_to_next_gateway\n");
	test_resend_to_next_gateway();
	fprintf(stderr, "-- test_malformed_answer\n");
	test_malformed_answer();
	fprintf(stderr, "-- test_unreachable\n");
	test_unreachable();
	fprintf(stderr, "-- test_failover\n");
	test_failover();
	fprintf(stderr, "-- test_retry_until_up\n");
	test_retry_until_up();
	fprintf(stderr, "-- test_request_timeout\n");
	test_request_timeout();
	fprintf(stderr, "-- test_request_timeout_gives_up\n");
	test_request_timeout_gives_up();
	fprintf(stderr, "-- test_source_always_ready\n");
	test_source_always_ready();
	fprintf(stderr, "-- test_shutdown\n");
	test_shutdown();
	fprintf(stderr, "-- test_source\n");
	test_source();
	printf("pool tests passed\n");
	return 0;
}
