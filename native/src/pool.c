/* Pipelined socket pool: see pool.h for the contract, pool_internal.h for its parts. This part:
 * the public API and the pool's life cycle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pool_internal.h"

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
		if (c->rb == NULL || c->evfd < 0 || c->ep < 0 ||
		    pthread_create(&c->thread, NULL, pool_conn_thread, c) != 0) {
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
		pool_wake(c);
		pthread_join(c->thread, NULL);
		/* anything still pending is failed, so that no caller waits forever */
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		pool_conn_fail_all(c, ESHUTDOWN);
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
		pool_wake(c);
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
		pool_wake(&p->conn[i]);
}

void sfs_pool_kick(struct sfs_pool *p, unsigned conn)
{
	if (conn < p->nconn)
		pool_wake(&p->conn[conn]);
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
