/* Recycled I/O buffers: see bufpool.h. */
#include "bufpool.h"

#include <pthread.h>
#include <stdlib.h>

struct freebuf {
	struct freebuf *next; /* kept in the idle buffer itself */
};

struct sfs_bufpool {
	pthread_mutex_t mu;
	size_t bufsize;
	unsigned max_free, nfree;
	struct freebuf *free;
};

struct sfs_bufpool *sfs_bufpool_create(size_t bufsize, unsigned max_free)
{
	struct sfs_bufpool *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	p->bufsize = bufsize < sizeof(struct freebuf) ? sizeof(struct freebuf) : bufsize;
	p->max_free = max_free;
	return p;
}

void sfs_bufpool_destroy(struct sfs_bufpool *p)
{
	if (p == NULL)
		return;
	while (p->free) {
		struct freebuf *f = p->free;
		p->free = f->next;
		free(f);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
}

size_t sfs_bufpool_bufsize(const struct sfs_bufpool *p)
{
	return p->bufsize;
}

void *sfs_buf_get(struct sfs_bufpool *p)
{
	pthread_mutex_lock(&p->mu);
	struct freebuf *f = p->free;
	if (f) {
		p->free = f->next;
		p->nfree--;
	}
	pthread_mutex_unlock(&p->mu);
	/* page-aligned: the kernel copies whole pages into it */
	return f ? (void *)f : aligned_alloc(4096, (p->bufsize + 4095) & ~(size_t)4095);
}

void sfs_buf_put(struct sfs_bufpool *p, void *buf)
{
	if (buf == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->nfree < p->max_free) {
		struct freebuf *f = buf;
		f->next = p->free;
		p->free = f;
		p->nfree++;
		buf = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	free(buf);
}
