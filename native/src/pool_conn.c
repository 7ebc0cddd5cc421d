/* Socket pool: a connection's link to the gateways. Connecting (to the next gateway when the
 * current one refuses), resetting a connection and resending what it had in flight, failing what
 * cannot be sent, and the request timeout that resets a connection whose gateway went silent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pool_internal.h"

/*
 * Drops the connection and queues everything it had for resending (a new attempt: its request
 * timeout starts again); requests that used up their attempts, or outlived the io timeout, are
 * completed with EIO. I/O thread only.
 */
void pool_conn_reset(struct sfs_conn *c, bool count_attempt)
{
	struct sfs_pool *p = c->pool;
	struct sfs_io *fail_head = NULL, *fail_tail = NULL;
	pthread_mutex_lock(&c->mu);
	while (c->sending)
		pthread_cond_wait(&c->send_done, &c->mu);
	if (c->fd >= 0) {
		pool_watch(c, W_SOCKET, -1, 0); /* before close: a new socket may get the same number */
		close(c->fd);
		c->fd = -1;
		atomic_fetch_add_explicit(&p->reconnects, 1, memory_order_relaxed);
	}
	c->broken = false;
	c->want_out = false;
	c->reset = false;
	c->sq_head = c->sq_tail = NULL;
	uint64_t now = pool_now_ms();
	for (unsigned s = 0; s < SLOTS; s++) {
		struct sfs_io *io = c->slots[s];
		if (io == NULL)
			continue;
		io->sent = 0;
		io->t_start = now;
		if (p->cfg.io_timeout_ms ? pool_io_expired(p, io, now) :
		    count_attempt && ++io->attempts >= p->cfg.max_attempts) {
			pool_slot_free(c, (uint16_t)s);
			pool_release(c, io);
			io->err = EIO;
			pool_q_push(&fail_head, &fail_tail, io);
		} else {
			atomic_fetch_add_explicit(&p->resent, 1, memory_order_relaxed);
			pool_q_push(&c->sq_head, &c->sq_tail, io);
		}
	}
	pool_pump(c);
	pthread_mutex_unlock(&c->mu);
	c->rb_pos = c->rb_len = 0;
	c->rcur = NULL;
	c->rneed = c->rgot = 0;
	c->rdiscard = false;
	struct sfs_io *io;
	while ((io = pool_q_pop(&fail_head, &fail_tail)) != NULL)
		pool_complete(p, io);
}

/* Moves what outlived the io timeout from queue (head, tail) onto the fail list. With c->mu held. */
static void expire_from(struct sfs_pool *p, struct sfs_io **head, struct sfs_io **tail, uint64_t now,
			    struct sfs_io **fh, struct sfs_io **ft)
{
	struct sfs_io *keep_h = NULL, *keep_t = NULL, *io;
	while ((io = pool_q_pop(head, tail)) != NULL) {
		if (pool_io_expired(p, io, now)) {
			io->err = EIO;
			pool_q_push(fh, ft, io);
		} else {
			pool_q_push(&keep_h, &keep_t, io);
		}
	}
	*head = keep_h;
	*tail = keep_t;
}

/* Fails (EIO) the requests waiting for a slot or their lane that outlived the io timeout: a
 * connection that is down, or whose slots stay taken, does not keep them past it. */
void pool_expire_queued(struct sfs_conn *c)
{
	struct sfs_pool *p = c->pool;
	if (!p->cfg.io_timeout_ms)
		return;
	struct sfs_io *fh = NULL, *ft = NULL, *io;
	uint64_t now = pool_now_ms();
	pthread_mutex_lock(&c->mu);
	expire_from(p, &c->wq_head, &c->wq_tail, now, &fh, &ft);
	for (io = fh; io; io = io->next)
		pool_release(c, io); /* out of their lane already: give the place back */
	for (unsigned l = 0; l < SFS_POOL_LANES; l++)
		expire_from(p, &c->lq_head[l], &c->lq_tail[l], now, &fh, &ft);
	if (fh)
		pool_pump(c);
	pthread_mutex_unlock(&c->mu);
	while ((io = pool_q_pop(&fh, &ft)) != NULL)
		pool_complete(p, io);
}

/* After a timeout: the connections try the next gateway first (a silent one is left). Only a
 * connection to the current gateway moves it on: two connections timing out on the same silent
 * gateway must not move it twice, back onto the silent one when there are two. */
void pool_next_gateway(struct sfs_pool *p, int from)
{
	pthread_mutex_lock(&p->gw_mu);
	if (p->ngw > 1 && p->gw_cur == from)
		p->gw_cur = (p->gw_cur + 1) % p->ngw;
	pthread_mutex_unlock(&p->gw_mu);
}

/* Fails everything queued on a connection that could not be (re)established. */
void pool_conn_fail_all(struct sfs_conn *c, int err)
{
	struct sfs_io *fail_head = NULL, *fail_tail = NULL, *io;
	pthread_mutex_lock(&c->mu);
	for (unsigned s = 0; s < SLOTS; s++) {
		if (c->slots[s]) {
			c->slots[s]->err = err;
			pool_q_push(&fail_head, &fail_tail, c->slots[s]);
			pool_slot_free(c, (uint16_t)s);
		}
	}
	while ((io = pool_q_pop(&c->wq_head, &c->wq_tail)) != NULL) {
		io->err = err;
		pool_q_push(&fail_head, &fail_tail, io);
	}
	for (unsigned l = 0; l < SFS_POOL_LANES; l++) {
		while ((io = pool_q_pop(&c->lq_head[l], &c->lq_tail[l])) != NULL) {
			io->err = err;
			pool_q_push(&fail_head, &fail_tail, io);
		}
		c->lane_busy[l] = 0;
	}
	c->sq_head = c->sq_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	while ((io = pool_q_pop(&fail_head, &fail_tail)) != NULL)
		pool_complete(c->pool, io);
}

/* Polls fd (-1: none) for events up to ms, serving the source meanwhile: what it has is not left
 * unread while this thread waits to connect again. Returns fd's revents, 0 when the time is up. */
static short poll_serving(struct sfs_conn *c, int fd, short events, unsigned ms)
{
	uint64_t end = pool_now_ms() + ms;
	for (;;) {
		uint64_t t = pool_now_ms();
		if (t >= end)
			return 0;
		const struct sfs_pool_source *src = pool_source(c);
		int sfd = pool_serve_fd(c, src);
		struct pollfd w[2] = { { .fd = fd, .events = events }, { .fd = sfd, .events = POLLIN } };
		int n = poll(w, 2, (int)(end - t));
		if (n < 0 && errno != EINTR)
			return POLLERR;
		if (n <= 0)
			continue;
		if (sfd >= 0 && (w[1].revents & POLLIN))
			pool_serve_source(c, src);
		if (w[0].revents)
			return w[0].revents;
	}
}

/* Waits ms (a gateway restarting) unless the pool stops. */
void pool_sleep_unless_stopped(struct sfs_conn *c, unsigned ms)
{
	uint64_t end = pool_now_ms() + ms;
	for (;;) {
		uint64_t t = pool_now_ms();
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
		/* a dead peer or link is noticed by the kernel too: unacknowledged data for the request
		 * timeout, or an idle link whose keepalive probes go unanswered for about 20 s */
		int idle = 10, intvl = 5, cnt = 2;
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		unsigned ut = c->pool->cfg.request_timeout_ms;
		if (ut)
			setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
	} else {
		errno = why;
	}
	return fd;
}

/* Connects to the current gateway, or the next ones in turn. */
bool pool_conn_connect(struct sfs_conn *c)
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
			c->gw_idx = i;
			/* the request timeout counts from here: waiting for a connection is no silence */
			uint64_t now = pool_now_ms();
			for (unsigned s = 0; s < SLOTS; s++)
				if (c->slots[s])
					c->slots[s]->t_start = now;
			bool send = pool_claim_sender(c);
			pthread_mutex_unlock(&c->mu);
			if (send)
				pool_send_loop(c);
			return true;
		}
	}
	atomic_fetch_add_explicit(&p->connect_failures, 1, memory_order_relaxed);
	fprintf(stderr, "sheepfs: cannot connect to any gateway (%s:%s first): %s\n",
		n > 0 ? gw[start].host : "?", n > 0 ? gw[start].port : "?", strerror(why));
	return false;
}

/* True if a request on c has waited longer than the request timeout, or outlived the io timeout
 * (checked about every 250 ms): the connection is then reset. Fails the queued requests that
 * outlived the io timeout. */
bool pool_timed_out(struct sfs_conn *c)
{
	struct sfs_pool *p = c->pool;
	uint64_t now = pool_now_ms();
	if (now - c->last_scan < 250)
		return false;
	c->last_scan = now;
	pool_expire_queued(c);
	uint64_t oldest = now;
	uint32_t id = 0;
	bool expired = false;
	pthread_mutex_lock(&c->mu);
	for (unsigned s = 0; s < SLOTS; s++) {
		if (c->slots[s] && c->slots[s]->t_start < oldest) {
			oldest = c->slots[s]->t_start;
			id = sd_le32(c->slots[s]->hdr + 8);
		}
		expired |= c->slots[s] && pool_io_expired(p, c->slots[s], now);
	}
	pthread_mutex_unlock(&c->mu);
	if (!expired && (!p->cfg.request_timeout_ms || now - oldest <= p->cfg.request_timeout_ms))
		return false;
	atomic_fetch_add_explicit(&p->timeouts, 1, memory_order_relaxed);
	fprintf(stderr, "sheepfs: request %#x got no answer for %llu ms: reconnecting\n", id,
		(unsigned long long)(now - oldest));
	return true;
}
