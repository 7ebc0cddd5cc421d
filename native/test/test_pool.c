/* Socket pool tests against a small sheep-like peer on loopback: out-of-order answers matched by
 * id, corked batches, resending after a dropped connection (to the same gateway, or to the next
 * one when the first refuses), a malformed answer, an unreachable gateway, request timeouts, a
 * source the I/O threads serve beside their sockets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "sd_proto.h"

#include "test_require.h"

/* DROP_AND_REFUSE: as DROP_FIRST_CONNECTION, and the gateway stops listening before it drops. */
enum mode {
	ANSWER_REVERSED, DROP_FIRST_CONNECTION, DROP_AND_REFUSE, BAD_ID_FIRST, SILENT_FIRST, SILENT
};

struct peer {
	int lfd;
	int port;
	enum mode mode;
	int batch;          /* answer after this many requests, in reverse order */
	atomic_int conns;
	atomic_int received;  /* requests read so far, on every connection */
	atomic_int max_unanswered; /* most requests one connection had unanswered at once */
	atomic_int stop;
	pthread_t thr;
	pthread_t serving[16]; /* one thread per connection: a pool keeps several open at once */
};

struct serve_arg {
	struct peer *p;
	int fd, nconn;
};

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

/* The data a READ_OBJ of (oid, offset, len) gets back: a function of all three. */
static uint8_t pattern(uint64_t oid, uint32_t off, uint32_t i)
{
	return (uint8_t)(oid * 31 + off * 7 + i);
}

struct pending {
	struct sd_req req;
};

/* Answers the n collected requests in reverse order; -1 when the client went away. */
static int answer_batch(struct peer *p, int fd, int nconn, struct pending *q, int n)
{
	for (int k = n - 1; k >= 0; k--) {
		struct sd_rsp rsp;
		memset(&rsp, 0, sizeof(rsp));
		rsp.opcode = q[k].req.opcode;
		rsp.id = q[k].req.id;
		if (p->mode == BAD_ID_FIRST && nconn == 1)
			rsp.id ^= 0x5a5a0000u; /* an id nobody asked for */
		struct sd_obj_args oa;
		sd_req_get_obj(&q[k].req, &oa);
		uint32_t dl = q[k].req.opcode == SD_OP_READ_OBJ ? q[k].req.data_length : 0;
		rsp.data_length = dl;
		uint8_t out[SD_HEADER_SIZE];
		sd_rsp_encode(&rsp, out);
		uint8_t *data = malloc(dl + 1);
		for (uint32_t i = 0; i < dl; i++)
			data[i] = pattern(oa.oid, oa.offset, i);
		int r = write_full(fd, out, sizeof(out)) || write_full(fd, data, dl);
		free(data);
		if (r)
			return -1;
	}
	return 0;
}

/*
 * Collects up to p->batch requests and answers them in reverse order. A partial batch is
 * answered once the client has sent nothing for a moment: how the pool spreads requests over
 * its connections is its own business, so a connection may get any number of them.
 */
static void serve(struct peer *p, int fd, int nconn)
{
	struct pending *q = calloc((size_t)p->batch, sizeof(*q));
	int n = 0, total = 0;
	uint8_t h[SD_HEADER_SIZE];
	for (;;) {
		if (n > 0 && p->mode != SILENT && !(p->mode == SILENT_FIRST && nconn == 1)) {
			struct pollfd w = { .fd = fd, .events = POLLIN };
			if (poll(&w, 1, 50) == 0) {
				if (answer_batch(p, fd, nconn, q, n))
					break;
				n = 0;
			}
		}
		if (read_full(fd, h, sizeof(h)) != 0)
			break;
		sd_req_decode(h, sizeof(h), &q[n].req);
		if (q[n].req.flags & SD_FLAG_CMD_WRITE) {
			uint8_t *skip = malloc(q[n].req.data_length + 1);
			int r = read_full(fd, skip, q[n].req.data_length);
			free(skip);
			if (r)
				break;
		}
		atomic_fetch_add(&p->received, 1);
		n++;
		if (n > atomic_load(&p->max_unanswered))
			atomic_store(&p->max_unanswered, n);
		total++;
		if ((p->mode == DROP_FIRST_CONNECTION || p->mode == DROP_AND_REFUSE) && nconn == 1 &&
		    total == 5) {
			if (p->mode == DROP_AND_REFUSE) /* first: the pool's reconnect is refused */
				shutdown(p->lfd, SHUT_RDWR);
			break; /* vanish with requests in flight */
		}
		if (p->mode == SILENT || (p->mode == SILENT_FIRST && nconn == 1)) {
			n = 0; /* a hung gateway: reads requests, never answers */
			continue;
		}
		if (n < p->batch)
			continue;
		if (answer_batch(p, fd, nconn, q, n))
			break;
		n = 0;
	}
	free(q);
	close(fd);
}

static void *serve_main(void *arg)
{
	struct serve_arg *a = arg;
	serve(a->p, a->fd, a->nconn);
	free(a);
	return NULL;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	while (!atomic_load(&p->stop)) {
		int fd = accept(p->lfd, NULL, NULL);
		if (fd < 0)
			break;
		int nconn = atomic_fetch_add(&p->conns, 1) + 1;
		struct serve_arg *a = malloc(sizeof(*a));
		CHECK(a != NULL && nconn <= 16);
		*a = (struct serve_arg){ p, fd, nconn };
		CHECK(pthread_create(&p->serving[nconn - 1], NULL, serve_main, a) == 0);
	}
	return NULL;
}

static void peer_start_on(struct peer *p, enum mode m, int batch, int port)
{
	memset(p, 0, sizeof(*p));
	p->mode = m;
	p->batch = batch;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)port) };
	socklen_t al = sizeof(a);
	CHECK(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(p->lfd, 8) == 0);
	CHECK(getsockname(p->lfd, (struct sockaddr *)&a, &al) == 0);
	p->port = ntohs(a.sin_port);
	CHECK(pthread_create(&p->thr, NULL, peer_main, p) == 0);
}

static void peer_start(struct peer *p, enum mode m, int batch)
{
	peer_start_on(p, m, batch, 0);
}

static void peer_stop(struct peer *p)
{
	atomic_store(&p->stop, 1);
	shutdown(p->lfd, SHUT_RDWR);
	close(p->lfd);
	pthread_join(p->thr, NULL);
	/* the pool was destroyed first: its connections are closed and every server thread ends */
	for (int i = 0; i < atomic_load(&p->conns); i++)
		pthread_join(p->serving[i], NULL);
}

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int left;
};

static void on_done(struct sfs_io *io)
{
	struct waiter *w = io->arg;
	pthread_mutex_lock(&w->mu);
	w->left--;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Waits until every request counted in w is done. */
static void wait_all(struct waiter *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->left > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

/* Makes io a read of len bytes at the start of object oid, into buf. */
static void read_request(struct sfs_io *io, uint64_t oid, uint8_t *buf, uint32_t len)
{
	struct sd_req req;
	memset(io, 0, sizeof(*io));
	sd_req_read_obj(&req, oid, 0, len);
	sd_req_encode(&req, io->hdr);
	io->rbuf = buf;
	io->rlen = len;
}

/* Submits n reads of different objects at once, every (lane)-th in lane 1 and the others in
 * lane 2 (0: all in lane 0), then checks each got its own data. */
static void run_reads_in(struct sfs_pool *pool, int n, int expect_err, int lane, uint16_t cap)
{
	struct sfs_io *ios = calloc((size_t)n, sizeof(*ios));
	uint8_t **bufs = calloc((size_t)n, sizeof(*bufs));
	struct waiter w = { .left = n };
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	for (int i = 0; i < n; i++) {
		struct sd_req req;
		uint32_t len = 512 + (uint32_t)i * 37;
		bufs[i] = malloc(len);
		sd_req_read_obj(&req, sd_data_oid(0x123, (uint32_t)i), (uint32_t)i * 3, len);
		sd_req_encode(&req, ios[i].hdr);
		ios[i].rbuf = bufs[i];
		ios[i].rlen = len;
		ios[i].done = on_done;
		ios[i].arg = &w;
		ios[i].lane = lane == 0 ? 0 : i % lane == 0 ? 1 : 2;
		ios[i].cap = cap;
		sfs_pool_submit(pool, &ios[i]);
	}
	wait_all(&w);
	for (int i = 0; i < n; i++) {
		if (expect_err) {
			CHECK(ios[i].err == EIO);
		} else {
			if (ios[i].err != 0)
				fprintf(stderr, "request %d: err %d after %u attempts\n", i, ios[i].err, ios[i].attempts);
			CHECK(ios[i].err == 0);
			CHECK(ios[i].result == SD_RES_SUCCESS);
			CHECK(ios[i].rsp_len == ios[i].rlen);
			for (uint32_t k = 0; k < ios[i].rlen; k++)
				CHECK(bufs[i][k] == pattern(sd_data_oid(0x123, (uint32_t)i), (uint32_t)i * 3, k));
		}
		free(bufs[i]);
	}
	free(bufs);
	free(ios);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
}

static void run_reads(struct sfs_pool *pool, int n, int expect_err)
{
	run_reads_in(pool, n, expect_err, 0, 0);
}

static struct sfs_pool *pool_for(int port, unsigned conns)
{
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", port);
	struct sfs_pool_cfg cfg = { .connections = conns, .connect_timeout_ms = 1000, .max_attempts = 3 };
	struct sfs_pool *p = sfs_pool_create(&cfg, gw);
	CHECK(p != NULL);
	return p;
}

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
		CHECK(buf[5] == pattern(sd_data_oid(0x77, (uint32_t)i), 0, 5));
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
		CHECK(bufs[i][100] == pattern(sd_data_oid(0x55, (uint32_t)i), 0, 100));
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
	CHECK(st.reconnects == 1 && st.resent >= 36 && st.failed == 0);
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

/* A source the I/O threads serve beside their sockets (what FUSE over io_uring uses): an eventfd
 * per connection; serving one submits reads from the I/O thread itself. */
struct src_state {
	int evfd[2];
	atomic_int depth[2];  /* batch_begin minus batch_end, per connection */
	atomic_int served, outside_batch, wrong_thread;
	atomic_bool submit;
	pthread_t io_thread[2];
	atomic_bool seen[2];
	struct sfs_pool *pool;
	struct waiter w;
	struct sfs_io ios[16];
	uint8_t bufs[16][100];
	atomic_int next;
};

static void src_begin(void *arg, unsigned c)
{
	struct src_state *s = arg;
	atomic_fetch_add(&s->depth[c], 1);
}

static void src_end(void *arg, unsigned c)
{
	struct src_state *s = arg;
	atomic_fetch_sub(&s->depth[c], 1);
}

static int src_fd(void *arg, unsigned c)
{
	struct src_state *s = arg;
	return c < 2 ? s->evfd[c] : -1;
}

static void src_serve(void *arg, unsigned c)
{
	struct src_state *s = arg;
	uint64_t v = 0;
	if (read(s->evfd[c], &v, sizeof(v)) != sizeof(v))
		return;
	if (atomic_load(&s->depth[c]) != 1)
		atomic_fetch_add(&s->outside_batch, 1);
	if (!atomic_exchange(&s->seen[c], true))
		s->io_thread[c] = pthread_self();
	else if (!pthread_equal(s->io_thread[c], pthread_self()))
		atomic_fetch_add(&s->wrong_thread, 1);
	for (uint64_t k = 0; k < v; k++) {
		atomic_fetch_add(&s->served, 1);
		if (!atomic_load(&s->submit))
			continue;
		int i = atomic_fetch_add(&s->next, 1);
		read_request(&s->ios[i], sd_data_oid(0x77, (uint32_t)i), s->bufs[i], sizeof(s->bufs[i]));
		s->ios[i].done = on_done;
		s->ios[i].arg = &s->w;
		sfs_pool_submit(s->pool, &s->ios[i]); /* from the I/O thread: allowed, never waits */
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void poke(int fd)
{
	uint64_t one = 1;
	CHECK(write(fd, &one, sizeof(one)) == sizeof(one));
}

static void wait_served(struct src_state *s, int n, int ms)
{
	for (int t = 0; t < ms / 10 && atomic_load(&s->served) < n; t++)
		usleep(10000);
	if (atomic_load(&s->served) != n)
		fprintf(stderr, "served %d, want %d\n", atomic_load(&s->served), n);
	CHECK(atomic_load(&s->served) == n);
}

static void test_source(void)
{
	static struct src_state s; /* big: not on the stack */
	memset(&s, 0, sizeof(s));
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	s.pool = pool_for(p.port, 2);
	s.evfd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s.evfd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(s.evfd[0] >= 0 && s.evfd[1] >= 0);
	pthread_mutex_init(&s.w.mu, NULL);
	pthread_cond_init(&s.w.cv, NULL);
	s.w.left = 16;
	atomic_store(&s.submit, true);
	const struct sfs_pool_source src = { .batch_begin = src_begin, .batch_end = src_end,
					     .serve_fd = src_fd, .serve = src_serve, .arg = &s };
	sfs_pool_set_source(s.pool, &src);
	for (int i = 0; i < 8; i++) { /* both threads serve, and read the answers to what they sent */
		poke(s.evfd[i & 1]);
		usleep(2000);
	}
	wait_served(&s, 8, 5000);
	poke(s.evfd[0]);
	poke(s.evfd[1]);
	wait_served(&s, 10, 5000);
	for (int i = 0; i < 6; i++)
		poke(s.evfd[0]);
	wait_served(&s, 16, 5000);
	wait_all(&s.w);
	for (int i = 0; i < 16; i++) {
		CHECK(s.ios[i].err == 0 && s.ios[i].rsp_len == sizeof(s.bufs[i]));
		for (uint32_t k = 0; k < sizeof(s.bufs[i]); k++)
			CHECK(s.bufs[i][k] == pattern(sd_data_oid(0x77, (uint32_t)i), 0, k));
	}
	CHECK(atomic_load(&s.outside_batch) == 0 && atomic_load(&s.wrong_thread) == 0);
	CHECK(atomic_load(&s.depth[0]) == 0 && atomic_load(&s.depth[1]) == 0);
	/* removed: the source's events are left alone */
	sfs_pool_set_source(s.pool, NULL);
	usleep(20000);
	poke(s.evfd[0]);
	usleep(100000);
	CHECK(atomic_load(&s.served) == 16);
	uint64_t left = 0;
	CHECK(read(s.evfd[0], &left, sizeof(left)) == sizeof(left) && left == 1); /* still unread */
	sfs_pool_destroy(s.pool);
	peer_stop(&p);

	/* a gateway down: the thread waiting to connect again still serves the source */
	peer_start(&p, ANSWER_REVERSED, 1);
	int port = p.port;
	peer_stop(&p);
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", port);
	struct sfs_pool_cfg cfg = { .connections = 2, .connect_timeout_ms = 1000, .connect_retries = 3, .retry_base_ms = 500 };
	s.pool = sfs_pool_create(&cfg, gw);
	CHECK(s.pool != NULL);
	atomic_store(&s.submit, false);
	sfs_pool_set_source(s.pool, &src);
	struct sfs_io io;
	uint8_t buf[64];
	read_request(&io, sd_data_oid(1, 1), buf, sizeof(buf));
	s.w.left = 1;
	io.done = on_done;
	io.arg = &s.w;
	sfs_pool_submit(s.pool, &io); /* its connection now waits between connect rounds */
	usleep(200000);
	for (int i = 0; i < 4; i++)
		poke(s.evfd[0]), poke(s.evfd[1]);
	wait_served(&s, 24, 300); /* well before the next connect round (500 ms, then 1 s, 2 s) */
	wait_all(&s.w);
	CHECK(io.err == EIO);
	sfs_pool_set_source(s.pool, NULL);
	sfs_pool_destroy(s.pool);

	/* a gateway that does not answer the handshake (its accept queue is full): the thread waiting
	 * for its connect to finish serves the source too */
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 0) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&a, &al) == 0);
	int filler[2];
	for (int i = 0; i < 2; i++) { /* backlog 0 takes one; a second may be needed on some kernels */
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK(filler[i] >= 0);
		(void)connect(filler[i], (struct sockaddr *)&a, sizeof(a)); /* EINPROGRESS: non-blocking */
	}
	usleep(100000);
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", ntohs(a.sin_port));
	struct sfs_pool_cfg stuck = { .connections = 1, .connect_timeout_ms = 2000, .connect_retries = 0 };
	s.pool = sfs_pool_create(&stuck, gw);
	CHECK(s.pool != NULL);
	sfs_pool_set_source(s.pool, &src);
	s.w.left = 1;
	uint64_t t0 = now_ms();
	sfs_pool_submit(s.pool, &io); /* its connect now waits for a handshake that never comes */
	usleep(300000);
	for (int i = 0; i < 3; i++)
		poke(s.evfd[0]);
	wait_served(&s, 27, 500);
	CHECK(now_ms() - t0 < 1500); /* served while the connect was still under way */
	wait_all(&s.w);
	CHECK(io.err == EIO);
	sfs_pool_set_source(s.pool, NULL);
	sfs_pool_destroy(s.pool);
	for (int i = 0; i < 2; i++)
		close(filler[i]);
	close(lfd);
	close(s.evfd[0]);
	close(s.evfd[1]);
	pthread_cond_destroy(&s.w.cv);
	pthread_mutex_destroy(&s.w.mu);
}

/* A source whose work never runs out (a FUSE ring kept full), seen through ready as well as its
 * fd: the I/O threads may skip polls for it, yet still read their sockets' answers. */
struct busy_source {
	int evfd;
	atomic_int ready_asked, served;
};

static int busy_fd(void *arg, unsigned c)
{
	(void)c;
	return ((struct busy_source *)arg)->evfd;
}

static void busy_serve(void *arg, unsigned c)
{
	(void)c;
	atomic_fetch_add(&((struct busy_source *)arg)->served, 1); /* the eventfd stays readable */
}

static bool busy_ready(void *arg, unsigned c)
{
	(void)c;
	atomic_fetch_add(&((struct busy_source *)arg)->ready_asked, 1);
	return true;
}

static void test_source_always_ready(void)
{
	struct busy_source b = { .evfd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK) };
	CHECK(b.evfd >= 0);
	struct peer p;
	peer_start(&p, ANSWER_REVERSED, 1);
	struct sfs_pool *pool = pool_for(p.port, 2);
	const struct sfs_pool_source src = { .serve_fd = busy_fd, .serve = busy_serve, .ready = busy_ready, .arg = &b };
	sfs_pool_set_source(pool, &src);
	enum { N = 32 };
	static struct sfs_io ios[N];
	static uint8_t bufs[N][64];
	struct waiter w = { .left = N };
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	for (int i = 0; i < N; i++) {
		read_request(&ios[i], sd_data_oid(0x99, (uint32_t)i), bufs[i], sizeof(bufs[i]));
		ios[i].done = on_done;
		ios[i].arg = &w;
		sfs_pool_submit(pool, &ios[i]);
	}
	uint64_t end = now_ms() + 5000;
	for (;;) {
		pthread_mutex_lock(&w.mu);
		int left = w.left;
		pthread_mutex_unlock(&w.mu);
		if (left == 0 || now_ms() > end) {
			if (left != 0)
				fprintf(stderr, "%d of %d answers unread after 5 s beside a busy source\n", left, N);
			CHECK(left == 0);
			break;
		}
		usleep(1000);
	}
	for (int i = 0; i < N; i++) {
		CHECK(ios[i].err == 0);
		for (uint32_t k = 0; k < sizeof(bufs[i]); k++)
			CHECK(bufs[i][k] == pattern(sd_data_oid(0x99, (uint32_t)i), 0, k));
	}
	/* idle again (no answer owed): the source's work is now taken without polling */
	for (int t = 0; t < 200 && atomic_load(&b.ready_asked) == 0; t++)
		usleep(10000);
	CHECK(atomic_load(&b.ready_asked) > 0 && atomic_load(&b.served) > 0);
	sfs_pool_set_source(pool, NULL);
	sfs_pool_destroy(pool);
	peer_stop(&p);
	close(b.evfd);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* the peer writes to connections the pool has dropped */
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
