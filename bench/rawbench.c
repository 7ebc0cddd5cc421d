/*
 * sheepfs_rawbench: the cluster's limit for volume I/O, measured without FUSE.
 *
 * Keeps conns x depth object reads or writes in flight directly against one sheep, on a VDI
 * given by name: every connection has its own thread and `depth` request slots, pipelined by
 * id (responses may come back in any order), and a completed slot is refilled at once. Modes:
 * sequential read/write in requests of SIZE bytes (a shared cursor walks the region, so the
 * connections together stream it like one sequential client with deep readahead) and random
 * 4 KiB-aligned reads/writes of SIZE bytes. Objects of the region that the VDI does not own yet
 * are created before the clock starts, so that the timed part is pure object I/O.
 *
 * Uses the project's C codec (native/src/sd_proto.h, sd_inode.h) for every header and the inode;
 * the sockets and the pipelining are deliberately its own, simple code: this is the yardstick
 * the native data path is compared with.
 *
 * Output: a human line, and one "RESULT key=value ..." line that bench/run parses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sd_inode.h"
#include "sd_proto.h"

#include "cpu_time.h"

#define MAX_CONNS 64
#define MAX_DEPTH 128

enum mode { M_READ, M_WRITE, M_RANDREAD, M_RANDWRITE };

struct slot {
	uint8_t *buf;
	struct sd_req req;
	uint64_t start_ns;
	bool busy;
};

struct worker {
	struct bench *b;
	pthread_t thread;
	int fd;
	unsigned index;
	uint64_t rng;
	struct slot slots[MAX_DEPTH];
	/* results */
	uint64_t ops, bytes, lat_ns_sum;
	int err; /* 0, or a positive errno / sheep result reported by the thread */
	char errmsg[160];
};

/* Everything the run shares: options, the VDI's index, the clock (the one context struct). */
struct bench {
	const char *host, *port, *vdi;
	enum mode mode;
	uint32_t size;     /* bytes per request */
	unsigned conns, depth;
	double seconds;
	uint64_t region;   /* bytes of the volume the run covers, from offset 0 */
	bool no_create;
	/* the VDI */
	uint32_t vid;
	uint64_t vdi_size;
	uint32_t object_size;
	uint8_t copies;
	uint8_t *inode;    /* [0, SD_INODE_INDEX_END) */
	size_t inode_len;
	uint32_t *owner;   /* per object of the region: vid that holds its data (0: hole) */
	uint32_t nr_objs;
	/* run state */
	atomic_uint_fast64_t cursor; /* next sequential offset (modulo region) */
	atomic_bool stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "rawbench: %s:%s: %s\n", host, port, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "rawbench: connect %s:%s: %s\n", host, port, strerror(errno));
		return -1;
	}
	int one = 1; /* headers are small and latency matters: no Nagle delay */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int write_full(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;
	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_full(int fd, void *p, size_t n)
{
	uint8_t *c = p;
	while (n > 0) {
		ssize_t r = recv(fd, c, n, MSG_WAITALL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ECONNRESET;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Header and payload in one sendmsg: a small write must not become two TCP segments. */
static int send_req(int fd, const struct sd_req *req, const void *payload, size_t plen)
{
	uint8_t hdr[SD_HEADER_SIZE];
	sd_req_encode(req, hdr);
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, plen}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = payload && plen ? 2 : 1};
	size_t total = sizeof(hdr) + (payload ? plen : 0);
	ssize_t w;
	do {
		w = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	if ((size_t)w == total)
		return 0;
	/* partial: finish the rest by hand */
	size_t done = (size_t)w;
	if (done < sizeof(hdr)) {
		int rc = write_full(fd, hdr + done, sizeof(hdr) - done);
		if (rc)
			return rc;
		done = sizeof(hdr);
	}
	return write_full(fd, (const uint8_t *)payload + (done - sizeof(hdr)), total - done);
}

/* Reads one response header; the payload is read by the caller into the buffer it chose. */
static int recv_rsp(int fd, struct sd_rsp *rsp)
{
	uint8_t hdr[SD_HEADER_SIZE];
	int rc = read_full(fd, hdr, sizeof(hdr));
	if (rc)
		return rc;
	return sd_rsp_decode(hdr, sizeof(hdr), rsp) == SD_OK ? 0 : -EPROTO;
}

/* One synchronous request (set-up only). Returns 0, -errno, or the sheep result (> 0). */
static int call(int fd, struct sd_req *req, const void *payload, void *rbuf, size_t rlen,
		struct sd_rsp *rsp_out)
{
	static const uint32_t setup_id = 0x5e7u; /* one request at a time: any fixed id works */
	req->id = setup_id;
	int rc = send_req(fd, req, payload, (req->flags & SD_FLAG_CMD_WRITE) ? req->data_length : 0);
	if (rc)
		return rc;
	struct sd_rsp rsp;
	if ((rc = recv_rsp(fd, &rsp)) != 0)
		return rc;
	if (rsp.id != setup_id || sd_rsp_check(&rsp, req) != SD_OK)
		return -EPROTO;
	if (rsp.data_length > 0) {
		if (!rbuf || rsp.data_length > rlen)
			return -EPROTO;
		if ((rc = read_full(fd, rbuf, rsp.data_length)) != 0)
			return rc;
	}
	if (rsp_out)
		*rsp_out = rsp;
	return rsp.result == SD_RES_SUCCESS ? 0 : (int)rsp.result;
}

static void report_result(const char *what, int rc)
{
	char buf[48];
	if (rc < 0)
		fprintf(stderr, "rawbench: %s: %s\n", what, strerror(-rc));
	else
		fprintf(stderr, "rawbench: %s: %s\n", what, sd_result_format((uint32_t)rc, buf, sizeof(buf)));
}

/* B-tree nodes for sd_inode_set_vid/lookup on hyper volumes, fetched over the set-up socket. */
struct node_cache {
	int fd;
	unsigned nr;
	uint64_t oid[16];
	uint8_t *node[16];
};

static int node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct node_cache *nc = arg;
	for (unsigned i = 0; i < nc->nr; i++)
		if (nc->oid[i] == oid) {
			*node = nc->node[i];
			*len = SD_BTREE_NODE_OBJ_SIZE;
			return 0;
		}
	if (nc->nr == 16)
		return -1;
	uint8_t *buf = calloc(1, SD_BTREE_NODE_OBJ_SIZE);
	if (!buf)
		return -1;
	struct sd_req req;
	sd_req_read_obj(&req, oid, 0, SD_BTREE_NODE_OBJ_SIZE);
	if (call(nc->fd, &req, NULL, buf, SD_BTREE_NODE_OBJ_SIZE, NULL) != 0) {
		free(buf);
		return -1;
	}
	nc->oid[nc->nr] = oid;
	nc->node[nc->nr++] = buf;
	*node = buf;
	*len = SD_BTREE_NODE_OBJ_SIZE;
	return 0;
}

static int node_create(void *arg, uint64_t oid, uint8_t **node)
{
	struct node_cache *nc = arg;
	if (nc->nr == 16)
		return -1;
	uint8_t *buf = calloc(1, SD_BTREE_NODE_OBJ_SIZE);
	if (!buf)
		return -1;
	nc->oid[nc->nr] = oid;
	nc->node[nc->nr++] = buf;
	*node = buf;
	return 0;
}

static void node_cache_free(struct node_cache *nc)
{
	for (unsigned i = 0; i < nc->nr; i++)
		free(nc->node[i]);
	nc->nr = 0;
}

/* GET_VDI_INFO by name, then the inode's header and index. */
static int open_vdi(struct bench *b, int fd, struct node_cache *nc)
{
	uint8_t name[SD_VDI_LOOKUP_PAYLOAD];
	if (sd_vdi_name_payload(name, b->vdi, NULL) != SD_OK) {
		fprintf(stderr, "rawbench: VDI name too long\n");
		return -1;
	}
	struct sd_req req;
	struct sd_rsp rsp;
	sd_req_vdi_lookup(&req, SD_OP_GET_VDI_INFO, 0, 0);
	int rc = call(fd, &req, name, NULL, 0, &rsp);
	if (rc) {
		report_result(b->vdi, rc);
		return -1;
	}
	struct sd_vdi_rsp_args va;
	sd_rsp_get_vdi(&rsp, &va);
	b->vid = va.vdi_id;

	b->inode_len = SD_INODE_INDEX_END;
	b->inode = calloc(1, b->inode_len);
	if (!b->inode)
		return -1;
	sd_req_read_obj(&req, sd_inode_oid(b->vid), 0, (uint32_t)b->inode_len);
	rc = call(fd, &req, NULL, b->inode, b->inode_len, &rsp);
	if (rc) {
		report_result("read inode", rc);
		return -1;
	}
	struct sd_inode_hdr hdr;
	if ((rc = sd_inode_hdr_decode(b->inode, rsp.data_length, &hdr)) != SD_OK) {
		fprintf(stderr, "rawbench: inode: %s\n", sd_err_str(rc));
		return -1;
	}
	if (sd_inode_is_snapshot(&hdr)) {
		fprintf(stderr, "rawbench: %s resolves to a snapshot\n", b->vdi);
		return -1;
	}
	b->vdi_size = hdr.vdi_size;
	b->object_size = (uint32_t)sd_inode_object_size(&hdr);
	b->copies = hdr.nr_copies;
	if (b->region == 0 || b->region > b->vdi_size)
		b->region = b->vdi_size;
	b->region -= b->region % b->object_size;
	if (b->region == 0) {
		fprintf(stderr, "rawbench: region smaller than one object (%" PRIu32 " bytes)\n", b->object_size);
		return -1;
	}
	b->nr_objs = (uint32_t)(b->region / b->object_size);
	b->owner = calloc(b->nr_objs, sizeof(*b->owner));
	if (!b->owner)
		return -1;
	struct sd_btree_io io = {.arg = nc, .get = node_get, .create = node_create};
	for (uint32_t i = 0; i < b->nr_objs; i++) {
		if ((rc = sd_inode_lookup(b->inode, b->inode_len, i, &io, &b->owner[i])) != SD_OK) {
			fprintf(stderr, "rawbench: index %" PRIu32 ": %s\n", i, sd_err_str(rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Makes every object of the region the VDI's own, the way a writer does: CREATE_AND_WRITE_OBJ of
 * the whole object (copy-on-write from the ancestor that holds it, if any), then the index
 * writes sd_inode_set_vid lists. Not timed.
 */
static int create_objects(struct bench *b, int fd, struct node_cache *nc)
{
	uint32_t missing = 0;
	for (uint32_t i = 0; i < b->nr_objs; i++)
		missing += b->owner[i] != b->vid;
	if (missing == 0)
		return 0;
	if (b->no_create) {
		fprintf(stderr, "rawbench: %" PRIu32 " objects of the region are not %s's own (--no-create)\n",
			missing, b->vdi);
		return -1;
	}
	fprintf(stderr, "rawbench: creating %" PRIu32 " objects of %s first\n", missing, b->vdi);
	uint8_t *data = malloc(b->object_size);
	if (!data)
		return -1;
	for (uint32_t k = 0; k < b->object_size; k++)
		data[k] = (uint8_t)(k * 131u + 7u); /* not zeros: a store cannot cheat with holes */
	struct sd_btree_io io = {.arg = nc, .get = node_get, .create = node_create};
	int ret = 0;
	for (uint32_t i = 0; i < b->nr_objs && ret == 0; i++) {
		if (b->owner[i] == b->vid)
			continue;
		uint64_t cow = b->owner[i] ? sd_data_oid(b->owner[i], i) : 0;
		struct sd_req req;
		sd_req_create_obj(&req, sd_data_oid(b->vid, i), cow, 0, b->object_size, b->copies);
		int rc = call(fd, &req, data, NULL, 0, NULL);
		if (rc) {
			report_result("create object", rc);
			ret = -1;
			break;
		}
		struct sd_index_update upd;
		if ((rc = sd_inode_set_vid(b->inode, b->inode_len, i, b->vid, &io, &upd)) != SD_OK) {
			fprintf(stderr, "rawbench: index update: %s\n", sd_err_str(rc));
			ret = -1;
			break;
		}
		for (unsigned w = 0; w < upd.nr; w++) {
			if (upd.w[w].create)
				sd_req_create_obj(&req, upd.w[w].oid, 0, upd.w[w].offset, upd.w[w].len, b->copies);
			else
				sd_req_write_obj(&req, upd.w[w].oid, upd.w[w].offset, upd.w[w].len, b->copies);
			if ((rc = call(fd, &req, upd.w[w].data, NULL, 0, NULL)) != 0) {
				report_result("write index", rc);
				ret = -1;
				break;
			}
		}
		b->owner[i] = b->vid;
	}
	free(data);
	return ret;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The next request of this worker's workload: fills slot->req. */
static void next_request(struct worker *w, struct slot *s)
{
	struct bench *b = w->b;
	uint64_t off;
	uint32_t len = b->size;
	if (b->mode == M_READ || b->mode == M_WRITE) {
		off = atomic_fetch_add(&b->cursor, b->size) % b->region;
	} else {
		uint64_t units = b->region / 4096;
		off = (xorshift(&w->rng) % units) * 4096;
	}
	uint32_t idx = (uint32_t)(off / b->object_size);
	uint32_t in_obj = (uint32_t)(off % b->object_size);
	if (len > b->object_size - in_obj) /* one request never spans two objects */
		len = b->object_size - in_obj;
	uint64_t oid = sd_data_oid(b->owner[idx], idx);
	if (b->mode == M_WRITE || b->mode == M_RANDWRITE)
		sd_req_write_obj(&s->req, oid, in_obj, len, b->copies);
	else
		sd_req_read_obj(&s->req, oid, in_obj, len);
}

static int issue(struct worker *w, unsigned i)
{
	struct slot *s = &w->slots[i];
	next_request(w, s);
	s->req.id = i; /* the slot is the id: one request per slot at a time */
	s->busy = true;
	s->start_ns = now_ns();
	bool wr = (s->req.flags & SD_FLAG_CMD_WRITE) != 0;
	return send_req(w->fd, &s->req, wr ? s->buf : NULL, wr ? s->req.data_length : 0);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	unsigned busy = 0;
	int rc = 0;
	for (unsigned i = 0; i < b->depth && rc == 0; i++, busy++)
		rc = issue(w, i);
	while (rc == 0 && busy > 0) {
		struct sd_rsp rsp;
		if ((rc = recv_rsp(w->fd, &rsp)) != 0)
			break;
		if (rsp.id >= b->depth || !w->slots[rsp.id].busy) {
			rc = -EPROTO;
			snprintf(w->errmsg, sizeof(w->errmsg), "response id %" PRIu32 " matches no request", rsp.id);
			break;
		}
		struct slot *s = &w->slots[rsp.id];
		if (sd_rsp_check(&rsp, &s->req) != SD_OK) {
			rc = -EPROTO;
			snprintf(w->errmsg, sizeof(w->errmsg), "response does not match its request");
			break;
		}
		if (rsp.data_length && (rc = read_full(w->fd, s->buf, rsp.data_length)) != 0)
			break;
		if (rsp.result != SD_RES_SUCCESS) {
			char buf[48];
			snprintf(w->errmsg, sizeof(w->errmsg), "%s", sd_result_format(rsp.result, buf, sizeof(buf)));
			rc = (int)rsp.result;
			break;
		}
		s->busy = false;
		busy--;
		if (atomic_load_explicit(&b->stop, memory_order_relaxed))
			continue; /* drain: completions after the stop are not counted */
		w->ops++;
		w->bytes += s->req.data_length;
		w->lat_ns_sum += now_ns() - s->start_ns;
		if ((rc = issue(w, rsp.id)) == 0)
			busy++;
	}
	if (rc && !w->errmsg[0])
		snprintf(w->errmsg, sizeof(w->errmsg), "%s", strerror(rc < 0 ? -rc : EIO));
	w->err = rc;
	atomic_store(&b->stop, true); /* one failed connection ends the run */
	return NULL;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sheepfs_rawbench -v VDI -m MODE [options]\n"
		"  -a, --address ADDR   sheep address (default 127.0.0.1)\n"
		"  -p, --port PORT      sheep port (default 7000)\n"
		"  -v, --vdi NAME       the VDI (its working copy) to run on\n"
		"  -m, --mode MODE      read | write (sequential) | randread | randwrite\n"
		"  -s, --size BYTES     request size (default 1M; 4K for random modes), at most the object size\n"
		"  -c, --conns N        connections, one thread each (default 4)\n"
		"  -q, --depth N        requests in flight per connection (default 4)\n"
		"  -t, --time SECONDS   timed part (default 10)\n"
		"  -r, --region BYTES   use [0, BYTES) of the volume (default: all of it)\n"
		"      --no-create      fail instead of creating objects the VDI does not own\n"
		"Prints MiB/s and IOPS, then a line 'RESULT key=value ...'.\n");
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{"address", required_argument, NULL, 'a'}, {"port", required_argument, NULL, 'p'},
		{"vdi", required_argument, NULL, 'v'},     {"mode", required_argument, NULL, 'm'},
		{"size", required_argument, NULL, 's'},    {"conns", required_argument, NULL, 'c'},
		{"depth", required_argument, NULL, 'q'},   {"time", required_argument, NULL, 't'},
		{"region", required_argument, NULL, 'r'},  {"no-create", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	uint64_t size = 0, v;
	const char *mode = NULL;
	int c;
	b->host = "127.0.0.1";
	b->port = "7000";
	b->conns = 4;
	b->depth = 4;
	b->seconds = 10;
	while ((c = getopt_long(argc, argv, "a:p:v:m:s:c:q:t:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': b->host = optarg; break;
		case 'p': b->port = optarg; break;
		case 'v': b->vdi = optarg; break;
		case 'm': mode = optarg; break;
		case 's':
			if (parse_size(optarg, &size) || size == 0 || size > (UINT64_C(1) << 31))
				return -1;
			break;
		case 'c': b->conns = (unsigned)atoi(optarg); break;
		case 'q': b->depth = (unsigned)atoi(optarg); break;
		case 't': b->seconds = atof(optarg); break;
		case 'r':
			if (parse_size(optarg, &v))
				return -1;
			b->region = v;
			break;
		case 'N': b->no_create = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!b->vdi || !mode || optind != argc)
		return -1;
	if (!strcmp(mode, "read"))
		b->mode = M_READ;
	else if (!strcmp(mode, "write"))
		b->mode = M_WRITE;
	else if (!strcmp(mode, "randread"))
		b->mode = M_RANDREAD;
	else if (!strcmp(mode, "randwrite"))
		b->mode = M_RANDWRITE;
	else
		return -1;
	bool rnd = b->mode == M_RANDREAD || b->mode == M_RANDWRITE;
	b->size = (uint32_t)(size ? size : rnd ? 4096 : 1u << 20);
	if (b->conns < 1 || b->conns > MAX_CONNS || b->depth < 1 || b->depth > MAX_DEPTH || b->seconds <= 0)
		return -1;
	return 0;
}

static const char *mode_name(enum mode m)
{
	static const char *const names[] = {"read", "write", "randread", "randwrite"};
	return names[m];
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	int ctl = dial(b.host, b.port);
	if (ctl < 0)
		return 1;
	struct node_cache nc = {.fd = ctl};
	if (open_vdi(&b, ctl, &nc) || create_objects(&b, ctl, &nc))
		return 1;
	node_cache_free(&nc);
	close(ctl);
	if (b.size > b.object_size) { /* one request addresses one object: the largest is a whole one */
		fprintf(stderr, "rawbench: request size %" PRIu32 " clamped to the object size %" PRIu32 "\n", b.size,
			b.object_size);
		b.size = b.object_size;
	}

	struct worker *w = calloc(b.conns, sizeof(*w));
	if (!w)
		return 1;
	for (unsigned i = 0; i < b.conns; i++) {
		w[i].b = &b;
		w[i].index = i;
		w[i].rng = 0x9e3779b97f4a7c15ull * (i + 1) ^ (uint64_t)now_ns();
		if ((w[i].fd = dial(b.host, b.port)) < 0)
			return 1;
		for (unsigned d = 0; d < b.depth; d++) {
			if (!(w[i].slots[d].buf = malloc(b.size)))
				return 1;
			memset(w[i].slots[d].buf, 0x5a ^ (int)d, b.size);
		}
	}
	/* start the sequential cursor at a random object so repeated runs do not replay one order */
	atomic_store(&b.cursor, (now_ns() % b.nr_objs) * b.object_size);
	double cpu0 = bench_cpu_seconds(RUSAGE_SELF);
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < b.conns; i++)
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "rawbench: pthread_create failed\n");
			return 1;
		}
	uint64_t end = t0 + (uint64_t)(b.seconds * 1e9);
	while (!atomic_load(&b.stop)) {
		uint64_t t = now_ns();
		if (t >= end)
			break;
		uint64_t left = end - t;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = left > 50000000 ? 50000000 : (long)left};
		nanosleep(&ts, NULL);
	}
	atomic_store(&b.stop, true);
	double elapsed = (double)(now_ns() - t0) / 1e9;
	int failed = 0;
	uint64_t ops = 0, bytes = 0, lat = 0;
	for (unsigned i = 0; i < b.conns; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err) {
			fprintf(stderr, "rawbench: connection %u: %s\n", i, w[i].errmsg);
			failed = 1;
		}
		ops += w[i].ops;
		bytes += w[i].bytes;
		lat += w[i].lat_ns_sum;
		close(w[i].fd);
		for (unsigned d = 0; d < b.depth; d++)
			free(w[i].slots[d].buf);
	}
	double cpu = bench_cpu_seconds(RUSAGE_SELF) - cpu0;
	free(w);
	free(b.owner);
	free(b.inode);
	if (failed)
		return 1;
	double mibps = (double)bytes / elapsed / 1048576.0;
	double iops = (double)ops / elapsed;
	double lat_us = ops ? (double)lat / (double)ops / 1000.0 : 0;
	double cpu_per_gib = bytes ? cpu / ((double)bytes / 1073741824.0) : 0;
	printf("%s %" PRIu32 "B x %u conns x %u deep on %s: %.1f MiB/s, %.0f IOPS, avg latency %.0f us, "
	       "client CPU %.2f s/GiB\n",
	       mode_name(b.mode), b.size, b.conns, b.depth, b.vdi, mibps, iops, lat_us, cpu_per_gib);
	printf("RESULT mode=%s size=%" PRIu32 " conns=%u depth=%u seconds=%.2f ops=%" PRIu64 " bytes=%" PRIu64
	       " mibps=%.1f iops=%.0f lat_us=%.0f cpu_s=%.3f cpu_s_per_gib=%.3f\n",
	       mode_name(b.mode), b.size, b.conns, b.depth, elapsed, ops, bytes, mibps, iops, lat_us, cpu,
	       cpu_per_gib);
	return 0;
}
