/* The socket pool's internals, shared by its parts (private: only pool*.c include this).
 *
 * The pool is split by job:
 *   pool.c         public API and life cycle: create, shut down, gateway list, source, stats,
 *                  the blocking call
 *   pool_slot.c    where a request waits on its connection: its lane (lanes bound what one
 *                  kind of request keeps in flight), the wait queue, its slot (the id it is
 *                  sent with)
 *   pool_send.c    submission (the choice of connection), corking, the non-blocking send round
 *   pool_recv.c    reading answers, matching them to slots by id, completion
 *   pool_conn.c    connecting (to the next gateway if one refuses), reset with resend, failing
 *                  what cannot be sent, request timeouts
 *   pool_thread.c  a connection's I/O thread: its epoll loop and the source it serves
 * c->mu guards a connection's queues and slots; the reader state is the I/O thread's own.
 */
#ifndef SHEEPFS_POOL_INTERNAL_H
#define SHEEPFS_POOL_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "pool.h"
#include "sd_proto.h"

#define SLOTS 256          /* requests in flight per connection (bounded: ids are slot|gen<<16) */
#define MAX_GATEWAYS 16
#define RBUF_SIZE 65536    /* staging buffer: many small responses per recv */

/* What an I/O thread waits on: its event fd, its source's fd and its socket. */
enum { W_EVENT, W_SOURCE, W_SOCKET, W_COUNT };

struct sfs_conn {
	struct sfs_pool *pool;
	pthread_t thread;
	int evfd;
	/* The I/O thread's epoll set: its fds stay registered from one wait to the next (poll
	 * registered and unregistered all three on every wait; measured at one request in flight:
	 * 8% more CPU per request). w_fd/w_ev say what is registered. I/O thread only. */
	int ep;
	int w_fd[W_COUNT];
	uint32_t w_ev[W_COUNT];
	pthread_mutex_t mu;
	pthread_cond_t send_done; /* the sender finished a round: in_send flags changed */
	int fd;                   /* -1 while down */
	int gw_idx;               /* the gateway fd leads to (an index into pool->gw) */
	bool sending;             /* one thread at a time writes to fd */
	bool want_out;            /* the socket was full: the I/O thread waits for POLLOUT */
	bool broken;              /* a send failed: the I/O thread resets */
	bool reset;               /* set_gateways: reconnect */
	bool stop;
	struct sfs_io *sq_head, *sq_tail; /* slotted, not yet fully sent */
	struct sfs_io *wq_head, *wq_tail; /* waiting for a free slot */
	struct sfs_io *lq_head[SFS_POOL_LANES], *lq_tail[SFS_POOL_LANES]; /* waiting for their lane */
	unsigned lane_busy[SFS_POOL_LANES]; /* let out of their lane queue and not completed */
	unsigned lane_cap[SFS_POOL_LANES];  /* the newest request's cap (0: unbounded) */
	struct sfs_io *slots[SLOTS];
	uint16_t gen[SLOTS];
	uint16_t free_slots[SLOTS];
	unsigned nfree;
	/* reader state: owned by the I/O thread */
	uint8_t *rb;
	uint32_t rb_pos, rb_len;
	struct sfs_io *rcur;      /* response whose data is being received */
	uint32_t rneed, rgot;
	bool rdiscard;
	uint64_t last_scan;       /* for request timeouts: I/O thread only */
	unsigned strikes;         /* timeouts since the last answer: the reconnect backoff (I/O thread) */
	atomic_ullong load;       /* bytes of requests submitted here and not completed: picks the connection */
};

struct sfs_pool {
	struct sfs_pool_cfg cfg;
	pthread_mutex_t gw_mu;
	struct sfs_gateway gw[MAX_GATEWAYS];
	int ngw;
	int gw_cur;
	char gw_spec[1024];
	atomic_ullong requests, sends, resent, failed, reconnects, connect_failures, malformed;
	atomic_llong inflight;
	atomic_ullong timeouts;
	bool shut;
	pthread_key_t cork_key; /* the struct sfs_cork of a corked thread, else NULL */
	bool cork_key_ok;
	_Atomic(const struct sfs_pool_source *) src;
	unsigned nconn;
	struct sfs_conn conn[];
};

static inline uint64_t pool_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void pool_q_push(struct sfs_io **head, struct sfs_io **tail, struct sfs_io *io)
{
	io->next = NULL;
	if (*tail)
		(*tail)->next = io;
	else
		*head = io;
	*tail = io;
}

static inline struct sfs_io *pool_q_pop(struct sfs_io **head, struct sfs_io **tail)
{
	struct sfs_io *io = *head;
	if (io) {
		*head = io->next;
		if (*head == NULL)
			*tail = NULL;
		io->next = NULL;
	}
	return io;
}

static inline uint32_t pool_io_total(const struct sfs_io *io)
{
	return SD_HEADER_SIZE + io->wlen;
}

/* What a request weighs on its connection: the bytes it moves either way. */
static inline unsigned long long pool_io_cost(const struct sfs_io *io)
{
	return SD_HEADER_SIZE + (unsigned long long)io->wlen + io->rlen;
}

/* the source's members as one connection's I/O thread asks them */
static inline const struct sfs_pool_source *pool_source(struct sfs_conn *c)
{
	return atomic_load_explicit(&c->pool->src, memory_order_acquire);
}

static inline unsigned pool_conn_index(struct sfs_conn *c)
{
	return (unsigned)(c - c->pool->conn);
}

static inline int pool_serve_fd(struct sfs_conn *c, const struct sfs_pool_source *s)
{
	return s && s->serve_fd && s->serve ? s->serve_fd(s->arg, pool_conn_index(c)) : -1;
}

/* pool_slot.c: all with c->mu held */
void pool_slot_free(struct sfs_conn *c, uint16_t s);
void pool_pump(struct sfs_conn *c);
void pool_admit(struct sfs_conn *c, struct sfs_io *io);
void pool_release(struct sfs_conn *c, struct sfs_io *io);
bool pool_conn_has_work(struct sfs_conn *c);

/* pool_send.c */
void pool_send_loop(struct sfs_conn *c);
bool pool_claim_sender(struct sfs_conn *c);

/* pool_recv.c */
void pool_complete(struct sfs_pool *p, struct sfs_io *io);
bool pool_conn_read(struct sfs_conn *c, int fd);

/* pool_conn.c: I/O thread only (pool_conn_fail_all also at shutdown, once the thread ended) */
void pool_conn_reset(struct sfs_conn *c, bool count_attempt);
void pool_conn_fail_all(struct sfs_conn *c, int err);
bool pool_conn_connect(struct sfs_conn *c);
void pool_sleep_unless_stopped(struct sfs_conn *c, unsigned ms);
bool pool_timed_out(struct sfs_conn *c);
void pool_expire_queued(struct sfs_conn *c);
/* After a timeout on a connection to gateway from: the pool's next connections go to the one after
 * it, unless another connection moved on from it already. */
void pool_next_gateway(struct sfs_pool *p, int from);

/* The wait before reconnection n (from 0) of a row: base << n, at most 2 s (or base). */
static inline unsigned pool_backoff_ms(const struct sfs_pool *p, unsigned n)
{
	unsigned ms = p->cfg.retry_base_ms << (n < 5 ? n : 5);
	unsigned cap = p->cfg.retry_base_ms > 2000 ? p->cfg.retry_base_ms : 2000;
	return ms < cap ? ms : cap;
}

/* True when io has outlived the io timeout (never without one). */
static inline bool pool_io_expired(const struct sfs_pool *p, const struct sfs_io *io, uint64_t now)
{
	return p->cfg.io_timeout_ms && now - io->t_first >= p->cfg.io_timeout_ms;
}

/* pool_thread.c */
void pool_wake(struct sfs_conn *c);
bool pool_watch(struct sfs_conn *c, unsigned slot, int fd, uint32_t events);
void pool_serve_source(struct sfs_conn *c, const struct sfs_pool_source *src);
void *pool_conn_thread(void *arg);

#endif
