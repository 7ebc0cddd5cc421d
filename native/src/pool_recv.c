/* Socket pool: receiving. The I/O thread reads answers (many small ones per recv, big payloads
 * straight into the request's buffer), matches each to its slot by id and completes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pool_internal.h"

#define DIRECT_READ_MIN 16384 /* larger payload remainders are received straight into rbuf */

void pool_complete(struct sfs_pool *p, struct sfs_io *io)
{
	atomic_fetch_sub_explicit(&p->inflight, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&((struct sfs_conn *)io->conn)->load, pool_io_cost(io), memory_order_relaxed);
	if (io->err)
		atomic_fetch_add_explicit(&p->failed, 1, memory_order_relaxed);
	io->done(io);
}

/* Handles one complete response header in h. Returns false if the stream is malformed. */
static bool on_header(struct sfs_conn *c, const uint8_t *h)
{
	uint32_t id = sd_le32(h + 8), dl = sd_le32(h + 12);
	uint16_t s = (uint16_t)(id & 0xffff);
	struct sfs_io *io;
	pthread_mutex_lock(&c->mu);
	io = (s < SLOTS && c->slots[s] && c->gen[s] == (uint16_t)(id >> 16)) ? c->slots[s] : NULL;
	/* the server may answer before our send round is accounted: wait for it */
	while (io && io->in_send)
		pthread_cond_wait(&c->send_done, &c->mu);
	if (io && io->sent < pool_io_total(io))
		io = NULL; /* an answer to a request we have not finished sending */
	pthread_mutex_unlock(&c->mu);
	if (io == NULL || dl > io->rlen) {
		atomic_fetch_add_explicit(&c->pool->malformed, 1, memory_order_relaxed);
		fprintf(stderr, "sheepfs: malformed response (id %#x, %u data bytes): closing the connection\n",
			id, dl);
		return false;
	}
	c->strikes = 0; /* the gateway answers: the next timeout reconnects at once */
	memcpy(io->rsp, h, SD_HEADER_SIZE);
	io->result = sd_le32(h + 16);
	io->rsp_len = dl;
	c->rcur = io;
	c->rneed = dl;
	c->rgot = 0;
	return true;
}

static void finish_current(struct sfs_conn *c)
{
	struct sfs_io *io = c->rcur;
	c->rcur = NULL;
	pthread_mutex_lock(&c->mu);
	pool_slot_free(c, io->slot);
	pool_release(c, io);
	pool_pump(c);
	bool send = pool_claim_sender(c);
	pthread_mutex_unlock(&c->mu);
	pool_complete(c->pool, io);
	if (send)
		pool_send_loop(c);
}

/* Reads what the socket has. Returns false on EOF, error or a malformed stream. */
bool pool_conn_read(struct sfs_conn *c, int fd)
{
	bool drained = false; /* a recv returned less than asked: the socket is empty, back to poll */
	for (;;) {
		/* consume buffered bytes */
		for (;;) {
			uint32_t avail = c->rb_len - c->rb_pos;
			if (c->rcur) {
				uint32_t take = c->rneed - c->rgot;
				if (take > avail)
					take = avail;
				memcpy((uint8_t *)c->rcur->rbuf + c->rgot, c->rb + c->rb_pos, take);
				c->rgot += take;
				c->rb_pos += take;
				if (c->rgot < c->rneed)
					break;
				finish_current(c);
			} else {
				if (avail < SD_HEADER_SIZE)
					break;
				if (!on_header(c, c->rb + c->rb_pos))
					return false;
				c->rb_pos += SD_HEADER_SIZE;
				if (c->rneed == 0)
					finish_current(c);
			}
		}
		if (drained)
			return true;
		ssize_t n;
		if (c->rcur && c->rneed - c->rgot >= DIRECT_READ_MIN) {
			n = recv(fd, (uint8_t *)c->rcur->rbuf + c->rgot, c->rneed - c->rgot, MSG_DONTWAIT);
			if (n > 0) {
				drained = (uint32_t)n < c->rneed - c->rgot;
				c->rgot += (uint32_t)n;
				if (c->rgot == c->rneed)
					finish_current(c);
				continue;
			}
		} else {
			if (c->rb_pos > 0) {
				memmove(c->rb, c->rb + c->rb_pos, c->rb_len - c->rb_pos);
				c->rb_len -= c->rb_pos;
				c->rb_pos = 0;
			}
			n = recv(fd, c->rb + c->rb_len, RBUF_SIZE - c->rb_len, MSG_DONTWAIT);
			if (n > 0) {
				drained = (uint32_t)n < RBUF_SIZE - c->rb_len;
				c->rb_len += (uint32_t)n;
				continue;
			}
		}
		if (n == 0)
			return false;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		if (errno != EINTR)
			return false;
	}
}
