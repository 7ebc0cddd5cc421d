/* Inode header, flat index and hyper-volume B-tree: lookups and inserts (root split, leaf split,
 * new leaf, in-place update) checked against a plain array model, plus malformed trees. */
#include <stdlib.h>
#include <string.h>

#include "sd_inode.h"
#include "test_util.h"

/* In-memory node store standing in for the B-tree node objects on sheep. */
#define MAX_NODES 16
struct store {
	unsigned n;
	uint64_t oid[MAX_NODES];
	uint8_t *buf[MAX_NODES];
	int fail_get;
	unsigned gets, creates;
};

static int store_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct store *s = arg;
	s->gets++;
	if (s->fail_get)
		return -1;
	for (unsigned i = 0; i < s->n; i++)
		if (s->oid[i] == oid) {
			*node = s->buf[i];
			*len = SD_BTREE_NODE_OBJ_SIZE;
			return 0;
		}
	return -1;
}

static int store_create(void *arg, uint64_t oid, uint8_t **node)
{
	struct store *s = arg;
	s->creates++;
	if (s->n == MAX_NODES)
		return -1;
	s->oid[s->n] = oid;
	s->buf[s->n] = calloc(1, SD_BTREE_NODE_OBJ_SIZE);
	*node = s->buf[s->n++];
	return *node ? 0 : -1;
}

static void store_free(struct store *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->buf[i]);
	s->n = 0;
}

static uint8_t *new_inode(uint32_t vid, uint8_t policy)
{
	uint8_t *ino = calloc(1, SD_INODE_INDEX_END);
	memcpy(ino, "vol", 3);
	sd_put64(ino + SD_INODE_VDI_SIZE_OFF, 10ull << 40);
	ino[SD_INODE_STORE_POLICY_OFF] = policy;
	ino[SD_INODE_NR_COPIES_OFF] = 1;
	ino[SD_INODE_BSS_OFF] = 22;
	sd_put32(ino + SD_INODE_SNAP_ID_OFF, 1);
	sd_put32(ino + SD_INODE_VDI_ID_OFF, vid);
	return ino;
}

static void test_header(struct t_stats *st)
{
	uint8_t *ino = new_inode(0x4fd259, 1);
	struct sd_inode_hdr h;
	sd_put64(ino + SD_INODE_SNAP_CTIME_OFF, 5);
	sd_put32(ino + SD_INODE_PARENT_OFF, 0x4fd258);
	sd_put32(ino + SD_INODE_BTREE_COUNTER_OFF, 9);
	memset(ino + SD_INODE_TAG_OFF, 'T', 256); /* no NUL inside the field */
	CHECK_EQ(st, sd_inode_hdr_decode(ino, SD_INODE_HEADER_SIZE - 1, &h), SD_ERR_SHORT);
	CHECK_EQ(st, sd_inode_hdr_decode(ino, SD_INODE_HEADER_SIZE, &h), SD_OK);
	CHECK(st, strcmp(h.name, "vol") == 0);
	CHECK_EQ(st, strlen(h.tag), 256);
	CHECK_EQ(st, h.vdi_size, 10ull << 40);
	CHECK_EQ(st, h.store_policy, 1);
	CHECK_EQ(st, h.vdi_id, 0x4fd259);
	CHECK_EQ(st, h.parent_vdi_id, 0x4fd258);
	CHECK_EQ(st, h.btree_counter, 9);
	CHECK_EQ(st, h.snap_id, 1);
	CHECK(st, sd_inode_is_snapshot(&h));
	CHECK_EQ(st, sd_inode_object_size(&h), 4u << 20);
	CHECK_EQ(st, sd_inode_nr_objs(&h), (10ull << 40) >> 22);
	h.vdi_size = (4u << 20) + 1;
	CHECK_EQ(st, sd_inode_nr_objs(&h), 2);
	h.vdi_size = UINT64_MAX; /* no overflow in the rounding */
	CHECK_EQ(st, sd_inode_nr_objs(&h), (UINT64_MAX >> 22) + 1);
	ino[SD_INODE_BSS_OFF] = 0;
	CHECK_EQ(st, sd_inode_hdr_decode(ino, SD_INODE_HEADER_SIZE, &h), SD_OK);
	CHECK_EQ(st, sd_inode_object_size(&h), 4u << 20);
	ino[SD_INODE_BSS_OFF] = 19;
	CHECK_EQ(st, sd_inode_hdr_decode(ino, SD_INODE_HEADER_SIZE, &h), SD_ERR_MALFORMED);
	ino[SD_INODE_BSS_OFF] = 20;
	ino[SD_INODE_STORE_POLICY_OFF] = 2;
	CHECK_EQ(st, sd_inode_hdr_decode(ino, SD_INODE_HEADER_SIZE, &h), SD_ERR_MALFORMED);
	free(ino);
}

static void test_flat(struct t_stats *st)
{
	uint8_t *ino = new_inode(0x7c2b25, 0);
	struct sd_index_update upd;
	uint32_t vid = 1;

	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 7, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, 0);
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, 1, 0x7c2b25, NULL, &upd), SD_OK);
	CHECK_EQ(st, upd.nr, 1);
	CHECK_EQ(st, upd.w[0].oid, sd_inode_oid(0x7c2b25));
	CHECK_EQ(st, upd.w[0].offset, 4668); /* the sheepfs_session index update */
	CHECK_EQ(st, upd.w[0].len, 4);
	CHECK_EQ(st, upd.w[0].create, 0);
	CHECK_EQ(st, sd_le32(upd.w[0].data), 0x7c2b25);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 1, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, 0x7c2b25);

	uint32_t last = SD_INODE_DATA_ENTRIES - 1;
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, last, 0xabc, NULL, &upd), SD_OK);
	CHECK_EQ(st, upd.w[0].offset + upd.w[0].len, SD_INODE_INDEX_END);
	CHECK_EQ(st, sd_flat_get(ino, SD_INODE_INDEX_END, last, &vid), SD_OK);
	CHECK_EQ(st, vid, 0xabc);
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, last + 1, 1, NULL, &upd), SD_ERR_RANGE);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, last + 1, NULL, &vid), SD_ERR_RANGE);
	/* a header-plus-5-entries buffer: entry 4 is there, entry 5 is not */
	size_t shortlen = SD_INODE_HEADER_SIZE + 5 * 4;
	CHECK_EQ(st, sd_inode_lookup(ino, shortlen, 4, NULL, &vid), SD_OK);
	CHECK_EQ(st, sd_inode_lookup(ino, shortlen, 5, NULL, &vid), SD_ERR_SHORT);
	CHECK_EQ(st, sd_flat_set(ino, shortlen, 5, 1), SD_ERR_SHORT);
	CHECK_EQ(st, sd_inode_lookup(ino, 100, 0, NULL, &vid), SD_ERR_SHORT);
	/* clearing (after a discard) */
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, 1, 0, NULL, &upd), SD_OK);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 1, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, 0);
	/* metadata size = 4 bytes per object of the volume */
	CHECK_EQ(st, sd_inode_meta_size(ino, SD_INODE_INDEX_END), 4ull * SD_INODE_DATA_ENTRIES);
	sd_put64(ino + SD_INODE_VDI_SIZE_OFF, 512ull << 20);
	CHECK_EQ(st, sd_inode_meta_size(ino, SD_INODE_INDEX_END), 4 * 128);
	free(ino);
}

/* Reference model: expected vid per idx (idx < MODEL_SIZE) and a full check of the tree. */
#define MODEL_SIZE (3u << 20)
struct model {
	uint32_t *vid;
};

static int check_all(const uint8_t *ino, const struct sd_btree_io *io, const struct model *m,
		     uint32_t upto)
{
	for (uint32_t i = 0; i < upto; i++) {
		uint32_t v = 0xdeadbeef;
		if (sd_inode_lookup(ino, SD_INODE_INDEX_END, i, io, &v) != SD_OK || v != m->vid[i]) {
			fprintf(stderr, "lookup %u: got %#x want %#x\n", i, v, m->vid[i]);
			return 0;
		}
	}
	return 1;
}

static int set(uint8_t *ino, const struct sd_btree_io *io, struct model *m, uint32_t idx, uint32_t vid,
	       struct sd_index_update *upd)
{
	int r = sd_inode_set_vid(ino, SD_INODE_INDEX_END, idx, vid, io, upd);
	if (r == SD_OK && idx < MODEL_SIZE)
		m->vid[idx] = vid;
	return r;
}

static struct sd_btree_hdr root_hdr(const uint8_t *ino)
{
	struct sd_btree_hdr h = { 0 };
	sd_btree_hdr_decode(ino + SD_INODE_DATA_VDI_ID_OFF, SD_INODE_DATA_INDEX_SIZE, &h);
	return h;
}

static void test_btree(struct t_stats *st)
{
	const uint32_t own = 0x4fd259;
	uint8_t *ino = new_inode(own, 1);
	struct store s = { 0 };
	struct sd_btree_io io = { &s, store_get, store_create };
	struct sd_index_update upd;
	struct model m = { calloc(MODEL_SIZE, sizeof(uint32_t)) };
	uint32_t vid = 7;
	uint64_t noid;

	/* fresh hyper inode, root never initialized: every index is a hole */
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 12345, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, 0);
	CHECK_EQ(st, sd_inode_meta_size(ino, SD_INODE_INDEX_END), 8);

	/* first insert: what dog wrote in fresh_write_hyper (4680 bytes, then the counter) */
	CHECK_EQ(st, set(ino, &io, &m, 0x12309c, own, &upd), SD_OK);
	CHECK_EQ(st, upd.nr, 2);
	CHECK_EQ(st, upd.w[0].oid, sd_inode_oid(own));
	CHECK_EQ(st, upd.w[0].offset, 0);
	CHECK_EQ(st, upd.w[0].len, 4680);
	CHECK_EQ(st, upd.w[1].offset, 568);
	CHECK_EQ(st, upd.w[1].len, 4);
	CHECK(st, memcmp(ino + 4664, "\x74\x62\x01\x00\x01\x00\x00\x00", 8) == 0);
	CHECK_EQ(st, set(ino, &io, &m, 0x12309d, own, &upd), SD_OK);
	CHECK_EQ(st, upd.w[0].len, 4688);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 0x12309d, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, own);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 0x12309e, NULL, &vid), SD_OK);
	CHECK_EQ(st, vid, 0);
	set(ino, &io, &m, 0x12309c, 0, &upd);
	set(ino, &io, &m, 0x12309d, 0, &upd);

	/* random inserts at depth 1, in both directions, and overwrites */
	srand(42);
	for (int i = 0; i < 20000; i++) {
		uint32_t idx = (uint32_t)rand() % 40000;
		if (set(ino, &io, &m, idx, 1 + (uint32_t)rand() % 0xffffff, &upd) != SD_OK)
			break;
	}
	CHECK(st, check_all(ino, NULL, &m, 40001));
	CHECK_EQ(st, root_hdr(ino).depth, 1);

	/* fill the root leaf (even indices) to capacity: still depth 1, no node objects */
	memset(m.vid, 0, MODEL_SIZE * sizeof(uint32_t));
	memset(ino + SD_INODE_DATA_VDI_ID_OFF, 0, SD_INODE_DATA_INDEX_SIZE);
	int ok = 1;
	for (uint32_t i = 0; i < SD_BTREE_MAX_LEAF && ok; i++)
		ok = set(ino, &io, &m, 2 * i, own, &upd) == SD_OK;
	CHECK(st, ok);
	CHECK_EQ(st, root_hdr(ino).entries, SD_BTREE_MAX_LEAF);
	CHECK_EQ(st, s.creates, 0);

	/* one more: the root splits into two new leaves (counter 0 and 1) and becomes depth 2 */
	CHECK_EQ(st, set(ino, &io, &m, 2 * SD_BTREE_MAX_LEAF + 1, own, &upd), SD_OK);
	CHECK_EQ(st, root_hdr(ino).depth, 2);
	CHECK_EQ(st, root_hdr(ino).entries, 2);
	CHECK_EQ(st, sd_le32(ino + SD_INODE_BTREE_COUNTER_OFF), 2);
	CHECK_EQ(st, upd.nr, 4);
	CHECK_EQ(st, upd.w[0].oid, sd_btree_oid(own, 0));
	CHECK_EQ(st, upd.w[0].create, 1);
	CHECK_EQ(st, upd.w[0].len, SD_BTREE_NODE_OBJ_SIZE);
	CHECK_EQ(st, upd.w[1].oid, sd_btree_oid(own, 1));
	CHECK_EQ(st, upd.w[1].create, 1);
	CHECK_EQ(st, upd.w[2].oid, sd_inode_oid(own));
	CHECK_EQ(st, upd.w[2].len, 4664 + 8 + 2 * 16);
	CHECK_EQ(st, upd.w[3].offset, 568);
	CHECK_EQ(st, sd_inode_meta_size(ino, SD_INODE_INDEX_END), 8 + 2 * 16);
	CHECK(st, check_all(ino, &io, &m, 2 * SD_BTREE_MAX_LEAF + 3));

	/* step-wise lookup: root says which node to fetch */
	CHECK_EQ(st, sd_btree_root_lookup(ino + 4664, SD_INODE_DATA_INDEX_SIZE, 10, &vid, &noid), SD_BTREE_NEED_NODE);
	CHECK_EQ(st, noid, sd_btree_oid(own, 0));
	CHECK_EQ(st, sd_btree_root_lookup(ino + 4664, SD_INODE_DATA_INDEX_SIZE, 0xfffffff, &vid, &noid), SD_BTREE_FOUND);
	CHECK_EQ(st, vid, 0);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 10, NULL, &vid), SD_ERR_INVAL);
	s.fail_get = 1;
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 10, &io, &vid), SD_ERR_FETCH);
	CHECK_EQ(st, set(ino, &io, &m, 11, own, &upd), SD_ERR_FETCH);
	s.fail_get = 0;

	/* in-place update of an entry in a leaf: a 4-byte write into the node object */
	CHECK_EQ(st, set(ino, &io, &m, 10, 0x123, &upd), SD_OK);
	CHECK_EQ(st, upd.nr, 3);
	CHECK_EQ(st, upd.w[0].oid, sd_btree_oid(own, 0));
	CHECK_EQ(st, upd.w[0].len, 4);
	CHECK_EQ(st, upd.w[0].create, 0);
	CHECK_EQ(st, upd.w[0].offset, 8 + 5 * 8 + 4);
	CHECK_EQ(st, sd_le32(upd.w[0].data), 0x123);

	/* appending beyond the last leaf fills it, then starts a new leaf (counter 2) */
	uint32_t next = 2 * SD_BTREE_MAX_LEAF + 2;
	uint32_t right = SD_BTREE_MAX_LEAF - SD_BTREE_MAX_LEAF / 2 + 1; /* entries in leaf 1 */
	for (ok = 1; right < SD_BTREE_MAX_LEAF && ok; right++, next++)
		ok = set(ino, &io, &m, next, own, &upd) == SD_OK;
	CHECK(st, ok);
	CHECK_EQ(st, upd.w[0].oid, sd_btree_oid(own, 1));
	CHECK_EQ(st, upd.w[0].create, 0);
	CHECK_EQ(st, upd.w[0].len, SD_BTREE_NODE_OBJ_SIZE);
	CHECK_EQ(st, root_hdr(ino).entries, 2);
	CHECK_EQ(st, set(ino, &io, &m, next, own, &upd), SD_OK);
	CHECK_EQ(st, root_hdr(ino).entries, 3);
	CHECK_EQ(st, upd.w[0].oid, sd_btree_oid(own, 2));
	CHECK_EQ(st, upd.w[0].create, 1);
	CHECK_EQ(st, sd_le32(ino + SD_INODE_BTREE_COUNTER_OFF), 3);
	CHECK(st, check_all(ino, &io, &m, next + 2));

	/* an insert inside the full leaf 1 splits it: new leaf (counter 3) takes the first half */
	CHECK_EQ(st, set(ino, &io, &m, 2 * SD_BTREE_MAX_LEAF - 1, 0x77, &upd), SD_OK);
	CHECK_EQ(st, root_hdr(ino).entries, 4);
	CHECK_EQ(st, sd_le32(ino + SD_INODE_BTREE_COUNTER_OFF), 4);
	CHECK_EQ(st, upd.w[0].oid, sd_btree_oid(own, 3));
	CHECK_EQ(st, upd.w[0].create, 1);
	CHECK_EQ(st, upd.w[1].oid, sd_btree_oid(own, 1));
	CHECK_EQ(st, upd.w[1].create, 0);
	CHECK_EQ(st, upd.nr, 4);
	CHECK(st, check_all(ino, &io, &m, next + 2));
	/* indirect keys ascend and each equals its leaf's largest idx */
	int keys_ok = 1;
	for (uint32_t k = 0; k < 4; k++) {
		const uint8_t *e = ino + 4664 + 8 + 16 * k;
		uint8_t *leaf;
		size_t ll;
		struct sd_btree_hdr lh;
		if (store_get(&s, sd_le64(e + 8), &leaf, &ll) || sd_btree_hdr_decode(leaf, ll, &lh) || lh.entries == 0)
			keys_ok = 0;
		else if (sd_le32(leaf + 8 + 8 * (lh.entries - 1)) != sd_le32(e))
			keys_ok = 0;
		if (k && sd_le32(e) <= sd_le32(e - 16))
			keys_ok = 0;
	}
	CHECK(st, keys_ok);

	free(m.vid);
	store_free(&s);
	free(ino);
}

static void test_malformed(struct t_stats *st)
{
	uint8_t *ino = new_inode(0x4fd259, 1);
	uint8_t *root = ino + 4664;
	struct store s = { 0 };
	struct sd_btree_io io = { &s, store_get, store_create };
	struct sd_index_update upd;
	struct sd_btree_hdr h;
	uint32_t vid;

	sd_put16(root, 0x6275); /* bad magic */
	sd_put16(root + 2, 1);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 1, &io, &vid), SD_ERR_MALFORMED);
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, 1, 1, &io, &upd), SD_ERR_MALFORMED);
	sd_btree_init(root, 3); /* only two levels exist */
	CHECK_EQ(st, sd_btree_hdr_decode(root, 4096, &h), SD_ERR_MALFORMED);
	sd_btree_init(root, 1);
	sd_put32(root + 4, SD_BTREE_MAX_LEAF + 1);
	CHECK_EQ(st, sd_btree_hdr_decode(root, SD_INODE_DATA_INDEX_SIZE, &h), SD_ERR_MALFORMED);
	sd_put32(root + 4, 100); /* 100 entries do not fit in 8 + 99*8 bytes */
	CHECK_EQ(st, sd_btree_hdr_decode(root, 8 + 99 * 8, &h), SD_ERR_SHORT);
	CHECK_EQ(st, sd_btree_hdr_decode(root, 8 + 100 * 8, &h), SD_OK);
	CHECK_EQ(st, sd_inode_lookup(ino, 4664 + 8 + 99 * 8, 1, &io, &vid), SD_ERR_SHORT);
	CHECK_EQ(st, sd_btree_hdr_decode(root, 7, &h), SD_ERR_SHORT);
	sd_btree_init(root, 2);
	sd_put32(root + 4, SD_BTREE_MAX_INDIRECT + 1);
	CHECK_EQ(st, sd_btree_hdr_decode(root, SD_INODE_DATA_INDEX_SIZE, &h), SD_ERR_MALFORMED);
	/* depth-2 root whose entry names a data object, not a B-tree node */
	sd_put32(root + 4, 1);
	sd_put32(root + 8, 1000);
	sd_put64(root + 16, sd_data_oid(0x4fd259, 3));
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 5, &io, &vid), SD_ERR_MALFORMED);
	/* a node object that is not a leaf */
	uint8_t *node;
	sd_put64(root + 16, sd_btree_oid(0x4fd259, 0));
	store_create(&s, sd_btree_oid(0x4fd259, 0), &node);
	sd_btree_init(node, 2);
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 5, &io, &vid), SD_ERR_MALFORMED);
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END, 5, 1, &io, &upd), SD_ERR_MALFORMED);
	/* unsorted leaf: wrong answers are allowed, out-of-bounds reads are not (ASan watches) */
	sd_btree_init(node, 1);
	for (uint32_t i = 0; i < 50; i++) {
		sd_put32(node + 8 + 8 * i, 1000 - i * 7);
		sd_put32(node + 12 + 8 * i, i + 1);
	}
	sd_put32(node + 4, 50);
	for (uint32_t i = 0; i < 1100; i += 13)
		CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, i, &io, &vid), SD_OK);
	/* policy byte out of range; inserts need the whole root area */
	ino[SD_INODE_STORE_POLICY_OFF] = 2;
	CHECK_EQ(st, sd_inode_lookup(ino, SD_INODE_INDEX_END, 1, &io, &vid), SD_ERR_MALFORMED);
	ino[SD_INODE_STORE_POLICY_OFF] = 1;
	CHECK_EQ(st, sd_inode_set_vid(ino, SD_INODE_INDEX_END - 1, 1, 1, &io, &upd), SD_ERR_SHORT);
	CHECK_EQ(st, sd_inode_set_vid(NULL, 0, 1, 1, &io, &upd), SD_ERR_INVAL);
	store_free(&s);
	free(ino);
}

int main(void)
{
	struct t_stats st = { 0 };
	test_header(&st);
	test_flat(&st);
	test_btree(&st);
	test_malformed(&st);
	return t_summary("test_inode", &st);
}
