/* The pool tests' loopback peer: see loop_peer.h. One thread accepts, one thread per connection
 * reads requests and answers them. */
#define _GNU_SOURCE
#include "loop_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_proto.h"
#include "sock_full.h"
#include "test_require.h"

struct serve_arg {
	struct peer *p;
	int fd, nconn;
};

uint8_t peer_pattern(uint64_t oid, uint32_t off, uint32_t i)
{
	return (uint8_t)(oid * 31 + off * 7 + i);
}

struct pending {
	struct sd_req req;
};

/* Answers the n collected requests in reverse order; -1 when the client went away. */
static int answer_batch(struct peer *p, int fd, int nconn, struct pending *q, int n)
{
	for (int k = n - 1; k >= 0; k--) {
		struct sd_rsp rsp;
		memset(&rsp, 0, sizeof(rsp));
		rsp.opcode = q[k].req.opcode;
		rsp.id = q[k].req.id;
		if (p->mode == BAD_ID_FIRST && nconn == 1)
			rsp.id ^= 0x5a5a0000u; /* an id nobody asked for */
		struct sd_obj_args oa;
		sd_req_get_obj(&q[k].req, &oa);
		uint32_t dl = q[k].req.opcode == SD_OP_READ_OBJ ? q[k].req.data_length : 0;
		rsp.data_length = dl;
		uint8_t out[SD_HEADER_SIZE];
		sd_rsp_encode(&rsp, out);
		uint8_t *data = malloc(dl + 1);
		for (uint32_t i = 0; i < dl; i++)
			data[i] = peer_pattern(oa.oid, oa.offset, i);
		int r = send_full(fd, out, sizeof(out)) || send_full(fd, data, dl);
		free(data);
		if (r)
			return -1;
	}
	return 0;
}

/*
 * Collects up to p->batch requests and answers them in reverse order. A partial batch is
 * answered once the client has sent nothing for a moment: how the pool spreads requests over
 * its connections is its own business, so a connection may get any number of them.
 */
static void serve(struct peer *p, int fd, int nconn)
{
	struct pending *q = calloc((size_t)p->batch, sizeof(*q));
	int n = 0, total = 0;
	uint8_t h[SD_HEADER_SIZE];
	for (;;) {
		if (n > 0 && p->mode != SILENT && !(p->mode == SILENT_FIRST && nconn == 1) &&
		    !atomic_load(&p->hush)) {
			struct pollfd w = { .fd = fd, .events = POLLIN };
			if (poll(&w, 1, 50) == 0) {
				if (answer_batch(p, fd, nconn, q, n))
					break;
				n = 0;
			}
		}
		if (read_full(fd, h, sizeof(h)) != 0)
			break;
		sd_req_decode(h, sizeof(h), &q[n].req);
		if (q[n].req.flags & SD_FLAG_CMD_WRITE) {
			uint8_t *skip = malloc(q[n].req.data_length + 1);
			int r = read_full(fd, skip, q[n].req.data_length);
			free(skip);
			if (r)
				break;
		}
		atomic_fetch_add(&p->received, 1);
		n++;
		if (n > atomic_load(&p->max_unanswered))
			atomic_store(&p->max_unanswered, n);
		total++;
		if ((p->mode == DROP_FIRST_CONNECTION || p->mode == DROP_AND_REFUSE) && nconn == 1 &&
		    total == 5) {
			if (p->mode == DROP_AND_REFUSE) /* first: the pool's reconnect is refused */
				shutdown(p->lfd, SHUT_RDWR);
			break; /* vanish with requests in flight */
		}
		if (p->mode == SILENT || (p->mode == SILENT_FIRST && nconn == 1) || atomic_load(&p->hush)) {
			n = 0; /* a hung gateway: reads requests, never answers */
			continue;
		}
		if (n < p->batch)
			continue;
		if (answer_batch(p, fd, nconn, q, n))
			break;
		n = 0;
	}
	free(q);
	close(fd);
}

static void *serve_main(void *arg)
{
	struct serve_arg *a = arg;
	serve(a->p, a->fd, a->nconn);
	free(a);
	return NULL;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	while (!atomic_load(&p->stop)) {
		int fd = accept(p->lfd, NULL, NULL);
		if (fd < 0)
			break;
		int nconn = atomic_fetch_add(&p->conns, 1) + 1;
		struct serve_arg *a = malloc(sizeof(*a));
		CHECK(a != NULL && nconn <= 16);
		*a = (struct serve_arg){ p, fd, nconn };
		CHECK(pthread_create(&p->serving[nconn - 1], NULL, serve_main, a) == 0);
	}
	return NULL;
}

void peer_start_on(struct peer *p, enum peer_mode m, int batch, int port)
{
	memset(p, 0, sizeof(*p));
	p->mode = m;
	p->batch = batch;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)port) };
	socklen_t al = sizeof(a);
	CHECK(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(p->lfd, 8) == 0);
	CHECK(getsockname(p->lfd, (struct sockaddr *)&a, &al) == 0);
	p->port = ntohs(a.sin_port);
	CHECK(pthread_create(&p->thr, NULL, peer_main, p) == 0);
}

void peer_start(struct peer *p, enum peer_mode m, int batch)
{
	peer_start_on(p, m, batch, 0);
}

void peer_stop(struct peer *p)
{
	atomic_store(&p->stop, 1);
	shutdown(p->lfd, SHUT_RDWR);
	close(p->lfd);
	pthread_join(p->thr, NULL);
	/* the pool was destroyed first: its connections are closed and every server thread ends */
	for (int i = 0; i < atomic_load(&p->conns); i++)
		pthread_join(p->serving[i], NULL);
}
