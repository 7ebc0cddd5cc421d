/* Pipelined socket pool: see pool.h for the contract. */
#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "affinity.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define SLOTS 256          /* requests in flight per connection (bounded: ids are slot|gen<<16) */
#define MAX_GATEWAYS 16
#define SEND_BATCH 64      /* requests per sendmsg */
#define RBUF_SIZE 65536    /* staging buffer: many small responses per recv */
#define SPILL_BYTES (256u << 10) /* in flight on a connection before the next one is used */
#define DIRECT_READ_MIN 16384 /* larger payload remainders are received straight into rbuf */
#define CORK_BYTES (64u << 10) /* a corked thread sends once it has gathered this much */

/* What an I/O thread waits on: its event fd, its source's fd and its socket. */
enum { W_EVENT, W_SOURCE, W_SOCKET, W_COUNT };

struct sfs_conn {
	struct sfs_pool *pool;
	pthread_t thread;
	int evfd;
	/* The I/O thread's epoll set: its fds stay registered from one wait to the next (poll
	 * registered and unregistered all three on every wait; measured at one request in flight:
	 * 8% more CPU per request). w_fd/w_ev say what is registered. I/O thread only. */
	int ep;
	int w_fd[W_COUNT];
	uint32_t w_ev[W_COUNT];
	pthread_mutex_t mu;
	pthread_cond_t send_done; /* the sender finished a round: in_send flags changed */
	int fd;                   /* -1 while down */
	bool sending;             /* one thread at a time writes to fd */
	bool want_out;            /* the socket was full: the I/O thread waits for POLLOUT */
	bool broken;              /* a send failed: the I/O thread resets */
	bool reset;               /* set_gateways: reconnect */
	bool stop;
	struct sfs_io *sq_head, *sq_tail; /* slotted, not yet fully sent */
	struct sfs_io *wq_head, *wq_tail; /* waiting for a free slot */
	struct sfs_io *lq_head[SFS_POOL_LANES], *lq_tail[SFS_POOL_LANES]; /* waiting for their lane */
	unsigned lane_busy[SFS_POOL_LANES]; /* let out of their lane queue and not completed */
	unsigned lane_cap[SFS_POOL_LANES];  /* the newest request's cap (0: unbounded) */
	struct sfs_io *slots[SLOTS];
	uint16_t gen[SLOTS];
	uint16_t free_slots[SLOTS];
	unsigned nfree;
	/* reader state: owned by the I/O thread */
	uint8_t *rb;
	uint32_t rb_pos, rb_len;
	struct sfs_io *rcur;      /* response whose data is being received */
	uint32_t rneed, rgot;
	bool rdiscard;
	uint64_t last_scan;       /* for request timeouts: I/O thread only */
	atomic_ullong load;       /* bytes of requests submitted here and not completed: picks the connection */
};

struct sfs_pool {
	struct sfs_pool_cfg cfg;
	pthread_mutex_t gw_mu;
	struct sfs_gateway gw[MAX_GATEWAYS];
	int ngw;
	int gw_cur;
	char gw_spec[1024];
	atomic_ullong requests, sends, resent, failed, reconnects, connect_failures, malformed;
	atomic_llong inflight;
	atomic_ullong timeouts;
	bool shut;
	pthread_key_t cork_key; /* the struct sfs_cork of a corked thread, else NULL */
	bool cork_key_ok;
	_Atomic(const struct sfs_pool_source *) src;
	unsigned nconn;
	struct sfs_conn conn[];
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int sfs_parse_gateways(const char *spec, struct sfs_gateway *out, int max)
{
	int n = 0;
	const char *s = spec;
	if (spec == NULL || *spec == '\0')
		return -EINVAL;
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *host = s, *colon;
		size_t hlen;
		if (n >= max || len == 0)
			return -EINVAL;
		if (*s == '[') { /* [v6]:port */
			const char *rb = memchr(s, ']', len);
			if (rb == NULL || rb + 1 >= s + len || rb[1] != ':')
				return -EINVAL;
			host = s + 1;
			hlen = (size_t)(rb - host);
			colon = rb + 1;
		} else {
			colon = NULL;
			for (const char *q = s; q < s + len; q++)
				if (*q == ':')
					colon = q;
			if (colon == NULL)
				return -EINVAL;
			hlen = (size_t)(colon - s);
		}
		size_t plen = (size_t)(s + len - colon - 1);
		if (hlen == 0 || hlen >= sizeof(out[n].host) || plen == 0 || plen >= sizeof(out[n].port))
			return -EINVAL;
		unsigned long port = 0;
		for (size_t i = 0; i < plen; i++) {
			char c = colon[1 + i];
			if (c < '0' || c > '9')
				return -EINVAL;
			port = port * 10 + (unsigned long)(c - '0');
		}
		if (port == 0 || port > 65535)
			return -EINVAL;
		memcpy(out[n].host, host, hlen);
		out[n].host[hlen] = '\0';
		memcpy(out[n].port, colon + 1, plen);
		out[n].port[plen] = '\0';
		n++;
		s += len;
		if (*s == ',' && *++s == '\0')
			return -EINVAL; /* a trailing comma */
	}
	return n;
}

static void wake(struct sfs_conn *c)
{
	uint64_t one = 1;
	ssize_t r = write(c->evfd, &one, sizeof(one));
	(void)r; /* EAGAIN only when the counter is already non-zero: the thread wakes anyway */
}

static void q_push(struct sfs_io **head, struct sfs_io **tail, struct sfs_io *io)
{
	io->next = NULL;
	if (*tail)
		(*tail)->next = io;
	else
		*head = io;
	*tail = io;
}

static struct sfs_io *q_pop(struct sfs_io **head, struct sfs_io **tail)
{
	struct sfs_io *io = *head;
	if (io) {
		*head = io->next;
		if (*head == NULL)
			*tail = NULL;
		io->next = NULL;
	}
	return io;
}

/* Gives io a slot (caller holds c->mu and knows one is free) and queues it for sending. */
static void slot_assign(struct sfs_conn *c, struct sfs_io *io)
{
	uint16_t s = c->free_slots[--c->nfree];
	c->gen[s]++;
	c->slots[s] = io;
	io->slot = s;
	io->sent = 0;
	io->t_start = now_ms();
	put_le32(io->hdr + 8, (uint32_t)c->gen[s] << 16 | s);
	q_push(&c->sq_head, &c->sq_tail, io);
}

static void slot_free(struct sfs_conn *c, uint16_t s)
{
	c->slots[s] = NULL;
	c->free_slots[c->nfree++] = s;
}

/* With c->mu held: moves waiting requests on, lanes within their caps, into free slots. */
static void pump(struct sfs_conn *c)
{
	while (c->nfree > 0 && c->wq_head)
		slot_assign(c, q_pop(&c->wq_head, &c->wq_tail));
	for (unsigned l = 0; l < SFS_POOL_LANES; l++) {
		while (c->lq_head[l] && (c->lane_cap[l] == 0 || c->lane_busy[l] < c->lane_cap[l])) {
			struct sfs_io *io = q_pop(&c->lq_head[l], &c->lq_tail[l]);
			c->lane_busy[l]++;
			if (c->nfree > 0 && c->wq_head == NULL)
				slot_assign(c, io);
			else
				q_push(&c->wq_head, &c->wq_tail, io);
		}
	}
}

/* The index of io's bounded lane, or -1 (lane 0, or none that exists: unbounded). */
static int lane_of(const struct sfs_io *io)
{
	return io->lane > 0 && io->lane <= SFS_POOL_LANES ? io->lane - 1 : -1;
}

/* With c->mu held: io is new on c; it queues behind the requests waiting before it. */
static void admit(struct sfs_conn *c, struct sfs_io *io)
{
	int l = lane_of(io);
	if (l >= 0) {
		c->lane_cap[l] = io->cap;
		q_push(&c->lq_head[l], &c->lq_tail[l], io);
	} else {
		q_push(&c->wq_head, &c->wq_tail, io);
	}
	pump(c);
}

/* With c->mu held: io leaves c (answered or failed) and gives back its place in its lane. */
static void release(struct sfs_conn *c, struct sfs_io *io)
{
	int l = lane_of(io);
	if (l >= 0)
		c->lane_busy[l]--;
}

static uint32_t io_total(const struct sfs_io *io)
{
	return SD_HEADER_SIZE + io->wlen;
}

/*
 * Sends queued requests without blocking until the queue is empty or the socket is full.
 * Called by whoever set c->sending; clears it before returning. Items being written are marked
 * in_send so that the I/O thread does not complete (and free) one before the send round ends.
 */
static void send_loop(struct sfs_conn *c)
{
	struct iovec iov[SEND_BATCH * 2];
	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (c->sq_head == NULL || c->fd < 0 || c->broken || c->stop || c->want_out)
			break;
		int niov = 0;
		int fd = c->fd;
		for (struct sfs_io *io = c->sq_head; io && niov < SEND_BATCH * 2 - 1; io = io->next) {
			uint32_t off = io->sent;
			io->in_send = true;
			if (off < SD_HEADER_SIZE) {
				iov[niov].iov_base = io->hdr + off;
				iov[niov++].iov_len = SD_HEADER_SIZE - off;
				off = SD_HEADER_SIZE;
			}
			if (io->wlen > 0) {
				iov[niov].iov_base = (uint8_t *)io->wbuf + (off - SD_HEADER_SIZE);
				iov[niov++].iov_len = io->wlen - (off - SD_HEADER_SIZE);
			}
		}
		pthread_mutex_unlock(&c->mu);
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
		ssize_t n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		int e = errno;
		atomic_fetch_add_explicit(&c->pool->sends, 1, memory_order_relaxed);
		pthread_mutex_lock(&c->mu);
		size_t left = n > 0 ? (size_t)n : 0;
		while (c->sq_head && c->sq_head->in_send) {
			struct sfs_io *io = c->sq_head;
			uint32_t rest = io_total(io) - io->sent;
			if (left >= rest) {
				left -= rest;
				io->sent = io_total(io);
				io->in_send = false;
				q_pop(&c->sq_head, &c->sq_tail);
			} else {
				io->sent += (uint32_t)left;
				left = 0;
				for (struct sfs_io *q = io; q && q->in_send; q = q->next)
					q->in_send = false;
				break;
			}
		}
		pthread_cond_broadcast(&c->send_done);
		if (n < 0 && e != EAGAIN && e != EWOULDBLOCK && e != EINTR) {
			c->broken = true;
			break;
		}
		if (n < 0 ? e != EINTR : c->sq_head != NULL && c->sq_head->sent > 0) {
			/* socket full: the I/O thread continues once it is writable */
			c->want_out = true;
			break;
		}
	}
	bool need_wake = c->want_out || c->broken;
	c->sending = false;
	pthread_cond_broadcast(&c->send_done);
	pthread_mutex_unlock(&c->mu);
	if (need_wake)
		wake(c);
}

/* With c->mu held: returns true if the caller should become the sender. */
static bool claim_sender(struct sfs_conn *c)
{
	if (c->sending || c->want_out || c->fd < 0 || c->broken || c->sq_head == NULL)
		return false;
	c->sending = true;
	return true;
}

static void complete(struct sfs_pool *p, struct sfs_io *io);

/* Sends what a corked thread gathered: one send round per connection it used. */
static void cork_flush(struct sfs_pool *p, struct sfs_cork *ck)
{
	uint64_t d = ck->dirty;
	ck->dirty = 0;
	ck->bytes = 0;
	while (d) {
		struct sfs_conn *c = &p->conn[__builtin_ctzll(d)];
		d &= d - 1;
		pthread_mutex_lock(&c->mu);
		bool send = claim_sender(c);
		pthread_mutex_unlock(&c->mu);
		if (send)
			send_loop(c);
	}
}

/* What a request weighs on its connection: the bytes it moves either way. */
static unsigned long long io_cost(const struct sfs_io *io)
{
	return SD_HEADER_SIZE + (unsigned long long)io->wlen + io->rlen;
}

void sfs_pool_submit(struct sfs_pool *p, struct sfs_io *io)
{
	/* The first connection with less than SPILL_BYTES in flight, else the least loaded: small
	 * requests, even many at once, stay on one warm connection whose I/O thread completes a
	 * batch per wake-up (measured: 10-20% less client CPU on 4 KiB I/O than spreading them);
	 * big transfers spread over every connection, since one thread cannot copy them all. */
	struct sfs_cork *ck = p->cork_key_ok ? pthread_getspecific(p->cork_key) : NULL;
	unsigned i = 0, home = ck && ck->home > 0 ? (unsigned)ck->home % p->nconn : 0;
	unsigned long long best = ULLONG_MAX;
	for (unsigned j = 0; j < p->nconn; j++) {
		unsigned k = (home + j) % p->nconn;
		unsigned long long l = atomic_load_explicit(&p->conn[k].load, memory_order_relaxed);
		if (l < SPILL_BYTES) {
			i = k;
			break;
		}
		if (l < best) {
			best = l;
			i = k;
		}
	}
	struct sfs_conn *c = &p->conn[i];
	/* io belongs to the connection once queued: another thread's send round may send it and
	 * the I/O thread complete (and free) it before this function returns */
	unsigned long long cost = io_cost(io);
	atomic_fetch_add_explicit(&c->load, cost, memory_order_relaxed);
	io->conn = c;
	io->err = 0;
	io->result = 0;
	io->rsp_len = 0;
	io->attempts = 0;
	io->in_send = false;
	atomic_fetch_add_explicit(&p->requests, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->inflight, 1, memory_order_relaxed);
	pthread_mutex_lock(&c->mu);
	if (c->stop) { /* shut down: nobody would ever answer */
		pthread_mutex_unlock(&c->mu);
		io->err = ESHUTDOWN;
		complete(p, io);
		return;
	}
	admit(c, io);
	bool corked = ck != NULL;
	bool send = !corked && claim_sender(c);
	bool need_connect = c->fd < 0;
	pthread_mutex_unlock(&c->mu);
	if (corked) {
		ck->dirty |= 1ull << i;
		ck->bytes += (uint32_t)(cost < CORK_BYTES ? cost : CORK_BYTES);
		if (ck->bytes >= CORK_BYTES)
			cork_flush(p, ck);
	}
	if (send)
		send_loop(c);
	else if (need_connect)
		wake(c);
}

void sfs_pool_cork(struct sfs_pool *p, struct sfs_cork *ck)
{
	if (!p->cork_key_ok || pthread_getspecific(p->cork_key) == ck)
		return;
	sfs_pool_uncork(p);
	ck->dirty = 0;
	ck->bytes = 0;
	pthread_setspecific(p->cork_key, ck); /* fails only without memory: then uncorked, as before */
}

void sfs_pool_uncork(struct sfs_pool *p)
{
	struct sfs_cork *ck = p->cork_key_ok ? pthread_getspecific(p->cork_key) : NULL;
	if (ck == NULL)
		return;
	pthread_setspecific(p->cork_key, NULL);
	cork_flush(p, ck);
}

static void complete(struct sfs_pool *p, struct sfs_io *io)
{
	atomic_fetch_sub_explicit(&p->inflight, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&((struct sfs_conn *)io->conn)->load, io_cost(io), memory_order_relaxed);
	if (io->err)
		atomic_fetch_add_explicit(&p->failed, 1, memory_order_relaxed);
	io->done(io);
}

/* Makes slot watch fd (-1: nothing) for events. False if the kernel refused (no memory): the
 * caller then waits with a timeout, and the next round tries again. */
static bool watch(struct sfs_conn *c, unsigned slot, int fd, uint32_t events)
{
	if (c->w_fd[slot] == fd && c->w_ev[slot] == events)
		return true;
	if (c->w_fd[slot] >= 0 && c->w_fd[slot] != fd) /* a closed fd left the set already: */
		(void)epoll_ctl(c->ep, EPOLL_CTL_DEL, c->w_fd[slot], NULL); /* EBADF, nothing to undo */
	c->w_fd[slot] = -1;
	if (fd < 0)
		return true;
	struct epoll_event e = { .events = events, .data.u32 = slot };
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &e) != 0 &&
	    (errno != EEXIST || epoll_ctl(c->ep, EPOLL_CTL_MOD, fd, &e) != 0)) {
		fprintf(stderr, "sheepfs: cannot watch fd %d: %s\n", fd, strerror(errno));
		return false;
	}
	c->w_fd[slot] = fd;
	c->w_ev[slot] = events;
	return true;
}

/* Waits up to ms (-1: no limit) for the watched fds; their events go to rev (poll's bits: the
 * epoll ones have the same values). Returns what epoll_wait returns. */
static int wait_watched(struct sfs_conn *c, int ms, short rev[W_COUNT])
{
	struct epoll_event ev[W_COUNT];
	int n = epoll_wait(c->ep, ev, W_COUNT, ms);
	for (unsigned i = 0; i < W_COUNT; i++)
		rev[i] = 0;
	for (int i = 0; i < n; i++)
		if (ev[i].data.u32 < W_COUNT)
			rev[ev[i].data.u32] |= (short)ev[i].events;
	return n;
}

/*
 * Drops the connection and queues everything it had for resending; requests that used up their
 * attempts are completed with EIO. I/O thread only.
 */
static void conn_reset(struct sfs_conn *c, bool count_attempt)
{
	struct sfs_pool *p = c->pool;
	struct sfs_io *fail_head = NULL, *fail_tail = NULL;
	pthread_mutex_lock(&c->mu);
	while (c->sending)
		pthread_cond_wait(&c->send_done, &c->mu);
	if (c->fd >= 0) {
		watch(c, W_SOCKET, -1, 0); /* before close: a new socket may get the same number */
		close(c->fd);
		c->fd = -1;
		atomic_fetch_add_explicit(&p->reconnects, 1, memory_order_relaxed);
	}
	c->broken = false;
	c->want_out = false;
	c->reset = false;
	c->sq_head = c->sq_tail = NULL;
	for (unsigned s = 0; s < SLOTS; s++) {
		struct sfs_io *io = c->slots[s];
		if (io == NULL)
			continue;
		io->sent = 0;
		if (count_attempt && ++io->attempts >= p->cfg.max_attempts) {
			slot_free(c, (uint16_t)s);
			release(c, io);
			io->err = EIO;
			q_push(&fail_head, &fail_tail, io);
		} else {
			atomic_fetch_add_explicit(&p->resent, 1, memory_order_relaxed);
			q_push(&c->sq_head, &c->sq_tail, io);
		}
	}
	pump(c);
	pthread_mutex_unlock(&c->mu);
	c->rb_pos = c->rb_len = 0;
	c->rcur = NULL;
	c->rneed = c->rgot = 0;
	c->rdiscard = false;
	struct sfs_io *io;
	while ((io = q_pop(&fail_head, &fail_tail)) != NULL)
		complete(p, io);
}

/* Fails everything queued on a connection that could not be (re)established. */
static void conn_fail_all(struct sfs_conn *c, int err)
{
	struct sfs_io *fail_head = NULL, *fail_tail = NULL, *io;
	pthread_mutex_lock(&c->mu);
	for (unsigned s = 0; s < SLOTS; s++) {
		if (c->slots[s]) {
			c->slots[s]->err = err;
			q_push(&fail_head, &fail_tail, c->slots[s]);
			slot_free(c, (uint16_t)s);
		}
	}
	while ((io = q_pop(&c->wq_head, &c->wq_tail)) != NULL) {
		io->err = err;
		q_push(&fail_head, &fail_tail, io);
	}
	for (unsigned l = 0; l < SFS_POOL_LANES; l++) {
		while ((io = q_pop(&c->lq_head[l], &c->lq_tail[l])) != NULL) {
			io->err = err;
			q_push(&fail_head, &fail_tail, io);
		}
		c->lane_busy[l] = 0;
	}
	c->sq_head = c->sq_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	while ((io = q_pop(&fail_head, &fail_tail)) != NULL)
		complete(c->pool, io);
}

static const struct sfs_pool_source *source(struct sfs_conn *c)
{
	return atomic_load_explicit(&c->pool->src, memory_order_acquire);
}

static unsigned conn_index(struct sfs_conn *c)
{
	return (unsigned)(c - c->pool->conn);
}

static int serve_fd(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	return s && s->serve_fd && s->serve ? s->serve_fd(s->arg, conn_index(c)) : -1;
}

static void batch_begin(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	if (s && s->batch_begin)
		s->batch_begin(s->arg, conn_index(c));
}

static void batch_end(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	if (s && s->batch_end)
		s->batch_end(s->arg, conn_index(c));
}

static void serve_source(struct sfs_conn *c, const struct sfs_pool_source *src)
{
	batch_begin(c, src);
	src->serve(src->arg, conn_index(c));
	batch_end(c, src);
}

/* Polls fd (-1: none) for events up to ms, serving the source meanwhile: what it has is not left
 * unread while this thread waits to connect again. Returns fd's revents, 0 when the time is up. */
static short poll_serving(struct sfs_conn *c, int fd, short events, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	for (;;) {
		uint64_t t = now_ms();
		if (t >= end)
			return 0;
		const struct sfs_pool_source *src = source(c);
		int sfd = serve_fd(c, src);
		struct pollfd w[2] = { { .fd = fd, .events = events }, { .fd = sfd, .events = POLLIN } };
		int n = poll(w, 2, (int)(end - t));
		if (n < 0 && errno != EINTR)
			return POLLERR;
		if (n <= 0)
			continue;
		if (sfd >= 0 && (w[1].revents & POLLIN))
			serve_source(c, src);
		if (w[0].revents)
			return w[0].revents;
	}
}

/* Waits ms (a gateway restarting) unless the pool stops. */
static void sleep_unless_stopped(struct sfs_conn *c, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	for (;;) {
		uint64_t t = now_ms();
		pthread_mutex_lock(&c->mu);
		bool stop = c->stop;
		pthread_mutex_unlock(&c->mu);
		if (stop || t >= end)
			return;
		if (poll_serving(c, c->evfd, POLLIN, (unsigned)(end - t)) & POLLIN) {
			uint64_t v;
			ssize_t r = read(c->evfd, &v, sizeof(v));
			(void)r;
		}
	}
}

/* Returns a connected socket, or -1 with errno set to why the last attempt failed. */
static int connect_one(struct sfs_conn *c, const struct sfs_gateway *gw, unsigned timeout_ms)
{
	int why = EHOSTUNREACH;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	if (getaddrinfo(gw->host, gw->port, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	int fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		why = errno;
		if (r < 0 && errno == EINPROGRESS) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			int pr = poll_serving(c, fd, POLLOUT, timeout_ms) != 0;
			if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				r = 0;
			why = pr == 0 ? ETIMEDOUT : soerr ? soerr : errno;
		}
		if (r == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		int one = 1;
		/* blocking mode; every send/recv of ours passes MSG_DONTWAIT explicitly */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	} else {
		errno = why;
	}
	return fd;
}

/* Connects to the current gateway, or the next ones in turn. */
static bool conn_connect(struct sfs_conn *c)
{
	struct sfs_pool *p = c->pool;
	struct sfs_gateway gw[MAX_GATEWAYS];
	pthread_mutex_lock(&p->gw_mu);
	int n = p->ngw, start = p->gw_cur;
	memcpy(gw, p->gw, sizeof(gw[0]) * (size_t)n);
	pthread_mutex_unlock(&p->gw_mu);
	int why = 0;
	for (int k = 0; k < n; k++) {
		int i = (start + k) % n;
		int fd = connect_one(c, &gw[i], p->cfg.connect_timeout_ms);
		if (fd < 0 && k == 0)
			why = errno;
		if (fd >= 0) {
			if (k > 0) {
				pthread_mutex_lock(&p->gw_mu);
				if (p->gw_cur == start)
					p->gw_cur = i;
				pthread_mutex_unlock(&p->gw_mu);
				fprintf(stderr, "sheepfs: gateway %s:%s unreachable, using %s:%s\n",
					gw[start].host, gw[start].port, gw[i].host, gw[i].port);
			}
			pthread_mutex_lock(&c->mu);
			c->fd = fd;
			bool send = claim_sender(c);
			pthread_mutex_unlock(&c->mu);
			if (send)
				send_loop(c);
			return true;
		}
	}
	atomic_fetch_add_explicit(&p->connect_failures, 1, memory_order_relaxed);
	fprintf(stderr, "sheepfs: cannot connect to any gateway (%s:%s first): %s\n",
		n > 0 ? gw[start].host : "?", n > 0 ? gw[start].port : "?", strerror(why));
	return false;
}

/* Handles one complete response header in h. Returns false if the stream is malformed. */
static bool on_header(struct sfs_conn *c, const uint8_t *h)
{
	uint32_t id = get_le32(h + 8), dl = get_le32(h + 12);
	uint16_t s = (uint16_t)(id & 0xffff);
	struct sfs_io *io;
	pthread_mutex_lock(&c->mu);
	io = (s < SLOTS && c->slots[s] && c->gen[s] == (uint16_t)(id >> 16)) ? c->slots[s] : NULL;
	/* the server may answer before our send round is accounted: wait for it */
	while (io && io->in_send)
		pthread_cond_wait(&c->send_done, &c->mu);
	if (io && io->sent < io_total(io))
		io = NULL; /* an answer to a request we have not finished sending */
	pthread_mutex_unlock(&c->mu);
	if (io == NULL || dl > io->rlen) {
		atomic_fetch_add_explicit(&c->pool->malformed, 1, memory_order_relaxed);
		fprintf(stderr, "sheepfs: malformed response (id %#x, %u data bytes): closing the connection\n",
			id, dl);
		return false;
	}
	memcpy(io->rsp, h, SD_HEADER_SIZE);
	io->result = get_le32(h + 16);
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
	slot_free(c, io->slot);
	release(c, io);
	pump(c);
	bool send = claim_sender(c);
	pthread_mutex_unlock(&c->mu);
	complete(c->pool, io);
	if (send)
		send_loop(c);
}

/* Reads what the socket has. Returns false on EOF, error or a malformed stream. */
static bool conn_read(struct sfs_conn *c, int fd)
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

static bool conn_has_work(struct sfs_conn *c)
{
	for (unsigned l = 0; l < SFS_POOL_LANES; l++)
		if (c->lq_head[l])
			return true;
	return c->sq_head || c->wq_head || c->nfree < SLOTS;
}

/* True if a request on c has waited longer than the timeout (checked about once a second). */
static bool timed_out(struct sfs_conn *c)
{
	struct sfs_pool *p = c->pool;
	uint64_t now = now_ms();
	if (now - c->last_scan < 1000)
		return false;
	c->last_scan = now;
	uint64_t oldest = now;
	uint32_t id = 0;
	pthread_mutex_lock(&c->mu);
	for (unsigned s = 0; s < SLOTS; s++)
		if (c->slots[s] && c->slots[s]->t_start < oldest) {
			oldest = c->slots[s]->t_start;
			id = get_le32(c->slots[s]->hdr + 8);
		}
	pthread_mutex_unlock(&c->mu);
	if (now - oldest <= p->cfg.request_timeout_ms)
		return false;
	atomic_fetch_add_explicit(&p->timeouts, 1, memory_order_relaxed);
	fprintf(stderr, "sheepfs: request %#x got no answer for %llu ms: reconnecting\n", id,
		(unsigned long long)(now - oldest));
	return true;
}

static void *conn_thread(void *arg)
{
	struct sfs_conn *c = arg;
	struct sfs_pool *p = c->pool;
	char name[16];
	snprintf(name, sizeof(name), "sheepfs-io%u", (unsigned)(c - p->conn));
	pthread_setname_np(pthread_self(), name); /* top -H, perf and gdb tell the threads apart */
	if (p->cfg.io_flusher)
		prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0); /* completes writes for a loop device: no reclaim deadlock */
	int cpus = get_nprocs_conf();
	if (p->cfg.pin_threads && cpus > 0)
		sfs_pin_to_cpu((unsigned)(c - p->conn) % (unsigned)cpus);
	unsigned retry = 0;
	bool polled = true; /* the last round polled (see skip_poll) */
	for (;;) {
		pthread_mutex_lock(&c->mu);
		bool stop = c->stop, down = c->fd < 0, work = conn_has_work(c);
		bool reset = c->broken || c->reset, count_attempt = c->broken;
		int fd = c->fd;
		short ev = POLLIN | (c->want_out ? POLLOUT : 0);
		pthread_mutex_unlock(&c->mu);
		if (stop)
			break;
		if (reset && !down) {
			conn_reset(c, count_attempt);
			continue;
		}
		if (down && work) {
			if (conn_connect(c)) {
				retry = 0;
			} else if (retry < p->cfg.connect_retries) {
				/* a gateway restarting: wait before the next round (new submissions don't
				 * shorten the wait, only stop does) */
				sleep_unless_stopped(c, p->cfg.retry_base_ms << retry);
				retry++;
			} else {
				retry = 0;
				conn_fail_all(c, EIO);
			}
			continue;
		}
		const struct sfs_pool_source *src = source(c);
		int sfd = serve_fd(c, src);
		bool watched = watch(c, W_EVENT, c->evfd, EPOLLIN) & watch(c, W_SOURCE, sfd, EPOLLIN) &
			       watch(c, W_SOCKET, down ? -1 : fd, (uint32_t)ev);
		short rev[W_COUNT];
		/* Work the source already shows is served without polling first when the socket owes
		 * no answer: at one request in flight the next FUSE request is there as the last answer
		 * is committed, so this saves a system call per request. Only every other round, so
		 * the event fd still gets polled while the source stays busy. */
		bool skip_poll = polled && !work && sfd >= 0 && src->ready && src->ready(src->arg, conn_index(c));
		polled = !skip_poll;
		if (skip_poll) {
			rev[W_EVENT] = 0;
			rev[W_SOURCE] = POLLIN;
			rev[W_SOCKET] = 0;
		} else if (wait_watched(c, !watched ? 10 : p->cfg.request_timeout_ms && work ? 1000 : -1, rev) < 0) {
			continue;
		}
		if (!down && p->cfg.request_timeout_ms && timed_out(c)) {
			conn_reset(c, true); /* a gateway that stopped answering: resend elsewhere, or fail */
			continue;
		}
		if (rev[W_EVENT] & POLLIN) {
			uint64_t v;
			ssize_t r = read(c->evfd, &v, sizeof(v));
			(void)r;
		}
		bool served = sfd >= 0 && (rev[W_SOURCE] & POLLIN);
		bool readable = !down && (rev[W_SOCKET] & (POLLIN | POLLERR | POLLHUP));
		if (!served && !readable && !(rev[W_SOCKET] & POLLOUT))
			continue;
		/* one batch: what serving and the answers send goes out together at its end */
		batch_begin(c, src);
		if (served)
			src->serve(src->arg, conn_index(c));
		bool ok = !readable || conn_read(c, fd);
		batch_end(c, src);
		if (!ok) {
			conn_reset(c, true);
			continue;
		}
		if (!down && (rev[W_SOCKET] & POLLOUT)) {
			pthread_mutex_lock(&c->mu);
			c->want_out = false;
			bool send = claim_sender(c);
			pthread_mutex_unlock(&c->mu);
			if (send)
				send_loop(c);
		}
	}
	return NULL;
}

static int set_gateways_locked(struct sfs_pool *p, const char *spec)
{
	struct sfs_gateway gw[MAX_GATEWAYS];
	int n = sfs_parse_gateways(spec, gw, MAX_GATEWAYS);
	if (n < 0)
		return -n;
	if (strlen(spec) >= sizeof(p->gw_spec))
		return EINVAL;
	memcpy(p->gw, gw, sizeof(gw[0]) * (size_t)n);
	p->ngw = n;
	p->gw_cur = 0;
	snprintf(p->gw_spec, sizeof(p->gw_spec), "%s", spec);
	return 0;
}

struct sfs_pool *sfs_pool_create(const struct sfs_pool_cfg *cfg, const char *gateways)
{
	unsigned n = cfg->connections ? cfg->connections : 1;
	if (n > SFS_POOL_MAX_CONNECTIONS)
		n = SFS_POOL_MAX_CONNECTIONS;
	struct sfs_pool *p = calloc(1, sizeof(*p) + n * sizeof(struct sfs_conn));
	if (p == NULL)
		return NULL;
	p->cfg = *cfg;
	if (p->cfg.connect_timeout_ms == 0)
		p->cfg.connect_timeout_ms = 3000;
	if (p->cfg.max_attempts == 0)
		p->cfg.max_attempts = 3;
	if (p->cfg.retry_base_ms == 0)
		p->cfg.retry_base_ms = 100;
	if (p->cfg.connect_retries > 8)
		p->cfg.connect_retries = 8;
	pthread_mutex_init(&p->gw_mu, NULL);
	p->cork_key_ok = pthread_key_create(&p->cork_key, NULL) == 0;
	int e = set_gateways_locked(p, gateways);
	if (e) {
		if (p->cork_key_ok)
			pthread_key_delete(p->cork_key);
		pthread_mutex_destroy(&p->gw_mu);
		free(p);
		errno = e;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sfs_conn *c = &p->conn[i];
		c->pool = p;
		c->fd = -1;
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->send_done, NULL);
		c->nfree = SLOTS;
		for (unsigned s = 0; s < SLOTS; s++)
			c->free_slots[s] = (uint16_t)(SLOTS - 1 - s);
		c->rb = malloc(RBUF_SIZE);
		c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		c->ep = epoll_create1(EPOLL_CLOEXEC);
		for (unsigned w = 0; w < W_COUNT; w++)
			c->w_fd[w] = -1;
		if (c->rb == NULL || c->evfd < 0 || c->ep < 0 || pthread_create(&c->thread, NULL, conn_thread, c) != 0) {
			free(c->rb);
			if (c->evfd >= 0)
				close(c->evfd);
			if (c->ep >= 0)
				close(c->ep);
			p->nconn = i;
			sfs_pool_destroy(p);
			errno = ENOMEM;
			return NULL;
		}
		p->nconn = i + 1;
	}
	return p;
}

void sfs_pool_shutdown(struct sfs_pool *p)
{
	if (p == NULL || p->shut)
		return;
	p->shut = true;
	for (unsigned i = 0; i < p->nconn; i++) {
		struct sfs_conn *c = &p->conn[i];
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_mutex_unlock(&c->mu);
		wake(c);
		pthread_join(c->thread, NULL);
		/* anything still pending is failed, so that no caller waits forever */
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		conn_fail_all(c, ESHUTDOWN);
	}
}

void sfs_pool_destroy(struct sfs_pool *p)
{
	if (p == NULL)
		return;
	sfs_pool_shutdown(p);
	for (unsigned i = 0; i < p->nconn; i++) {
		struct sfs_conn *c = &p->conn[i];
		close(c->evfd);
		close(c->ep);
		free(c->rb);
		pthread_cond_destroy(&c->send_done);
		pthread_mutex_destroy(&c->mu);
	}
	if (p->cork_key_ok)
		pthread_key_delete(p->cork_key);
	pthread_mutex_destroy(&p->gw_mu);
	free(p);
}

int sfs_pool_set_gateways(struct sfs_pool *p, const char *gateways)
{
	pthread_mutex_lock(&p->gw_mu);
	int e = set_gateways_locked(p, gateways);
	pthread_mutex_unlock(&p->gw_mu);
	if (e)
		return e;
	for (unsigned i = 0; i < p->nconn; i++) {
		struct sfs_conn *c = &p->conn[i];
		pthread_mutex_lock(&c->mu);
		if (c->fd >= 0)
			c->reset = true;
		pthread_mutex_unlock(&c->mu);
		wake(c);
	}
	return 0;
}

unsigned sfs_pool_connections(const struct sfs_pool *p)
{
	return p->nconn;
}

void sfs_pool_set_source(struct sfs_pool *p, const struct sfs_pool_source *src)
{
	atomic_store_explicit(&p->src, src, memory_order_release);
	for (unsigned i = 0; i < p->nconn; i++)
		wake(&p->conn[i]);
}

void sfs_pool_kick(struct sfs_pool *p, unsigned conn)
{
	if (conn < p->nconn)
		wake(&p->conn[conn]);
}

void sfs_pool_gateways(struct sfs_pool *p, char *buf, size_t len)
{
	pthread_mutex_lock(&p->gw_mu);
	snprintf(buf, len, "%s", p->gw_spec);
	pthread_mutex_unlock(&p->gw_mu);
}

struct sync_call {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void sync_done(struct sfs_io *io)
{
	struct sync_call *sc = io->arg;
	pthread_mutex_lock(&sc->mu);
	sc->done = true;
	pthread_cond_signal(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
}

int sfs_pool_call(struct sfs_pool *p, struct sfs_io *io)
{
	struct sync_call sc = { .done = false };
	pthread_mutex_init(&sc.mu, NULL);
	pthread_cond_init(&sc.cv, NULL);
	io->done = sync_done;
	io->arg = &sc;
	sfs_pool_uncork(p); /* about to wait: nothing of this thread may stay unsent */
	sfs_pool_submit(p, io);
	pthread_mutex_lock(&sc.mu);
	while (!sc.done)
		pthread_cond_wait(&sc.cv, &sc.mu);
	pthread_mutex_unlock(&sc.mu);
	pthread_cond_destroy(&sc.cv);
	pthread_mutex_destroy(&sc.mu);
	return io->err;
}

void sfs_pool_stats(struct sfs_pool *p, struct sfs_pool_stats *out)
{
	out->requests = atomic_load(&p->requests);
	out->sends = atomic_load(&p->sends);
	out->resent = atomic_load(&p->resent);
	out->failed = atomic_load(&p->failed);
	out->reconnects = atomic_load(&p->reconnects);
	out->connect_failures = atomic_load(&p->connect_failures);
	out->malformed = atomic_load(&p->malformed);
	out->timeouts = atomic_load(&p->timeouts);
	long long f = atomic_load(&p->inflight);
	out->inflight = f > 0 ? (uint64_t)f : 0;
}
