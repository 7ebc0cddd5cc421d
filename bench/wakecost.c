/* What a sleep and a wake-up cost on this machine: two threads pass an eventfd token back and
 * forth, first on two CPUs, then both on one. A FUSE client at one request in flight sleeps twice
 * per request (for the kernel's request and for sheep's answer), the raw tool once: this is the
 * price of each sleep, which bench/run prints beside its table.
 * Then what the network half of such a request costs the client at the least: a 4 KiB read's
 * exchange over loopback TCP (a 48-byte request, a 48-byte header and 4 KiB back) with a peer on
 * the other CPU, the client blocking in recv (the cheapest way to wait for one answer).
 * Output: one line, "wakecost across_us=X one_cpu_us=Y tcp_client_us=Z" (CPU microseconds per
 * round trip: both threads together for the eventfd, the client thread alone for TCP, the median
 * of three passes; a CPU that cannot be pinned, or a socket that fails, gives "-"). */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cpu_time.h"

#define ROUNDS 100000
#define TCP_REQ 48          /* a read request: the header alone */
#define TCP_RSP (48 + 4096) /* its answer: a header and 4 KiB */

struct pair {
	int ping, pong; /* eventfds: main to peer, peer to main */
	int cpu;        /* the peer's CPU */
	bool pinned;    /* the peer runs there (else the figure is not reported) */
};

/* Binds the calling thread to cpu, whatever CPUs it inherited (the main thread binds itself
 * first: affinity.h's sfs_pin_to_cpu would refuse a CPU outside that inherited set). */
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
	/* even unpinned it answers: the main thread waits for it */
	p->pinned = pin(p->cpu) == 0;
	for (int i = 0; i < ROUNDS; i++) {
		if (read(p->ping, &v, sizeof(v)) != sizeof(v))
			return NULL;
		v = 1;
		if (write(p->pong, &v, sizeof(v)) != sizeof(v))
			return NULL;
	}
	return NULL;
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
	double c0 = bench_cpu_seconds(RUSAGE_SELF);
	uint64_t v = 1;
	int i;
	for (i = 0; i < ROUNDS; i++) {
		v = 1;
		if (write(p.ping, &v, sizeof(v)) != sizeof(v) || read(p.pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	double c1 = bench_cpu_seconds(RUSAGE_SELF);
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

struct tcp_peer {
	int fd;
	int cpu;
	bool pinned;
};

static bool recv_all(int fd, char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Answers every request with TCP_RSP bytes until the client closes. */
static void *tcp_server(void *arg)
{
	struct tcp_peer *p = arg;
	char req[TCP_REQ], rsp[TCP_RSP];
	memset(rsp, 0, sizeof(rsp));
	p->pinned = pin(p->cpu) == 0;
	while (recv_all(p->fd, req, sizeof(req)))
		if (send(p->fd, rsp, sizeof(rsp), MSG_NOSIGNAL) != (ssize_t)sizeof(rsp))
			break;
	shutdown(p->fd, SHUT_RDWR); /* a failed send: the client's recv returns instead of waiting */
	return NULL;
}

/* A connected loopback pair in fds; false if the machine refuses one. */
static bool tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fds[0] = fds[1] = -1;
	if (l < 0)
		return false;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0 &&
	    getsockname(l, (struct sockaddr *)&a, &al) == 0) {
		fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[0] >= 0 && connect(fds[0], (struct sockaddr *)&a, sizeof(a)) == 0)
			fds[1] = accept(l, NULL, NULL);
	}
	close(l);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		fds[0] = -1;
		return false;
	}
	for (int i = 0; i < 2; i++) /* as sheepfs and sheep set theirs */
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return true;
}

/* The client thread's CPU microseconds per request and answer, the server on CPU 1; < 0 when
 * the sockets or the CPUs are not to be had. */
static double tcp_round_trip(void)
{
	int fds[2];
	double us = -1;
	if (!tcp_pair(fds))
		return -1;
	struct tcp_peer p = { fds[1], 1, false };
	pthread_t th;
	if (pin(0) != 0 || pthread_create(&th, NULL, tcp_server, &p) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	char req[TCP_REQ], rsp[TCP_RSP];
	memset(req, 0, sizeof(req));
	double c0 = bench_cpu_seconds(RUSAGE_THREAD);
	int i;
	for (i = 0; i < ROUNDS; i++)
		if (send(fds[0], req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req) ||
		    !recv_all(fds[0], rsp, sizeof(rsp)))
			break;
	double c1 = bench_cpu_seconds(RUSAGE_THREAD);
	shutdown(fds[0], SHUT_RDWR); /* the server's recv returns: it ends */
	pthread_join(th, NULL);
	if (i == ROUNDS && p.pinned)
		us = (c1 - c0) / ROUNDS * 1e6;
	close(fds[0]);
	close(fds[1]);
	return us;
}

static void print_us(const char *name, double us, const char *end)
{
	if (us >= 0)
		printf(" %s=%.1f%s", name, us, end);
	else
		printf(" %s=-%s", name, end);
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double across = cpus > 1 ? round_trip(0, 1) : -1, one = round_trip(0, 0);
	/* the median of three: one pass now and then runs at several times the others' cost (the
	 * host, not the guest) */
	double t[3] = { -1, -1, -1 }, tcp = -1;
	for (int i = 0; i < 3 && cpus > 1; i++)
		t[i] = tcp_round_trip();
	if (t[0] >= 0 && t[1] >= 0 && t[2] >= 0)
		tcp = t[0] > t[1] ? (t[1] > t[2] ? t[1] : t[0] > t[2] ? t[2] : t[0])
				  : (t[0] > t[2] ? t[0] : t[1] > t[2] ? t[2] : t[1]);
	printf("wakecost");
	print_us("across_us", across, "");
	print_us("one_cpu_us", one, "");
	print_us("tcp_client_us", tcp, "\n");
	return 0;
}
