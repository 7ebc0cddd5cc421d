/* Writes libFuzzer seed files taken from the recorded traffic: every header (fuzz_header), the
 * first bytes of every inode read or written (fuzz_inode), and index-update sequences built from
 * the objects the corpus creates (fuzz_btree). Usage: fuzz_seeds WIRE_DIR OUT_DIR; creates
 * OUT_DIR/{header,inode,btree}. Nothing is written into the repository. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "sd_inode.h"

#define INODE_SEED_MAX 8192

struct seeds {
	const char *wire, *out;
	unsigned headers, inodes, creates;
	struct sd_req last_req;
	uint8_t *buf;
	uint8_t btree[1 + 8 * 64]; /* policy byte + up to 64 (idx, vid) records */
	size_t btree_len;
};

static void put(const struct seeds *s, const char *kind, unsigned n, const uint8_t *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s-%u", s->out, kind, kind, n);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

static int on_msg(void *arg, const struct corpus_msg *m)
{
	struct seeds *s = arg;
	put(s, "header", s->headers++, m->header, 48);
	if (m->is_request) {
		sd_req_decode(m->header, 48, &s->last_req);
	}
	struct sd_obj_args o;
	sd_req_get_obj(&s->last_req, &o);
	int inode_payload = sd_is_inode_oid(o.oid) && m->payload.present &&
			    ((m->is_request && s->last_req.opcode == SD_OP_WRITE_OBJ && o.offset == 0) ||
			     (!m->is_request && s->last_req.opcode == SD_OP_READ_OBJ));
	if (inode_payload) {
		long n = corpus_payload_load(s->wire, &m->payload, s->buf, CORPUS_MAX_PAYLOAD);
		if (n >= (long)SD_INODE_HEADER_SIZE) {
			size_t l = n > INODE_SEED_MAX ? INODE_SEED_MAX : (size_t)n;
			memcpy(s->buf + l, "\x9c\x30\x12\x00", 4); /* idx to look up: one the corpus uses */
			put(s, "inode", s->inodes++, s->buf, l + 4);
		}
	}
	if (m->is_request && s->last_req.opcode == SD_OP_CREATE_AND_WRITE_OBJ && sd_is_data_oid(o.oid) &&
	    s->btree_len + 8 <= sizeof(s->btree)) {
		sd_put32(s->btree + s->btree_len, sd_oid_to_idx(o.oid));
		sd_put32(s->btree + s->btree_len + 4, sd_oid_to_vid(o.oid));
		s->btree_len += 8;
		s->creates++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fuzz_seeds WIRE_DIR OUT_DIR\n");
		return 2;
	}
	struct seeds s = { .wire = argv[1], .out = argv[2], .btree_len = 1 };
	const char *kinds[] = { "header", "inode", "btree" };
	mkdir(s.out, 0700);
	for (int i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", s.out, kinds[i]);
		mkdir(path, 0700);
	}
	s.buf = malloc(CORPUS_MAX_PAYLOAD + 4);
	if (!s.buf || corpus_each(s.wire, on_msg, &s) <= 0)
		return 1;
	s.btree[0] = 0;
	put(&s, "btree", 0, s.btree, s.btree_len);
	s.btree[0] = 1;
	put(&s, "btree", 1, s.btree, s.btree_len);
	printf("seeds: %u headers, %u inodes, %u creates\n", s.headers, s.inodes, s.creates);
	free(s.buf);
	return 0;
}
