/* The scripted fake sheep: see fake_sheep.h. One thread accepts, one thread per connection reads
 * requests, carries them out under the context's mutex and answers (socket writes outside it). */
#define _GNU_SOURCE
#include "fake_sheep_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sock_full.h"

/* ---------------------------------------------------------------- requests and rules */

static bool kind_is(enum fs_kind k, uint64_t oid)
{
	switch (k) {
	case FS_ANY:
		return true;
	case FS_DATA:
		return sd_is_data_oid(oid);
	case FS_INODE:
		return sd_is_inode_oid(oid);
	case FS_BTREE:
		return sd_is_btree_oid(oid);
	}
	return false;
}

static bool is_obj_op(uint8_t op)
{
	return op >= SD_OP_CREATE_AND_WRITE_OBJ && op <= SD_OP_DISCARD_OBJ;
}

static bool matches(const struct fs_match *m, const struct sd_req *req)
{
	if (m->opcode && m->opcode != req->opcode)
		return false;
	if (m->kind == FS_ANY && m->oid == 0)
		return true;
	if (!is_obj_op(req->opcode))
		return false;
	struct sd_obj_args oa;
	sd_req_get_obj(req, &oa);
	return kind_is(m->kind, oa.oid) && (m->oid == 0 || m->oid == oa.oid);
}

/* Under mu: the rule that acts on req, or NULL. Every matching active rule counts it. */
static struct fs_rule *rule_for(struct fake_sheep *fs, const struct sd_req *req)
{
	for (int i = 0; i < fs->nrules; i++) {
		struct fs_rule *r = &fs->rules[i];
		if (!r->on || (r->times >= 0 && r->fired >= (unsigned)r->times) || !matches(&r->m, req))
			continue;
		if (r->after >= 0 && fs->rules[r->after].fired == 0)
			continue;
		if (r->seen++ < r->skip)
			continue;
		r->fired++;
		return r;
	}
	return NULL;
}

/* Under mu. */
static void log_request(struct fake_sheep *fs, const struct sd_req *req)
{
	if (fs->nlog == fs->logcap) {
		size_t cap = fs->logcap ? fs->logcap * 2 : 256;
		struct sd_req *n = realloc(fs->log, cap * sizeof(*n));
		if (n == NULL)
			abort();
		fs->log = n;
		fs->logcap = cap;
	}
	fs->log[fs->nlog++] = *req;
}

static void answer(struct fs_conn *c, const uint8_t *hdr, const uint8_t *data, uint32_t len)
{
	pthread_mutex_lock(&c->wmu);
	if (!atomic_load(&c->dead) && (send_full(c->fd, hdr, SD_HEADER_SIZE) || (len && send_full(c->fd, data, len))))
		atomic_store(&c->dead, true);
	pthread_mutex_unlock(&c->wmu);
}

static void *conn_main(void *arg)
{
	struct fs_conn *c = arg;
	struct fake_sheep *fs = c->fs;
	uint8_t h[SD_HEADER_SIZE];
	while (!atomic_load(&c->dead) && read_full(c->fd, h, sizeof(h)) == 0) {
		struct sd_req req;
		sd_req_decode(h, sizeof(h), &req);
		uint8_t *payload = NULL;
		if (req.flags & SD_FLAG_CMD_WRITE) {
			payload = malloc(req.data_length ? req.data_length : 1);
			if (payload == NULL || read_full(c->fd, payload, req.data_length) != 0) {
				free(payload);
				break;
			}
		}
		struct sd_rsp rsp;
		memset(&rsp, 0, sizeof(rsp));
		rsp.opcode = req.opcode;
		rsp.id = req.id;
		uint8_t *out = NULL;
		pthread_mutex_lock(&fs->mu);
		fs->total++;
		fs->counts[req.opcode]++;
		log_request(fs, &req);
		struct fs_rule *r = rule_for(fs, &req);
		enum fs_action act = r ? r->action : FS_HOLD;
		if (r && act == FS_FAIL)
			rsp.result = r->result;
		else if (act != FS_DROP)
			rsp.result = fs_execute(fs, &req, payload, &rsp, &out);
		struct fs_held *hd = NULL;
		if (r && act == FS_HOLD && (hd = calloc(1, sizeof(*hd))) != NULL) {
			hd->c = c;
			sd_rsp_encode(&rsp, hd->hdr);
			hd->data = out;
			hd->len = rsp.data_length;
			if (fs->held_tail)
				fs->held_tail->next = hd;
			else
				fs->held_head = hd;
			fs->held_tail = hd;
			fs->nheld++;
		}
		pthread_cond_broadcast(&fs->cv);
		pthread_mutex_unlock(&fs->mu);
		free(payload);
		if (r && act == FS_DROP) {
			atomic_store(&c->dead, true);
			shutdown(c->fd, SHUT_RDWR); /* the fd is closed at stop: no reuse of its number */
			break;
		}
		if (hd == NULL) {
			uint8_t rh[SD_HEADER_SIZE];
			sd_rsp_encode(&rsp, rh);
			answer(c, rh, out, rsp.data_length);
			free(out);
		}
	}
	atomic_store(&c->dead, true);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct fake_sheep *fs = arg;
	for (;;) {
		int fd = accept(fs->lfd, NULL, NULL);
		if (fd < 0)
			return NULL; /* shut down by fake_sheep_stop */
		struct fs_conn *c = calloc(1, sizeof(*c));
		pthread_mutex_lock(&fs->mu);
		bool room = c != NULL && fs->nconns < FS_MAX_CONNS;
		if (room) {
			c->fs = fs;
			c->fd = fd;
			pthread_mutex_init(&c->wmu, NULL);
			if (pthread_create(&c->thr, NULL, conn_main, c) == 0)
				fs->conns[fs->nconns++] = c;
			else
				room = false;
		}
		pthread_mutex_unlock(&fs->mu);
		if (!room) {
			close(fd);
			free(c);
		}
	}
}

/* ---------------------------------------------------------------- life cycle */

struct fake_sheep *fake_sheep_start(void)
{
	struct fake_sheep *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return NULL;
	pthread_mutex_init(&fs->mu, NULL);
	pthread_cond_init(&fs->cv, NULL);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	fs->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fs->lfd < 0 || bind(fs->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fs->lfd, 16) != 0 ||
	    getsockname(fs->lfd, (struct sockaddr *)&a, &al) != 0 ||
	    pthread_create(&fs->acceptor, NULL, accept_main, fs) != 0) {
		int e = errno;
		if (fs->lfd >= 0)
			close(fs->lfd);
		free(fs);
		errno = e;
		return NULL;
	}
	snprintf(fs->gw, sizeof(fs->gw), "127.0.0.1:%u", ntohs(a.sin_port));
	return fs;
}

void fake_sheep_stop(struct fake_sheep *fs)
{
	shutdown(fs->lfd, SHUT_RDWR);
	pthread_join(fs->acceptor, NULL);
	close(fs->lfd);
	for (unsigned i = 0; i < fs->nconns; i++) {
		struct fs_conn *c = fs->conns[i];
		atomic_store(&c->dead, true);
		shutdown(c->fd, SHUT_RDWR);
		pthread_join(c->thr, NULL);
	}
	for (struct fs_held *h = fs->held_head, *next; h; h = next) {
		next = h->next;
		free(h->data);
		free(h);
	}
	for (unsigned i = 0; i < fs->nconns; i++) {
		close(fs->conns[i]->fd);
		pthread_mutex_destroy(&fs->conns[i]->wmu);
		free(fs->conns[i]);
	}
	for (size_t i = 0; i < fs->nobjs; i++)
		free(fs->objs[i].data);
	free(fs->objs);
	free(fs->log);
	pthread_cond_destroy(&fs->cv);
	pthread_mutex_destroy(&fs->mu);
	free(fs);
}

const char *fake_sheep_gateway(const struct fake_sheep *fs)
{
	return fs->gw;
}

/* ---------------------------------------------------------------- scripting */

int fake_sheep_rule(struct fake_sheep *fs, const struct fs_match *m, enum fs_action action, uint32_t result,
		    unsigned skip, int times, int after)
{
	pthread_mutex_lock(&fs->mu);
	int id = fs->nrules < FS_MAX_RULES ? fs->nrules++ : -1;
	if (id >= 0)
		fs->rules[id] = (struct fs_rule){ .m = *m, .action = action, .result = result, .skip = skip,
						  .times = times, .after = after < id ? after : -1, .on = true };
	pthread_mutex_unlock(&fs->mu);
	if (id < 0)
		abort(); /* more rules than a test should need */
	return id;
}

void fake_sheep_rule_off(struct fake_sheep *fs, int id)
{
	pthread_mutex_lock(&fs->mu);
	fs->rules[id].on = false;
	pthread_mutex_unlock(&fs->mu);
}

unsigned fake_sheep_fired(struct fake_sheep *fs, int id)
{
	pthread_mutex_lock(&fs->mu);
	unsigned n = fs->rules[id].fired;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

unsigned fake_sheep_release(struct fake_sheep *fs)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_held *h = fs->held_head;
	fs->held_head = fs->held_tail = NULL;
	fs->nheld = 0;
	pthread_mutex_unlock(&fs->mu);
	unsigned n = 0;
	for (struct fs_held *next; h; h = next, n++) {
		next = h->next;
		answer(h->c, h->hdr, h->data, h->len);
		free(h->data);
		free(h);
	}
	return n;
}

unsigned fake_sheep_held(struct fake_sheep *fs)
{
	pthread_mutex_lock(&fs->mu);
	unsigned n = fs->nheld;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

unsigned fake_sheep_requests(struct fake_sheep *fs)
{
	pthread_mutex_lock(&fs->mu);
	unsigned n = fs->total;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

unsigned fake_sheep_count(struct fake_sheep *fs, uint8_t opcode)
{
	pthread_mutex_lock(&fs->mu);
	unsigned n = fs->counts[opcode];
	pthread_mutex_unlock(&fs->mu);
	return n;
}

unsigned fake_sheep_count_match(struct fake_sheep *fs, const struct fs_match *m)
{
	unsigned n = 0;
	pthread_mutex_lock(&fs->mu);
	for (size_t i = 0; i < fs->nlog; i++)
		n += matches(m, &fs->log[i]);
	pthread_mutex_unlock(&fs->mu);
	return n;
}

unsigned fake_sheep_connections(struct fake_sheep *fs)
{
	pthread_mutex_lock(&fs->mu);
	unsigned n = fs->nconns;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

/* Waits on cv until pred(fs, a, b) holds (under mu) or timeout_ms pass. */
static bool wait_until(struct fake_sheep *fs, bool (*pred)(struct fake_sheep *, int, unsigned), int a, unsigned b,
		       unsigned timeout_ms)
{
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fs->mu);
	bool ok;
	while (!(ok = pred(fs, a, b)) && pthread_cond_timedwait(&fs->cv, &fs->mu, &end) != ETIMEDOUT)
		;
	if (!ok)
		ok = pred(fs, a, b);
	pthread_mutex_unlock(&fs->mu);
	return ok;
}

static bool held_at_least(struct fake_sheep *fs, int a, unsigned n)
{
	return fs->nheld >= n;
}

static bool requests_at_least(struct fake_sheep *fs, int a, unsigned n)
{
	return fs->total >= n;
}

static bool fired_at_least(struct fake_sheep *fs, int id, unsigned n)
{
	return fs->rules[id].fired >= n;
}

bool fake_sheep_wait_held(struct fake_sheep *fs, unsigned n, unsigned timeout_ms)
{
	return wait_until(fs, held_at_least, 0, n, timeout_ms);
}

bool fake_sheep_wait_requests(struct fake_sheep *fs, unsigned n, unsigned timeout_ms)
{
	return wait_until(fs, requests_at_least, 0, n, timeout_ms);
}

bool fake_sheep_wait_fired(struct fake_sheep *fs, int id, unsigned n, unsigned timeout_ms)
{
	return wait_until(fs, fired_at_least, id, n, timeout_ms);
}
