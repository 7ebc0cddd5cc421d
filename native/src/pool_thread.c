/* Socket pool: a connection's I/O thread. It waits (epoll) on its event fd, its source's fd and
 * its socket; connects when there is work and the connection is down, reads answers, serves the
 * source, sends once a full socket is writable, and resets on errors and timeouts. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "affinity.h"
#include "pool_internal.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

void pool_wake(struct sfs_conn *c)
{
	uint64_t one = 1;
	ssize_t r = write(c->evfd, &one, sizeof(one));
	(void)r; /* EAGAIN only when the counter is already non-zero: the thread wakes anyway */
}

/* Makes slot watch fd (-1: nothing) for events. False if the kernel refused (no memory): the
 * caller then waits with a timeout, and the next round tries again. */
bool pool_watch(struct sfs_conn *c, unsigned slot, int fd, uint32_t events)
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

static void batch_begin(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	if (s && s->batch_begin)
		s->batch_begin(s->arg, pool_conn_index(c));
}

static void batch_end(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	if (s && s->batch_end)
		s->batch_end(s->arg, pool_conn_index(c));
}

void pool_serve_source(struct sfs_conn *c, const struct sfs_pool_source *src)
{
	batch_begin(c, src);
	src->serve(src->arg, pool_conn_index(c));
	batch_end(c, src);
}

void *pool_conn_thread(void *arg)
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
	bool timeouts = p->cfg.request_timeout_ms || p->cfg.io_timeout_ms;
	bool polled = true; /* the last round polled (see skip_poll) */
	for (;;) {
		pthread_mutex_lock(&c->mu);
		bool stop = c->stop, down = c->fd < 0, work = pool_conn_has_work(c);
		bool reset = c->broken || c->reset, count_attempt = c->broken && !p->cfg.io_timeout_ms;
		int fd = c->fd;
		short ev = POLLIN | (c->want_out ? POLLOUT : 0);
		pthread_mutex_unlock(&c->mu);
		if (stop)
			break;
		if (reset && !down) {
			pool_conn_reset(c, count_attempt);
			continue;
		}
		if (down && work) {
			if (pool_conn_connect(c)) {
				retry = 0;
			} else if (p->cfg.io_timeout_ms) {
				/* time bounds the requests: they wait (with backoff) until the gateways
				 * are back or their io timeout is up */
				pool_sleep_unless_stopped(c, pool_backoff_ms(p, retry));
				retry++;
				pool_conn_reset(c, false); /* fails the slotted ones that expired */
				pool_expire_queued(c);
			} else if (retry < p->cfg.connect_retries) {
				/* a gateway restarting: wait before the next round (new submissions don't
				 * shorten the wait, only stop does) */
				pool_sleep_unless_stopped(c, p->cfg.retry_base_ms << retry);
				retry++;
			} else {
				retry = 0;
				pool_conn_fail_all(c, EIO);
			}
			continue;
		}
		const struct sfs_pool_source *src = pool_source(c);
		int sfd = pool_serve_fd(c, src);
		bool watched = pool_watch(c, W_EVENT, c->evfd, EPOLLIN) &
			       pool_watch(c, W_SOURCE, sfd, EPOLLIN) &
			       pool_watch(c, W_SOCKET, down ? -1 : fd, (uint32_t)ev);
		short rev[W_COUNT];
		/* Work the source already shows is served without polling first when the socket owes
		 * no answer: at one request in flight the next FUSE request is there as the last answer
		 * is committed, so this saves a system call per request. Only every other round, so
		 * the event fd still gets polled while the source stays busy. */
		bool skip_poll = polled && !work && sfd >= 0 && src->ready &&
				 src->ready(src->arg, pool_conn_index(c));
		polled = !skip_poll;
		if (skip_poll) {
			rev[W_EVENT] = 0;
			rev[W_SOURCE] = POLLIN;
			rev[W_SOCKET] = 0;
		} else if (wait_watched(c, !watched ? 10 : timeouts ? (work ? 250 : 1000) : -1, rev) < 0) {
			continue;
		}
		/* Checked whatever woke the thread (but answers waiting are read first): submitters send
		 * by themselves, so an idle thread learns of a new request only by this scan, and a
		 * silent socket never wakes it. */
		if (!down && timeouts && !(rev[W_SOCKET] & POLLIN) && pool_timed_out(c)) {
			/* a gateway that stopped answering: resend elsewhere after a backoff, or fail */
			int from = c->gw_idx;
			pool_conn_reset(c, !p->cfg.io_timeout_ms);
			pool_next_gateway(p, from);
			pool_sleep_unless_stopped(c, c->strikes ? pool_backoff_ms(p, c->strikes - 1) : 0);
			c->strikes++;
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
			src->serve(src->arg, pool_conn_index(c));
		bool ok = !readable || pool_conn_read(c, fd);
		batch_end(c, src);
		if (!ok) {
			pool_conn_reset(c, true);
			continue;
		}
		if (!down && (rev[W_SOCKET] & POLLOUT)) {
			pthread_mutex_lock(&c->mu);
			c->want_out = false;
			bool send = pool_claim_sender(c);
			pthread_mutex_unlock(&c->mu);
			if (send)
				pool_send_loop(c);
		}
	}
	return NULL;
}
