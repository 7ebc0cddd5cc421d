/* Socket pool tests: a source the I/O threads serve beside their sockets (what FUSE over io_uring
 * uses), while requests are answered, while a gateway is down or its handshake never comes, and
 * one whose work never runs out. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pool_harness.h"
#include "sd_proto.h"

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

void test_source(void)
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
			CHECK(s.bufs[i][k] == peer_pattern(sd_data_oid(0x77, (uint32_t)i), 0, k));
	}
	CHECK(atomic_load(&s.outside_batch) == 0 && atomic_load(&s.wrong_thread) == 0);
	/* the last completion is signalled inside its batch: the batch ends just after */
	for (int i = 0; i < 5000 && (atomic_load(&s.depth[0]) != 0 || atomic_load(&s.depth[1]) != 0); i++)
		usleep(1000);
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

void test_source_always_ready(void)
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
			CHECK(bufs[i][k] == peer_pattern(sd_data_oid(0x99, (uint32_t)i), 0, k));
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
