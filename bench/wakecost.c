/* What a sleep and a wake-up cost on this machine: two threads pass an eventfd token back and
 * forth, first on two CPUs, then both on one. A FUSE client at one request in flight sleeps twice
 * per request (for the kernel's request and for sheep's answer), the raw tool once: this is the
 * price of each sleep, which bench/run prints beside its table.
 * Output: one line, "wakecost across_us=X one_cpu_us=Y" (CPU microseconds per round trip, both
 * threads together; a CPU that cannot be pinned gives "-"). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 100000

struct pair {
	int ping, pong; /* eventfds: main to peer, peer to main */
	int cpu;        /* the peer's CPU */
	bool pinned;    /* the peer runs there (else the figure is not reported) */
};

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *peer(void *arg)
{
	struct pair *p = arg;
	uint64_t v;
	p->pinned = pin(p->cpu) == 0; /* even unpinned it answers: the main thread waits for it */
	for (int i = 0; i < ROUNDS; i++) {
		if (read(p->ping, &v, sizeof(v)) != sizeof(v))
			return NULL;
		v = 1;
		if (write(p->pong, &v, sizeof(v)) != sizeof(v))
			return NULL;
	}
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* CPU microseconds per round trip with the main thread on cpu a and the peer on cpu b; < 0 when
 * the threads cannot be placed so. */
static double round_trip(int a, int b)
{
	struct pair p = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC), b, false };
	double us = -1;
	pthread_t th;
	if (p.ping < 0 || p.pong < 0 || pin(a) != 0 || pthread_create(&th, NULL, peer, &p) != 0)
		goto out;
	double c0 = cpu_seconds();
	uint64_t v = 1;
	int i;
	for (i = 0; i < ROUNDS; i++) {
		v = 1;
		if (write(p.ping, &v, sizeof(v)) != sizeof(v) || read(p.pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	double c1 = cpu_seconds();
	bool done = i == ROUNDS;
	for (v = 1; i < ROUNDS; i++) /* an eventfd failed: wake the peer until it is done */
		if (write(p.ping, &v, sizeof(v)) != sizeof(v))
			break;
	pthread_join(th, NULL);
	if (done && p.pinned)
		us = (c1 - c0) / ROUNDS * 1e6;
out:
	if (p.ping >= 0)
		close(p.ping);
	if (p.pong >= 0)
		close(p.pong);
	return us;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double across = cpus > 1 ? round_trip(0, 1) : -1, one = round_trip(0, 0);
	printf("wakecost");
	if (across >= 0)
		printf(" across_us=%.1f", across);
	else
		printf(" across_us=-");
	if (one >= 0)
		printf(" one_cpu_us=%.1f\n", one);
	else
		printf(" one_cpu_us=-\n");
	return 0;
}
