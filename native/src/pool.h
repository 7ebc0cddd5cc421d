/* Pipelined socket pool to the sheep gateway(s).
 *
 * A pool has a fixed number of TCP connections. Any thread may submit a request; it is tagged
 * with an id (slot + generation), sent at once with a non-blocking send by the submitting thread
 * (a corked thread sends its batch when it uncorks; when the socket is full, the connection's I/O
 * thread sends), and completed by the I/O thread that reads its response: responses may come
 * back in any order. The completion callback runs on that I/O thread, must not block, and may
 * submit more requests. No lock is held across a socket call (send/recv/connect happen outside
 * every mutex).
 *
 * A socket error or a malformed response closes that connection; the requests it had in flight
 * are sent again on a fresh connection (to the next gateway if the current one refuses) up to a
 * bounded number of attempts, then fail with io->err = EIO.
 *
 * A silent connection (open, but no answer) counts as broken: a request unanswered for
 * request_timeout_ms gets the connection closed and is sent again on a new one, to the next
 * gateway, after a backoff that grows while the connections keep timing out. With io_timeout_ms
 * set, time rather than attempts bounds a request: whatever was not answered within
 * io_timeout_ms of its submission fails with EIO (on a silent gateway, a dead link or a gateway
 * that refuses), and nothing fails earlier for having used up its attempts. The I/O threads check
 * their requests' deadlines at least once a second whenever a timeout is set.
 */
#ifndef SHEEPFS_POOL_H
#define SHEEPFS_POOL_H
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include "sd_proto.h"

struct sfs_io;
typedef void (*sfs_io_done_fn)(struct sfs_io *io);

struct sfs_io {
	uint8_t hdr[SD_HEADER_SIZE]; /* request header; the pool overwrites the id */
	const void *wbuf;            /* payload sent after the header (WRITE flag) */
	uint32_t wlen;
	void *rbuf;                  /* where response data goes; a longer response is malformed */
	uint32_t rlen;
	sfs_io_done_fn done;
	void *arg;
	/* Lanes bound what one kind of request keeps in flight on one connection (a cluster may
	 * serve big transfers faster a few at a time): lane 0 is unbounded; a request of lane
	 * 1..SFS_POOL_LANES waits while its lane has cap requests on the connection. The newest
	 * request's cap holds for its whole lane (0: unbounded). */
	uint8_t lane;
	uint16_t cap;
	/* results, valid in done() */
	uint8_t rsp[SD_HEADER_SIZE]; /* the response header as received */
	uint32_t result;             /* sheep result code (rsp bytes 16..19) */
	uint32_t rsp_len;            /* response data bytes received into rbuf */
	int err;                     /* 0, or a local errno: the request never got an answer */
	/* pool-private */
	struct sfs_io *next;
	uint32_t sent;
	uint16_t slot;
	uint8_t attempts;
	bool in_send;
	uint64_t t_start; /* ms (monotonic) when this attempt got its slot: for the request timeout */
	uint64_t t_first; /* ms (monotonic) when it was submitted: for the io timeout */
	void *conn;       /* the connection it was submitted to */
};

#define SFS_POOL_LANES 2u

struct sfs_pool;

struct sfs_pool_cfg {
	unsigned connections;     /* sockets to the gateway (>= 1) */
	unsigned connect_timeout_ms;
	unsigned max_attempts;    /* sends of one request before it fails with EIO */
	unsigned connect_retries; /* rounds over all gateways (after the first) before queued requests fail */
	unsigned retry_base_ms;   /* wait before retry round n: base << n (a restarting sheep) */
	unsigned request_timeout_ms; /* no answer for this long: reconnect and resend (0 = wait forever) */
	unsigned io_timeout_ms;   /* unanswered this long after submission: EIO (0: attempts bound it;
				   * UINT_MAX: never). Set, failures stop counting as attempts. */
	bool io_flusher;          /* PR_SET_IO_FLUSHER on the I/O threads */
	bool pin_threads;         /* connection i's I/O thread runs on CPU i (per-CPU FUSE queues) */
};
#define SFS_POOL_MAX_CONNECTIONS 64u

/* What the I/O threads do beside their sockets, set once it exists (over io_uring: the FUSE ring
 * of each thread's CPU, so that one thread takes a CPU's requests and reads their answers: a
 * wake-up less per request than handing them between two threads). Every member gets arg and
 * the index of the calling thread's connection; any may be NULL. */
struct sfs_pool_source {
	/* around each batch of work an I/O thread does (answers it reads, events it serves): what
	 * is sent meanwhile may wait for batch_end (io_uring commits: one system call) */
	void (*batch_begin)(void *arg, unsigned conn);
	void (*batch_end)(void *arg, unsigned conn);
	/* asked every round: an fd to poll for POLLIN, or -1; serve handles it without blocking */
	int (*serve_fd)(void *arg, unsigned conn);
	void (*serve)(void *arg, unsigned conn);
	/* true when serve has work waiting that it can see without a system call (a ring's
	 * completion queue in shared memory): the thread then skips one poll. Only a shortcut: the
	 * fd must poll readable whenever this is true. */
	bool (*ready)(void *arg, unsigned conn);
	void *arg;
};

/* gateways: "host:port[,host:port...]" (IPv6 as [addr]:port). NULL and errno on failure. */
struct sfs_pool *sfs_pool_create(const struct sfs_pool_cfg *cfg, const char *gateways);
/* Stops the I/O threads and fails everything pending (ESHUTDOWN); later submissions fail at
 * once. The memory stays valid for late callers until sfs_pool_destroy. */
void sfs_pool_shutdown(struct sfs_pool *p);
void sfs_pool_destroy(struct sfs_pool *p);
/* Replaces the gateway list and reconnects every connection (in-flight requests are resent). */
int sfs_pool_set_gateways(struct sfs_pool *p, const char *gateways);
/* Connections in the pool (connection i's I/O thread runs on CPU i with pin_threads). */
unsigned sfs_pool_connections(const struct sfs_pool *p);
/* Installs src (NULL: none; it must outlive the pool or be replaced first) and wakes every I/O
 * thread. A thread may still finish a round with the previous source after this returns. */
void sfs_pool_set_source(struct sfs_pool *p, const struct sfs_pool_source *src);
/* Wakes connection conn's I/O thread to ask serve_fd again (the source has a new fd). */
void sfs_pool_kick(struct sfs_pool *p, unsigned conn);
/* Copies the current gateway list (as given) into buf. */
void sfs_pool_gateways(struct sfs_pool *p, char *buf, size_t len);
void sfs_pool_submit(struct sfs_pool *p, struct sfs_io *io);
/* Corks the calling thread: its submissions are queued but not sent until it uncorks (or has
 * gathered 64 KiB), so that a batch goes out in one send and wakes the gateway once. A thread
 * must uncork before anything that may wait (sfs_pool_call does) and before it ends. The cork
 * is the caller's memory (e.g. in its worker struct) and must outlive the corked stretch. */
struct sfs_cork {
	uint64_t dirty; /* connections (bit = index) with requests of this thread unsent */
	uint32_t bytes; /* gathered since the last send */
	int home;       /* the connection its requests try first (a per-CPU thread: that CPU's) */
};
void sfs_pool_cork(struct sfs_pool *p, struct sfs_cork *ck);
void sfs_pool_uncork(struct sfs_pool *p);
/* Submits and waits (for control-path calls: attach, inode reload). Returns io->err. */
int sfs_pool_call(struct sfs_pool *p, struct sfs_io *io);

struct sfs_pool_stats {
	uint64_t requests, resent, failed, reconnects, connect_failures, malformed, timeouts;
	uint64_t sends; /* sendmsg calls: fewer than requests when batches went out together */
	uint64_t inflight;
};
void sfs_pool_stats(struct sfs_pool *p, struct sfs_pool_stats *out);

/* Parses one "host:port" list into at most max entries; returns the count or -EINVAL. */
struct sfs_gateway {
	char host[256];
	char port[8];
};
int sfs_parse_gateways(const char *spec, struct sfs_gateway *out, int max);

#endif
