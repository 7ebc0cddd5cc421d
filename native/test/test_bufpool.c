/* The request buffer pool: buffers are recycled (LIFO: the warmest first), the number kept idle
 * is bounded, every buffer is big enough and page-aligned, and concurrent users never share one. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bufpool.h"

#include "test_require.h"

#define SIZE ((1u << 20) + 4096)

static void test_recycles_and_bounds(void)
{
	struct sfs_bufpool *p = sfs_bufpool_create(SIZE, 2);
	CHECK(p != NULL && sfs_bufpool_bufsize(p) == SIZE);
	void *a = sfs_buf_get(p), *b = sfs_buf_get(p), *c = sfs_buf_get(p);
	CHECK(a && b && c && a != b && b != c && a != c);
	CHECK(((uintptr_t)a & 4095) == 0 && ((uintptr_t)c & 4095) == 0);
	memset(a, 1, SIZE); /* the whole size is usable (ASan checks) */
	sfs_buf_put(p, a);
	sfs_buf_put(p, b);
	sfs_buf_put(p, c); /* a third idle buffer is over the bound: freed (ASan: no leak either way) */
	CHECK(sfs_buf_get(p) == b); /* last in, first out */
	CHECK(sfs_buf_get(p) == a);
	void *d = sfs_buf_get(p); /* nothing idle: a new one */
	CHECK(d != NULL && d != a && d != b);
	sfs_buf_put(p, a);
	sfs_buf_put(p, b);
	sfs_buf_put(p, d);
	sfs_buf_put(p, NULL); /* harmless */
	sfs_bufpool_destroy(p);
}

struct worker {
	struct sfs_bufpool *p;
	unsigned char tag;
	int bad;
};

static void *churn(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 2000; i++) {
		unsigned char *b = sfs_buf_get(w->p);
		if (b == NULL) {
			w->bad++;
			continue;
		}
		b[0] = b[SIZE / 2] = b[SIZE - 1] = w->tag;
		for (volatile int k = 0; k < 50; k++)
			;
		if (b[0] != w->tag || b[SIZE / 2] != w->tag || b[SIZE - 1] != w->tag)
			w->bad++; /* another thread wrote into our buffer */
		sfs_buf_put(w->p, b);
	}
	return NULL;
}

static void test_threads_never_share(void)
{
	struct sfs_bufpool *p = sfs_bufpool_create(SIZE, 3);
	pthread_t th[6];
	struct worker w[6];
	for (int i = 0; i < 6; i++) {
		w[i] = (struct worker){ .p = p, .tag = (unsigned char)(i + 1) };
		CHECK(pthread_create(&th[i], NULL, churn, &w[i]) == 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].bad == 0);
	}
	sfs_bufpool_destroy(p);
}

int main(void)
{
	test_recycles_and_bounds();
	test_threads_never_share();
	puts("bufpool: ok");
	return 0;
}
