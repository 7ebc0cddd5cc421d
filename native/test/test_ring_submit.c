/* Several threads publish no-op entries on one ring and submit them with sfs_ring_submit, as the
 * I/O threads commit FUSE replies: a thread that finds another submitting leaves its entries to
 * it. Checks that no published entry is left behind (each one completes, none stays unsubmitted
 * once every thread has returned) and that the hand-over did happen. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring_submit.h"
#include "test_require.h"

#define THREADS 4
#define PER_THREAD 50000
#define MAX_UNREAPED 1024 /* keeps the completion queue from overflowing */

static struct {
	struct io_uring ring;
	struct sfs_ring_submit submit;
	pthread_mutex_t mu; /* guards io_uring_get_sqe and publishing, as a queue's lock does */
	atomic_uint published, reaped, left_to_another;
	atomic_bool producers_done;
} t;

static void *producer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < PER_THREAD; i++) {
		while (atomic_load(&t.published) - atomic_load(&t.reaped) > MAX_UNREAPED)
			sched_yield();
		pthread_mutex_lock(&t.mu);
		struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);
		if (sqe == NULL) { /* the ring is full of published entries: someone submits them */
			pthread_mutex_unlock(&t.mu);
			i--;
			CHECK(sfs_ring_submit(&t.submit, &t.ring) == 0);
			continue;
		}
		io_uring_prep_nop(sqe);
		CHECK(sfs_ring_publish(&t.ring) == 1);
		atomic_fetch_add(&t.published, 1);
		pthread_mutex_unlock(&t.mu);
		if (atomic_load(&t.submit.busy))
			atomic_fetch_add(&t.left_to_another, 1); /* likely handed over (a hint, not a proof) */
		CHECK(sfs_ring_submit(&t.submit, &t.ring) == 0);
	}
	return NULL;
}

/* Reaps completions until every published entry has one; fails after 30 s without progress
 * (an entry left unsubmitted never completes: nobody calls the kernel for it again). */
static void *reaper(void *arg)
{
	(void)arg;
	unsigned last = 0;
	time_t since = time(NULL);
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		io_uring_for_each_cqe(&t.ring, head, cqe)
		{
			CHECK(cqe->res == 0);
			n++;
		}
		io_uring_cq_advance(&t.ring, n);
		unsigned r = atomic_fetch_add(&t.reaped, n) + n;
		if (atomic_load(&t.producers_done) && r == THREADS * PER_THREAD)
			return NULL;
		if (r != last) {
			last = r;
			since = time(NULL);
		} else if (time(NULL) - since > 30) {
			fprintf(stderr, "an entry was left behind: no completion for 30 s, %u of %u reaped, %u unsubmitted\n",
				r, (unsigned)THREADS * PER_THREAD, sfs_ring_unsubmitted(&t.ring));
			exit(1);
		}
		if (n == 0)
			sched_yield();
	}
}

/* Rounds of a race: each thread publishes one entry at the same moment and submits it; once all
 * have returned, nothing may be left unsubmitted (an entry left to a thread that gave the ring
 * up without looking again would stay there, the caller's request with it). */
#define RACE_THREADS 3
#define RACE_ROUNDS 100000
static pthread_barrier_t go, done;
static unsigned stranded;

static void race_once(void)
{
	pthread_mutex_lock(&t.mu);
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);
	CHECK(sqe != NULL); /* the ring is empty at the start of a round */
	io_uring_prep_nop(sqe);
	sfs_ring_publish(&t.ring);
	pthread_mutex_unlock(&t.mu);
	CHECK(sfs_ring_submit(&t.submit, &t.ring) == 0);
}

static void *racer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		pthread_barrier_wait(&go);
		race_once();
		pthread_barrier_wait(&done);
	}
	return NULL;
}

static void race_rounds(void)
{
	pthread_barrier_init(&go, NULL, RACE_THREADS);
	pthread_barrier_init(&done, NULL, RACE_THREADS);
	pthread_t th[RACE_THREADS - 1];
	for (unsigned i = 0; i < RACE_THREADS - 1; i++)
		CHECK(pthread_create(&th[i], NULL, racer, NULL) == 0);
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		pthread_barrier_wait(&go);
		race_once();
		pthread_barrier_wait(&done);
		/* the others wait at the next round's start: nobody publishes or submits now */
		if (sfs_ring_unsubmitted(&t.ring) > 0) {
			stranded++;
			io_uring_submit(&t.ring); /* hand them over, so that the next round starts empty */
		}
		struct io_uring_cqe *cqe;
		for (unsigned got = 0; got < RACE_THREADS; got++) { /* a no-op completes when submitted */
			CHECK(io_uring_wait_cqe(&t.ring, &cqe) == 0);
			io_uring_cqe_seen(&t.ring, cqe);
		}
	}
	for (unsigned i = 0; i < RACE_THREADS - 1; i++)
		pthread_join(th[i], NULL);
	printf("ring_submit: %u racing rounds of %u threads, %u left an entry unsubmitted\n", RACE_ROUNDS,
	       RACE_THREADS, stranded);
	CHECK(stranded == 0);
}

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 4 * MAX_UNREAPED;
	int r = io_uring_queue_init_params(64, &t.ring, &p);
	if (r == -ENOSYS || r == -EPERM) {
		fprintf(stderr, "ring_submit: io_uring is not available here (%s)\n", strerror(-r));
		return 1;
	}
	CHECK(r == 0);
	pthread_mutex_init(&t.mu, NULL);
	race_rounds();
	pthread_t th[THREADS], rp;
	CHECK(pthread_create(&rp, NULL, reaper, NULL) == 0);
	for (unsigned i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, producer, NULL) == 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	/* every thread has returned: what is published must be in the kernel's hands already */
	CHECK(sfs_ring_unsubmitted(&t.ring) == 0);
	atomic_store(&t.producers_done, true);
	pthread_join(rp, NULL);
	CHECK(atomic_load(&t.reaped) == THREADS * PER_THREAD);
	printf("ring_submit: %u entries from %u threads, all submitted; about %u found the ring taken\n",
	       THREADS * PER_THREAD, THREADS, atomic_load(&t.left_to_another));
	CHECK(atomic_load(&t.left_to_another) > 0);
	io_uring_queue_exit(&t.ring);
	return 0;
}
