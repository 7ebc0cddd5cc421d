/* The socket pool tests' peer: a small sheep-like gateway on 127.0.0.1 that answers READ_OBJ
 * with made-up data (peer_pattern) and every other request with success, whatever the oid. It
 * collects requests and answers them in reverse order (out-of-order answers matched by id), and
 * can misbehave on its first connection: drop it with requests in flight (and stop listening),
 * answer with ids nobody asked for, or never answer; or stop answering for a while (hush). Checks are fatal (test_require.h).
 *
 * Unlike fake_sheep.h (an object store with scripted failures, for the volume engine), it keeps
 * no objects, and its answers' order and timing are what the pool tests are about.
 */
#ifndef SHEEPFS_LOOP_PEER_H
#define SHEEPFS_LOOP_PEER_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* DROP_AND_REFUSE: as DROP_FIRST_CONNECTION, and the gateway stops listening before it drops. */
enum peer_mode {
	ANSWER_REVERSED, DROP_FIRST_CONNECTION, DROP_AND_REFUSE, BAD_ID_FIRST, SILENT_FIRST, SILENT
};

struct peer {
	int lfd;
	int port;
	enum peer_mode mode;
	int batch;          /* answer after this many requests, in reverse order */
	atomic_int conns;
	atomic_int received;  /* requests read so far, on every connection */
	atomic_int max_unanswered; /* most requests one connection had unanswered at once */
	atomic_int stop;
	atomic_int hush;      /* while set: a frozen gateway (reads requests, answers none) */
	pthread_t thr;
	pthread_t serving[16]; /* one thread per connection: a pool keeps several open at once */
};

/* Starts a peer in mode m that answers after batch requests (or a moment without one), on an
 * ephemeral port (peer_start) or on port (peer_start_on: a gateway that comes back). */
void peer_start(struct peer *p, enum peer_mode m, int batch);
void peer_start_on(struct peer *p, enum peer_mode m, int batch, int port);
/* Stops listening and joins every thread: destroy the pool first. */
void peer_stop(struct peer *p);

/* The data a READ_OBJ of (oid, offset, len) gets back: byte i, a function of all three. */
uint8_t peer_pattern(uint64_t oid, uint32_t off, uint32_t i);

#endif
