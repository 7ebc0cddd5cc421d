/* The socket pool tests' client side: see pool_harness.h. */
#define _GNU_SOURCE
#include "pool_harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_proto.h"

void on_done(struct sfs_io *io)
{
	struct waiter *w = io->arg;
	pthread_mutex_lock(&w->mu);
	w->left--;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void wait_all(struct waiter *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->left > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void read_request(struct sfs_io *io, uint64_t oid, uint8_t *buf, uint32_t len)
{
	struct sd_req req;
	memset(io, 0, sizeof(*io));
	sd_req_read_obj(&req, oid, 0, len);
	sd_req_encode(&req, io->hdr);
	io->rbuf = buf;
	io->rlen = len;
}

void run_reads_in(struct sfs_pool *pool, int n, int expect_err, int lane, uint16_t cap)
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
				CHECK(bufs[i][k] == peer_pattern(sd_data_oid(0x123, (uint32_t)i), (uint32_t)i * 3, k));
		}
		free(bufs[i]);
	}
	free(bufs);
	free(ios);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
}

void run_reads(struct sfs_pool *pool, int n, int expect_err)
{
	run_reads_in(pool, n, expect_err, 0, 0);
}

struct sfs_pool *pool_for(int port, unsigned conns)
{
	char gw[64];
	snprintf(gw, sizeof(gw), "127.0.0.1:%d", port);
	struct sfs_pool_cfg cfg = { .connections = conns, .connect_timeout_ms = 1000, .max_attempts = 3 };
	struct sfs_pool *p = sfs_pool_create(&cfg, gw);
	CHECK(p != NULL);
	return p;
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
