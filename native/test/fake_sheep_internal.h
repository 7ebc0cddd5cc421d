/* The fake sheep's state, shared by its parts (private: only fake_sheep*.c include this).
 *   fake_sheep.c        connections, rules, life cycle, counts and waits
 *   fake_sheep_store.c  the objects in memory, what requests do to them, VDIs
 * mu guards everything in struct fake_sheep after it. */
#ifndef SHEEPFS_FAKE_SHEEP_INTERNAL_H
#define SHEEPFS_FAKE_SHEEP_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake_sheep.h"
#include "sd_proto.h"

#define FS_MAX_CONNS 64
#define FS_MAX_RULES 32
#define FS_MAX_LOCKS 16

struct fs_obj {
	uint64_t oid;
	uint32_t size;
	uint8_t *data;
};

struct fs_conn {
	struct fake_sheep *fs;
	int fd;
	pthread_t thr;
	pthread_mutex_t wmu; /* one answer at a time on the socket (held ones go out from the releaser) */
	atomic_bool dead;
};

struct fs_held {
	struct fs_conn *c;
	uint8_t hdr[SD_HEADER_SIZE];
	uint8_t *data;
	uint32_t len;
	struct fs_held *next;
};

struct fs_rule {
	struct fs_match m;
	enum fs_action action;
	uint32_t result;
	unsigned skip, seen, fired;
	int times, after;
	bool on;
};

struct fake_sheep {
	int lfd;
	char gw[32];
	pthread_t acceptor;
	pthread_mutex_t mu; /* everything below */
	pthread_cond_t cv;  /* broadcast whenever a request arrives or an answer is held */
	struct fs_obj *objs;
	size_t nobjs, cap;
	struct fs_rule rules[FS_MAX_RULES];
	int nrules;
	struct fs_held *held_head, *held_tail;
	unsigned nheld;
	unsigned counts[256], total;
	struct sd_req *log; /* every request's header, in arrival order (fake_sheep_count_match) */
	size_t nlog, logcap;
	struct fs_conn *conns[FS_MAX_CONNS];
	unsigned nconns;
	bool locking;
	uint32_t locks[FS_MAX_LOCKS];
	unsigned nlocks;
};

/* Under mu: carries out req; the answer's data (if any) in *out (malloc'd), its length in rsp.
 * Returns the answer's result. */
uint32_t fs_execute(struct fake_sheep *fs, const struct sd_req *req, const uint8_t *payload, struct sd_rsp *rsp,
		    uint8_t **out);

#endif
