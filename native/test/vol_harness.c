/* The volume engine's test harness: see vol_harness.h. */
#define _GNU_SOURCE
#include "vol_harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

void env_start(struct env *e, unsigned conns, int piece)
{
	memset(e, 0, sizeof(*e));
	e->fs = fake_sheep_start();
	CHECK(e->fs != NULL);
	/* no request timeout: answers held by the fake sheep must not be sent again */
	struct sfs_pool_cfg pc = { .connections = conns, .connect_timeout_ms = 1000, .max_attempts = 3,
				   .connect_retries = 1, .retry_base_ms = 10 };
	e->pool = sfs_pool_create(&pc, fake_sheep_gateway(e->fs));
	CHECK(e->pool != NULL);
	if (piece > 0) {
		sfs_tuner_init(&e->tuner, piece);
		e->tuned = true;
		e->cfg.pieces = &e->tuner;
	}
}

void env_stop(struct env *e)
{
	for (int i = 0; i < 10000 && atomic_load(&e->st.reload_threads) > 0; i++)
		sleep_ms(1);
	CHECK(atomic_load(&e->st.reload_threads) == 0);
	CHECK(fake_sheep_held(e->fs) == 0); /* a test that holds answers releases them */
	sfs_pool_destroy(e->pool);
	fake_sheep_stop(e->fs);
	if (e->tuned)
		sfs_tuner_destroy(&e->tuner);
}

struct sfs_vol *vol_open(struct env *e, const char *name, uint32_t vid)
{
	struct sfs_vol *v = NULL;
	int err = sfs_vol_open(e->pool, &e->st, &e->cfg, name, vid, &v);
	if (err)
		fprintf(stderr, "sfs_vol_open(%s, %#x): %s\n", name, vid, strerror(err));
	CHECK(err == 0 && v != NULL);
	return v;
}

static void op_init(struct op *o)
{
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
}

static void op_done(struct sfs_vreq *r, int err)
{
	struct op *o = r->arg;
	uint32_t len = r->len;
	sfs_vreq_free(r); /* before the waiter may go on and tear down */
	pthread_mutex_lock(&o->mu);
	o->done = true;
	o->err = err;
	o->len = len;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void op_write(struct sfs_vol *v, struct op *o, uint64_t off, const void *data, size_t len)
{
	op_init(o);
	CHECK(sfs_vol_io(v, true, off, len, data, NULL, op_done, o) == 0);
}

void op_read(struct sfs_vol *v, struct op *o, uint64_t off, void *buf, size_t len)
{
	op_init(o);
	CHECK(sfs_vol_io_in(v, false, off, len, buf, op_done, o) == 0);
}

bool op_wait(struct op *o, unsigned ms)
{
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->mu);
	while (!o->done && pthread_cond_timedwait(&o->cv, &o->mu, &end) != ETIMEDOUT)
		;
	bool done = o->done;
	pthread_mutex_unlock(&o->mu);
	return done;
}

int op_end(struct op *o)
{
	CHECK(op_wait(o, 10000));
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	return o->err;
}

int vwrite(struct sfs_vol *v, uint64_t off, const void *data, size_t len)
{
	struct op o;
	op_write(v, &o, off, data, len);
	return op_end(&o);
}

int vread(struct sfs_vol *v, uint64_t off, void *buf, size_t len)
{
	struct op o;
	op_read(v, &o, off, buf, len);
	return op_end(&o);
}

void fill(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x | 1); /* never 0: a hole is told apart from data */
	}
}

uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *b = malloc(len);
	CHECK(b != NULL);
	fill(b, len, seed);
	return b;
}

bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

void expect_read(struct sfs_vol *v, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);
	CHECK(got != NULL);
	memset(got, 0xee, len);
	CHECK_EQ(vread(v, off, got, len), 0);
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i]) {
			fprintf(stderr, "byte %zu of the read at %llu: %#x, expected %#x\n", i,
				(unsigned long long)off, got[i], want[i]);
			exit(1);
		}
	free(got);
}

void expect_zeros(struct sfs_vol *v, uint64_t off, size_t len)
{
	uint8_t *z = calloc(1, len);
	CHECK(z != NULL);
	expect_read(v, off, z, len);
	free(z);
}

void await_count(atomic_ullong *counter, unsigned long long n)
{
	for (int i = 0; i < 10000 && atomic_load(counter) < n; i++)
		sleep_ms(1);
	CHECK(atomic_load(counter) >= n);
}
