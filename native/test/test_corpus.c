/*
 * The recorded Sheepdog traffic (SHEEPFS_WIRE_DIR) against the C codec:
 *  - every request header decodes and re-encodes byte for byte, also through its typed variant
 *    (obj / vdi) rebuilt from zeroed union bytes;
 *  - every response header decodes, re-encodes, and passes sd_rsp_check against the request
 *    with the same id on its connection (the known CLUSTER_INFO / GET_NODE_LIST overflow aside);
 *  - every inode read back decodes, and carries the vid of the oid it was read from;
 *  - every data object dog read after loading an inode is the one sd_inode_lookup names;
 *  - every index update dog wrote after creating an object (flat 4-byte entry, hyper header +
 *    root + btree_counter) is reproduced byte for byte by sd_inode_set_vid.
 * Usage: test_corpus WIRE_DIR
 */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "sd_inode.h"
#include "test_util.h"

#define RECENT 64

struct recent_req {
	struct sd_req req;
	int answered;
};

/* A response recorded before the request it answers (pipelining: the JSON pairs by position). */
struct early_rsp {
	struct sd_rsp rsp;
	int exchange;
};

struct ctx {
	const char *dir;
	struct t_stats st;
	unsigned files, req_headers, rsp_headers, obj_variants, vdi_variants, rsp_checked, rsp_overflow;
	unsigned inodes, lookups, updates_started, update_writes, updates_complete, hyper_updates;
	/* state of the current file / connection */
	const char *file;
	int conn;
	struct recent_req recent[RECENT];
	unsigned nrecent;
	struct early_rsp early[RECENT];
	unsigned nearly;
	uint8_t *inode; /* last full inode read in this file */
	int have_inode;
	/* Data reads made while an inode was loaded. The JSON lists connections one after another,
	 * so a read on one socket may follow (in time) an index update on another: they are checked
	 * at the end of the file, against the index after all of its updates. */
	uint64_t reads[4096];
	uint32_t read_vid[4096]; /* vid of the inode loaded at the time */
	unsigned nreads;
	int discarded; /* a DISCARD_OBJ changed the index behind our copy's back */
	uint32_t inode_vid;
	struct sd_index_update upd; /* index update expected next on the wire */
	unsigned upd_next;
	int upd_active;
	uint8_t *payload;
};

static int is_obj_op(uint8_t op)
{
	return (op >= 0x01 && op <= 0x05) || op == SD_OP_FLUSH_VDI || op == SD_OP_FLUSH_DEL_CACHE ||
	       op == SD_OP_EXIST || (op >= 0xA3 && op <= 0xA6) || op == 0xB4;
}

static int is_vdi_op(uint8_t op)
{
	return (op >= SD_OP_NEW_VDI && op <= SD_OP_GET_VDI_INFO) || op == SD_OP_DEL_VDI ||
	       op == SD_OP_GET_VDI_ATTR;
}

static void finish_update(struct ctx *c)
{
	if (c->upd_active) {
		/* dog's writes must have covered the whole update we computed */
		CHECK_EQ(&c->st, c->upd_next, c->upd.nr);
		if (c->upd_next != c->upd.nr)
			fprintf(stderr, "  %s conn %d: index update incomplete\n", c->file, c->conn);
		else
			c->updates_complete++;
	}
	c->upd_active = 0;
}

/* Every response must have found its request by the end of its connection. */
static void end_connection(struct ctx *c)
{
	for (unsigned i = 0; i < c->nearly; i++) {
		CHECK(&c->st, !"response without request");
		fprintf(stderr, "  %s conn %d ex %d: response id %u opcode %#x matches no request\n", c->file,
			c->conn, c->early[i].exchange, c->early[i].rsp.id, c->early[i].rsp.opcode);
	}
	c->nearly = 0;
	c->nrecent = 0;
}

/* dog derives the oid of each data read from the inode it loaded (plus its own updates) */
static void check_reads(struct ctx *c)
{
	for (unsigned i = 0; i < c->nreads && !c->discarded; i++) {
		if (c->read_vid[i] != c->inode_vid)
			continue;
		uint32_t vid = 0;
		uint64_t oid = c->reads[i];
		int r = sd_inode_lookup(c->inode, SD_INODE_OBJ_SIZE, sd_oid_to_idx(oid), NULL, &vid);
		CHECK_EQ(&c->st, r, SD_OK);
		CHECK_EQ(&c->st, vid, sd_oid_to_vid(oid));
		if (vid != sd_oid_to_vid(oid))
			fprintf(stderr, "  %s: READ_OBJ %016llx, inode %x says %x\n", c->file,
				(unsigned long long)oid, c->inode_vid, vid);
		c->lookups++;
	}
	c->nreads = 0;
	c->discarded = 0;
}

static void new_scope(struct ctx *c, const struct corpus_msg *m)
{
	if (c->file != m->file) {
		end_connection(c);
		finish_update(c);
		check_reads(c);
		c->file = m->file;
		c->files++;
		c->have_inode = 0;
		c->conn = -1;
	}
	if (c->conn != m->conn) {
		end_connection(c);
		c->conn = m->conn;
	}
}

static void check_variants(struct ctx *c, const struct sd_req *req, const uint8_t *hdr)
{
	struct sd_req copy = *req;
	uint8_t out[48];
	memset(copy.args, 0, sizeof(copy.args));
	if (is_obj_op(req->opcode)) {
		struct sd_obj_args o;
		sd_req_get_obj(req, &o);
		sd_req_set_obj(&copy, &o);
		c->obj_variants++;
	} else if (is_vdi_op(req->opcode)) {
		struct sd_vdi_args v;
		sd_req_get_vdi(req, &v);
		sd_req_set_vdi(&copy, &v);
		c->vdi_variants++;
	} else {
		return;
	}
	sd_req_encode(&copy, out);
	CHECK(&c->st, memcmp(out, hdr, 48) == 0);
}

/* A WRITE_OBJ of the inode while an update is pending must be the next write we predicted. */
static void check_update_write(struct ctx *c, const struct corpus_msg *m, const struct sd_req *req)
{
	struct sd_obj_args o;
	sd_req_get_obj(req, &o);
	if (!c->upd_active || o.oid != sd_inode_oid(c->inode_vid))
		return;
	if (c->upd_next >= c->upd.nr) {
		CHECK(&c->st, !"more inode writes than predicted");
		fprintf(stderr, "  %s conn %d ex %d: unexpected inode write off %u len %u\n", c->file, m->conn,
			m->exchange, o.offset, req->data_length);
		return;
	}
	const struct sd_index_write *w = &c->upd.w[c->upd_next++];
	long n = corpus_payload_load(c->dir, &m->payload, c->payload, CORPUS_MAX_PAYLOAD);
	int same = w->oid == o.oid && w->offset == o.offset && w->len == req->data_length && !w->create &&
		   n == (long)w->len && memcmp(w->data, c->payload, w->len) == 0;
	CHECK(&c->st, same);
	if (!same)
		fprintf(stderr, "  %s conn %d ex %d: inode write off %u len %u, predicted off %u len %u\n",
			c->file, m->conn, m->exchange, o.offset, req->data_length, w->offset, w->len);
	c->update_writes++;
	if (c->upd_next == c->upd.nr)
		finish_update(c);
}

static void check_pair(struct ctx *c, const struct sd_rsp *rsp, const struct sd_req *req)
{
	int r = sd_rsp_check(rsp, req);
	if (r == SD_ERR_TOO_BIG && (rsp->opcode == SD_OP_CLUSTER_INFO || rsp->opcode == SD_OP_GET_NODE_LIST)) {
		c->rsp_overflow++; /* sheep 1.0 bug (PROTOCOL.md 2.5): a client must refuse it */
	} else {
		CHECK_EQ(&c->st, r, SD_OK);
		c->rsp_checked++;
	}
}

static void on_request(struct ctx *c, const struct corpus_msg *m)
{
	struct sd_req req;
	uint8_t out[48];
	c->req_headers++;
	CHECK_EQ(&c->st, sd_req_decode(m->header, 48, &req), SD_OK);
	sd_req_encode(&req, out);
	CHECK(&c->st, memcmp(out, m->header, 48) == 0);
	check_variants(c, &req, m->header);

	if (c->nrecent == RECENT)
		memmove(c->recent, c->recent + 1, sizeof(c->recent[0]) * --c->nrecent);
	c->recent[c->nrecent++] = (struct recent_req){ req, 0 };
	for (unsigned i = 0; i < c->nearly; i++)
		if (c->early[i].rsp.id == req.id) {
			c->recent[c->nrecent - 1].answered = 1;
			check_pair(c, &c->early[i].rsp, &req);
			c->early[i] = c->early[--c->nearly];
			break;
		}

	struct sd_obj_args o;
	sd_req_get_obj(&req, &o);
	if (req.opcode == SD_OP_WRITE_OBJ) {
		check_update_write(c, m, &req);
	} else if (req.opcode == SD_OP_READ_OBJ && sd_is_data_oid(o.oid) && c->have_inode &&
		   c->nreads < 4096) {
		c->reads[c->nreads] = o.oid;
		c->read_vid[c->nreads++] = c->inode_vid;
	} else if (req.opcode == SD_OP_DISCARD_OBJ) {
		c->discarded = 1;
	} else if (req.opcode == SD_OP_CREATE_AND_WRITE_OBJ && sd_is_data_oid(o.oid) && c->have_inode &&
		   sd_oid_to_vid(o.oid) == c->inode_vid) {
		/* a new object of the loaded VDI: the index update dog sends next must match ours */
		finish_update(c);
		int r = sd_inode_set_vid(c->inode, SD_INODE_OBJ_SIZE, sd_oid_to_idx(o.oid), c->inode_vid, NULL,
					 &c->upd);
		CHECK_EQ(&c->st, r, SD_OK);
		c->upd_active = r == SD_OK;
		c->upd_next = 0;
		c->updates_started++;
		c->hyper_updates += c->inode[SD_INODE_STORE_POLICY_OFF] == SD_STORE_POLICY_HYPER;
	}
}

static const struct sd_req *match(struct ctx *c, uint32_t id)
{
	for (unsigned i = 0; i < c->nrecent; i++)
		if (!c->recent[i].answered && c->recent[i].req.id == id) {
			c->recent[i].answered = 1;
			return &c->recent[i].req;
		}
	return NULL;
}

static void on_inode(struct ctx *c, const struct corpus_msg *m, uint64_t oid)
{
	long n = corpus_payload_load(c->dir, &m->payload, c->payload, CORPUS_MAX_PAYLOAD);
	CHECK_EQ(&c->st, n, m->payload.len);
	if (n < (long)SD_INODE_HEADER_SIZE)
		return;
	struct sd_inode_hdr h;
	CHECK_EQ(&c->st, sd_inode_hdr_decode(c->payload, (size_t)n, &h), SD_OK);
	CHECK_EQ(&c->st, h.vdi_id, sd_oid_to_vid(oid));
	CHECK(&c->st, sd_inode_meta_size(c->payload, (size_t)n) >= 0);
	c->inodes++;
	if (n == SD_INODE_OBJ_SIZE) {
		memcpy(c->inode, c->payload, SD_INODE_OBJ_SIZE);
		c->have_inode = 1;
		c->inode_vid = h.vdi_id;
	}
}

static void on_response(struct ctx *c, const struct corpus_msg *m)
{
	struct sd_rsp rsp;
	uint8_t out[48];
	c->rsp_headers++;
	CHECK_EQ(&c->st, sd_rsp_decode(m->header, 48, &rsp), SD_OK);
	sd_rsp_encode(&rsp, out);
	CHECK(&c->st, memcmp(out, m->header, 48) == 0);
	CHECK_EQ(&c->st, m->payload.present ? m->payload.len : 0, rsp.data_length);

	const struct sd_req *req = match(c, rsp.id);
	if (!req) {
		/* its request is recorded later on this connection */
		if (c->nearly == RECENT)
			CHECK(&c->st, !"too many early responses");
		else
			c->early[c->nearly++] = (struct early_rsp){ rsp, m->exchange };
		return;
	}
	check_pair(c, &rsp, req);
	struct sd_obj_args o;
	sd_req_get_obj(req, &o);
	if (req->opcode == SD_OP_READ_OBJ && sd_is_inode_oid(o.oid) && rsp.result == SD_RES_SUCCESS &&
	    m->payload.present)
		on_inode(c, m, o.oid);
}

static int on_msg(void *arg, const struct corpus_msg *m)
{
	struct ctx *c = arg;
	new_scope(c, m);
	if (m->is_request)
		on_request(c, m);
	else
		on_response(c, m);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };
	if (argc != 2) {
		fprintf(stderr, "usage: test_corpus WIRE_DIR\n");
		return 2;
	}
	c.dir = argv[1];
	c.inode = malloc(SD_INODE_OBJ_SIZE);
	c.payload = malloc(CORPUS_MAX_PAYLOAD);
	if (!c.inode || !c.payload)
		return 2;
	int files = corpus_each(c.dir, on_msg, &c);
	end_connection(&c);
	finish_update(&c);
	check_reads(&c);
	CHECK(&c.st, files > 0);
	printf("corpus %s: %d files, %u request headers (%u obj, %u vdi variants), %u response headers "
	       "(%u checked against their request, %u CLUSTER_INFO/GET_NODE_LIST overflows), %u inodes, "
	       "%u data-object lookups, %u index updates (%u hyper; %u complete, %u writes compared)\n",
	       c.dir, files, c.req_headers, c.obj_variants, c.vdi_variants, c.rsp_headers, c.rsp_checked,
	       c.rsp_overflow, c.inodes, c.lookups, c.updates_started, c.hyper_updates, c.updates_complete, c.update_writes);
	/* the corpus has hundreds of exchanges, full inodes, and index updates of both kinds */
	CHECK(&c.st, c.req_headers >= 200 && c.rsp_headers >= 200);
	CHECK(&c.st, c.lookups > 0 && c.updates_complete > c.hyper_updates && c.hyper_updates > 0);
	free(c.inode);
	free(c.payload);
	return t_summary("test_corpus", &c.st);
}
