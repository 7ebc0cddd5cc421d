/* The scripted fake sheep: see fake_sheep.h. One thread accepts, one thread per connection reads
 * requests, carries them out under the context's mutex and answers (socket writes outside it). */
#define _GNU_SOURCE
#include "fake_sheep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sd_inode.h"
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

/* ---------------------------------------------------------------- object store (under mu) */

static struct fs_obj *obj_find(struct fake_sheep *fs, uint64_t oid)
{
	for (size_t i = 0; i < fs->nobjs; i++)
		if (fs->objs[i].oid == oid)
			return &fs->objs[i];
	return NULL;
}

/* Installs data (size bytes, taken over) as object oid, replacing any earlier one. */
static void obj_put(struct fake_sheep *fs, uint64_t oid, uint8_t *data, uint32_t size)
{
	struct fs_obj *o = obj_find(fs, oid);
	if (o) {
		free(o->data);
	} else {
		if (fs->nobjs == fs->cap) {
			size_t cap = fs->cap ? fs->cap * 2 : 64;
			struct fs_obj *n = realloc(fs->objs, cap * sizeof(*n));
			if (n == NULL)
				abort(); /* a test fixture: no way on */
			fs->objs = n;
			fs->cap = cap;
		}
		o = &fs->objs[fs->nobjs++];
		o->oid = oid;
	}
	o->data = data;
	o->size = size;
}

static void obj_remove(struct fake_sheep *fs, uint64_t oid)
{
	struct fs_obj *o = obj_find(fs, oid);
	if (o == NULL)
		return;
	free(o->data);
	*o = fs->objs[--fs->nobjs];
}

static struct fs_obj *inode_of(struct fake_sheep *fs, uint32_t vid)
{
	return obj_find(fs, sd_inode_oid(vid));
}

/* Object size as sheep gives it: data objects 1 << bss of the owning VDI (PROTOCOL.md 9.5). */
static uint32_t obj_size(struct fake_sheep *fs, uint64_t oid)
{
	if (sd_is_inode_oid(oid))
		return SD_INODE_OBJ_SIZE;
	if (sd_is_btree_oid(oid))
		return SD_BTREE_NODE_OBJ_SIZE;
	struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oid));
	unsigned bss = ino ? ino->data[SD_INODE_BSS_OFF] : 0;
	return (uint32_t)1 << (bss ? bss : SD_DEFAULT_BLOCK_SIZE_SHIFT);
}

/* A snapshot's data objects are read-only; inode and B-tree objects never are. */
static bool read_only(struct fake_sheep *fs, uint64_t oid)
{
	if (!sd_is_data_oid(oid))
		return false;
	struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oid));
	return ino && sd_le64(ino->data + SD_INODE_SNAP_CTIME_OFF) != 0;
}

/* The working VDI of a name: the highest vid with that name and no snap_ctime (0: none). */
static uint32_t lookup_name(struct fake_sheep *fs, const char *name)
{
	uint32_t best = 0;
	for (size_t i = 0; i < fs->nobjs; i++) {
		const struct fs_obj *o = &fs->objs[i];
		if (!sd_is_inode_oid(o->oid) || strncmp((const char *)o->data, name, SD_NAME_FIELD) != 0 || name[0] == 0)
			continue;
		if (sd_le64(o->data + SD_INODE_SNAP_CTIME_OFF) == 0 && sd_oid_to_vid(o->oid) > best)
			best = sd_oid_to_vid(o->oid);
	}
	return best;
}

static int node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct fs_obj *o = obj_find(arg, oid);
	if (o == NULL)
		return -1;
	*node = o->data;
	*len = o->size;
	return 0;
}

/* ---------------------------------------------------------------- requests */

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

/* Under mu: carries out req; the answer's data (if any) in *out (malloc'd), its length in rsp. */
static uint32_t execute(struct fake_sheep *fs, const struct sd_req *req, const uint8_t *payload, struct sd_rsp *rsp,
			uint8_t **out)
{
	struct sd_obj_args oa;
	struct sd_vdi_args va;
	sd_req_get_obj(req, &oa);
	sd_req_get_vdi(req, &va);
	uint32_t dl = req->data_length;
	switch (req->opcode) {
	case SD_OP_READ_OBJ: {
		struct fs_obj *o = obj_find(fs, oa.oid);
		if (o == NULL)
			return SD_RES_NO_OBJ;
		*out = calloc(1, dl ? dl : 1);
		if (oa.offset < o->size)
			memcpy(*out, o->data + oa.offset, dl < o->size - oa.offset ? dl : o->size - oa.offset);
		rsp->data_length = dl;
		return SD_RES_SUCCESS;
	}
	case SD_OP_WRITE_OBJ: {
		struct fs_obj *o = obj_find(fs, oa.oid);
		if (o == NULL)
			return SD_RES_NO_OBJ;
		if (read_only(fs, oa.oid))
			return SD_RES_READONLY;
		if ((uint64_t)oa.offset + dl > o->size)
			return SD_RES_INVALID_PARMS;
		memcpy(o->data + oa.offset, payload, dl);
		return SD_RES_SUCCESS;
	}
	case SD_OP_CREATE_AND_WRITE_OBJ: {
		if (read_only(fs, oa.oid))
			return SD_RES_READONLY;
		uint32_t size = obj_size(fs, oa.oid);
		if ((uint64_t)oa.offset + dl > size)
			return SD_RES_INVALID_PARMS;
		uint8_t *b = calloc(1, size);
		if (b == NULL)
			return SD_RES_NO_MEM;
		if (req->flags & SD_FLAG_CMD_COW) {
			struct fs_obj *c = obj_find(fs, oa.cow_oid);
			if (c == NULL) {
				free(b);
				return SD_RES_NO_OBJ;
			}
			memcpy(b, c->data, c->size < size ? c->size : size);
		}
		memcpy(b + oa.offset, payload, dl);
		obj_put(fs, oa.oid, b, size); /* a create replaces the object whole */
		return SD_RES_SUCCESS;
	}
	case SD_OP_DISCARD_OBJ: {
		struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oa.oid));
		if (ino && ino->data[SD_INODE_STORE_POLICY_OFF] == SD_STORE_POLICY_NORMAL)
			sd_flat_set(ino->data, ino->size, sd_oid_to_idx(oa.oid), 0);
		obj_remove(fs, oa.oid);
		return SD_RES_SUCCESS;
	}
	case SD_OP_GET_VDI_INFO:
	case SD_OP_LOCK_VDI: {
		char name[SD_NAME_FIELD + 1] = { 0 };
		if (dl < SD_NAME_FIELD)
			return SD_RES_INVALID_PARMS;
		memcpy(name, payload, SD_NAME_FIELD);
		uint32_t vid = lookup_name(fs, name);
		if (vid == 0)
			return SD_RES_NO_VDI;
		if (req->opcode == SD_OP_LOCK_VDI && fs->locking) {
			for (unsigned i = 0; i < fs->nlocks; i++)
				if (fs->locks[i] == vid)
					return SD_RES_VDI_LOCKED;
			if (fs->nlocks == FS_MAX_LOCKS)
				return SD_RES_NO_MEM;
			fs->locks[fs->nlocks++] = vid;
		}
		struct fs_obj *ino = inode_of(fs, vid);
		struct sd_vdi_rsp_args ra = { .vdi_id = vid, .copies = ino->data[SD_INODE_NR_COPIES_OFF],
					      .block_size_shift = ino->data[SD_INODE_BSS_OFF] };
		sd_rsp_set_vdi(rsp, &ra);
		return SD_RES_SUCCESS;
	}
	case SD_OP_RELEASE_VDI:
		for (unsigned i = 0; i < fs->nlocks; i++)
			if (fs->locks[i] == va.base_vdi_id) {
				fs->locks[i] = fs->locks[--fs->nlocks];
				break;
			}
		return SD_RES_SUCCESS;
	default:
		return SD_RES_NO_SUPPORT;
	}
}

static int read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int send_full(int fd, const void *buf, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = send(fd, (const char *)buf + put, len - put, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
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
			rsp.result = execute(fs, &req, payload, &rsp, &out);
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

/* ---------------------------------------------------------------- VDIs */

uint32_t fake_sheep_create_vdi(struct fake_sheep *fs, const char *name, uint64_t size, unsigned bss, bool hyper)
{
	uint8_t *ino = calloc(1, SD_INODE_OBJ_SIZE);
	if (ino == NULL)
		return 0;
	pthread_mutex_lock(&fs->mu);
	uint32_t vid = sd_name_hash_vid(name, strlen(name));
	while (inode_of(fs, vid) != NULL)
		vid = (vid + 1) & SD_MAX_VID;
	snprintf((char *)ino + SD_INODE_NAME_OFF, SD_NAME_FIELD, "%s", name);
	sd_put64(ino + SD_INODE_CTIME_OFF, (uint64_t)time(NULL) << 32);
	sd_put64(ino + SD_INODE_VDI_SIZE_OFF, size);
	ino[SD_INODE_STORE_POLICY_OFF] = hyper ? SD_STORE_POLICY_HYPER : SD_STORE_POLICY_NORMAL;
	ino[SD_INODE_NR_COPIES_OFF] = 1;
	ino[SD_INODE_BSS_OFF] = (uint8_t)bss;
	sd_put32(ino + SD_INODE_SNAP_ID_OFF, 1);
	sd_put32(ino + SD_INODE_VDI_ID_OFF, vid);
	obj_put(fs, sd_inode_oid(vid), ino, SD_INODE_OBJ_SIZE);
	pthread_mutex_unlock(&fs->mu);
	return vid;
}

uint32_t fake_sheep_snapshot(struct fake_sheep *fs, const char *name)
{
	pthread_mutex_lock(&fs->mu);
	uint32_t old = lookup_name(fs, name), vid = old + 1;
	uint8_t *ino = old ? malloc(SD_INODE_OBJ_SIZE) : NULL;
	if (ino == NULL) {
		pthread_mutex_unlock(&fs->mu);
		return 0;
	}
	while (inode_of(fs, vid) != NULL)
		vid = (vid + 1) & SD_MAX_VID;
	struct fs_obj *o = inode_of(fs, old);
	memcpy(ino, o->data, SD_INODE_OBJ_SIZE);
	sd_put64(o->data + SD_INODE_SNAP_CTIME_OFF, (uint64_t)time(NULL) << 32 | 1);
	sd_put32(ino + SD_INODE_SNAP_ID_OFF, sd_le32(ino + SD_INODE_SNAP_ID_OFF) + 1);
	sd_put32(ino + SD_INODE_VDI_ID_OFF, vid);
	sd_put32(ino + SD_INODE_PARENT_OFF, old);
	obj_put(fs, sd_inode_oid(vid), ino, SD_INODE_OBJ_SIZE);
	pthread_mutex_unlock(&fs->mu);
	return vid;
}

void fake_sheep_delete_vdi(struct fake_sheep *fs, uint32_t vid)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = inode_of(fs, vid);
	if (o)
		o->data[SD_INODE_NAME_OFF] = 0;
	pthread_mutex_unlock(&fs->mu);
}

uint32_t fake_sheep_index(struct fake_sheep *fs, uint32_t vid, uint32_t idx)
{
	uint32_t e = 0;
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = inode_of(fs, vid);
	struct sd_btree_io io = { .arg = fs, .get = node_get };
	if (o == NULL || sd_inode_lookup(o->data, o->size, idx, &io, &e) != SD_OK)
		e = 0;
	pthread_mutex_unlock(&fs->mu);
	return e;
}

bool fake_sheep_read(struct fake_sheep *fs, uint64_t oid, uint32_t off, void *buf, uint32_t len)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = obj_find(fs, oid);
	bool ok = o != NULL && (uint64_t)off + len <= o->size;
	if (ok)
		memcpy(buf, o->data + off, len);
	pthread_mutex_unlock(&fs->mu);
	return ok;
}

bool fake_sheep_exists(struct fake_sheep *fs, uint64_t oid)
{
	pthread_mutex_lock(&fs->mu);
	bool ok = obj_find(fs, oid) != NULL;
	pthread_mutex_unlock(&fs->mu);
	return ok;
}

void fake_sheep_put(struct fake_sheep *fs, uint64_t oid, uint32_t off, const void *data, uint32_t len)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = obj_find(fs, oid);
	if (o == NULL) {
		uint32_t size = obj_size(fs, oid);
		uint8_t *b = calloc(1, size);
		if (b == NULL)
			abort();
		obj_put(fs, oid, b, size);
		o = obj_find(fs, oid);
	}
	if ((uint64_t)off + len <= o->size)
		memcpy(o->data + off, data, len);
	pthread_mutex_unlock(&fs->mu);
}

void fake_sheep_set_locking(struct fake_sheep *fs, bool on)
{
	pthread_mutex_lock(&fs->mu);
	fs->locking = on;
	pthread_mutex_unlock(&fs->mu);
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
