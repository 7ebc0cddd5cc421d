/* Inode header and data index: flat data_vdi_id array and hyper-volume B-tree (sd_inode.h). */
#include "sd_inode.h"

#include <string.h>

int sd_inode_hdr_decode(const uint8_t *buf, size_t len, struct sd_inode_hdr *hdr)
{
	if (buf == NULL || len < SD_INODE_HEADER_SIZE)
		return SD_ERR_SHORT;
	memcpy(hdr->name, buf + SD_INODE_NAME_OFF, SD_NAME_FIELD);
	hdr->name[SD_NAME_FIELD] = '\0';
	memcpy(hdr->tag, buf + SD_INODE_TAG_OFF, SD_NAME_FIELD);
	hdr->tag[SD_NAME_FIELD] = '\0';
	hdr->create_time = sd_le64(buf + SD_INODE_CTIME_OFF);
	hdr->snap_ctime = sd_le64(buf + SD_INODE_SNAP_CTIME_OFF);
	hdr->vm_clock_nsec = sd_le64(buf + SD_INODE_VM_CLOCK_OFF);
	hdr->vdi_size = sd_le64(buf + SD_INODE_VDI_SIZE_OFF);
	hdr->vm_state_size = sd_le64(buf + SD_INODE_VM_STATE_SIZE_OFF);
	hdr->copy_policy = buf[SD_INODE_COPY_POLICY_OFF];
	hdr->store_policy = buf[SD_INODE_STORE_POLICY_OFF];
	hdr->nr_copies = buf[SD_INODE_NR_COPIES_OFF];
	hdr->block_size_shift = buf[SD_INODE_BSS_OFF];
	hdr->snap_id = sd_le32(buf + SD_INODE_SNAP_ID_OFF);
	hdr->vdi_id = sd_le32(buf + SD_INODE_VDI_ID_OFF);
	hdr->parent_vdi_id = sd_le32(buf + SD_INODE_PARENT_OFF);
	hdr->btree_counter = sd_le32(buf + SD_INODE_BTREE_COUNTER_OFF);
	if (hdr->store_policy > SD_STORE_POLICY_HYPER)
		return SD_ERR_MALFORMED;
	if (hdr->block_size_shift != 0 && !sd_bss_valid(hdr->block_size_shift))
		return SD_ERR_MALFORMED;
	return SD_OK;
}

uint64_t sd_inode_object_size(const struct sd_inode_hdr *hdr)
{
	unsigned bss = hdr->block_size_shift ? hdr->block_size_shift : SD_DEFAULT_BLOCK_SIZE_SHIFT;
	return sd_object_size(bss);
}

uint64_t sd_inode_nr_objs(const struct sd_inode_hdr *hdr)
{
	uint64_t os = sd_inode_object_size(hdr);
	if (os == 0)
		return 0;
	/* no overflow: vdi_size / os + remainder test instead of (size + os - 1) / os */
	return hdr->vdi_size / os + (hdr->vdi_size % os != 0);
}

/* ---- flat ---- */

int sd_flat_get(const uint8_t *inode, size_t len, uint32_t idx, uint32_t *vid)
{
	if (idx >= SD_INODE_DATA_ENTRIES)
		return SD_ERR_RANGE;
	size_t off = SD_INODE_DATA_VDI_ID_OFF + (size_t)idx * 4;
	if (inode == NULL || len < off + 4)
		return SD_ERR_SHORT;
	*vid = sd_le32(inode + off);
	return SD_OK;
}

int sd_flat_set(uint8_t *inode, size_t len, uint32_t idx, uint32_t vid)
{
	if (idx >= SD_INODE_DATA_ENTRIES)
		return SD_ERR_RANGE;
	size_t off = SD_INODE_DATA_VDI_ID_OFF + (size_t)idx * 4;
	if (inode == NULL || len < off + 4)
		return SD_ERR_SHORT;
	sd_put32(inode + off, vid);
	return SD_OK;
}

/* ---- B-tree ---- */

static size_t entry_size(unsigned depth)
{
	return depth == 1 ? SD_BTREE_LEAF_ENTRY_SIZE : SD_BTREE_INDIRECT_ENTRY_SIZE;
}

/* Magic, depth and capacity; the entries themselves need not be in the buffer. */
static int hdr_parse(const uint8_t *node, size_t len, struct sd_btree_hdr *hdr)
{
	if (node == NULL || len < SD_BTREE_HDR_SIZE)
		return SD_ERR_SHORT;
	hdr->magic = sd_le16(node);
	hdr->depth = sd_le16(node + 2);
	hdr->entries = sd_le32(node + 4);
	if (hdr->magic != SD_BTREE_MAGIC || hdr->depth < 1 || hdr->depth > 2)
		return SD_ERR_MALFORMED;
	uint32_t cap = hdr->depth == 1 ? SD_BTREE_MAX_LEAF : SD_BTREE_MAX_INDIRECT;
	if (hdr->entries > cap)
		return SD_ERR_MALFORMED;
	return SD_OK;
}

int sd_btree_hdr_decode(const uint8_t *node, size_t len, struct sd_btree_hdr *hdr)
{
	int r = hdr_parse(node, len, hdr);
	if (r)
		return r;
	/* entries <= 524287, so the product cannot overflow */
	if (SD_BTREE_HDR_SIZE + (size_t)hdr->entries * entry_size(hdr->depth) > len)
		return SD_ERR_SHORT;
	return SD_OK;
}

void sd_btree_init(uint8_t *node, uint16_t depth)
{
	sd_put16(node, SD_BTREE_MAGIC);
	sd_put16(node + 2, depth);
	sd_put32(node + 4, 0);
}

static uint32_t entry_idx(const uint8_t *node, size_t esize, uint32_t i)
{
	return sd_le32(node + SD_BTREE_HDR_SIZE + (size_t)i * esize);
}

/* First position whose idx >= want (n if none); entries are sorted ascending. An unsorted
 * (corrupt) node gives a wrong answer but never an out-of-bounds access. */
static uint32_t lower_bound(const uint8_t *node, size_t esize, uint32_t n, uint32_t want)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (entry_idx(node, esize, mid) < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t root_len(size_t inode_len)
{
	size_t l = inode_len - SD_INODE_DATA_VDI_ID_OFF;
	return l > SD_INODE_DATA_INDEX_SIZE ? SD_INODE_DATA_INDEX_SIZE : l;
}

int sd_btree_leaf_lookup(const uint8_t *node, size_t len, uint32_t idx, uint32_t *vid)
{
	struct sd_btree_hdr h;
	int r = sd_btree_hdr_decode(node, len, &h);
	if (r)
		return r;
	if (h.depth != 1)
		return SD_ERR_MALFORMED; /* only two levels exist: a node object is a leaf */
	uint32_t p = lower_bound(node, SD_BTREE_LEAF_ENTRY_SIZE, h.entries, idx);
	const uint8_t *e = node + SD_BTREE_HDR_SIZE + (size_t)p * SD_BTREE_LEAF_ENTRY_SIZE;
	*vid = (p < h.entries && sd_le32(e) == idx) ? sd_le32(e + 4) : 0;
	return SD_OK;
}

int sd_btree_root_lookup(const uint8_t *root, size_t len, uint32_t idx, uint32_t *vid,
			 uint64_t *node_oid)
{
	struct sd_btree_hdr h;
	*node_oid = 0;
	if (root == NULL || len < 4)
		return SD_ERR_SHORT;
	if (sd_le32(root) == 0) { /* root never initialized: empty volume */
		*vid = 0;
		return SD_BTREE_FOUND;
	}
	int r = sd_btree_hdr_decode(root, len, &h);
	if (r)
		return r;
	if (h.depth == 1) {
		r = sd_btree_leaf_lookup(root, len, idx, vid);
		return r ? r : SD_BTREE_FOUND;
	}
	uint32_t p = lower_bound(root, SD_BTREE_INDIRECT_ENTRY_SIZE, h.entries, idx);
	if (p == h.entries) { /* beyond the last leaf's largest index */
		*vid = 0;
		return SD_BTREE_FOUND;
	}
	uint64_t oid = sd_le64(root + SD_BTREE_HDR_SIZE + (size_t)p * SD_BTREE_INDIRECT_ENTRY_SIZE + 8);
	if (!sd_is_btree_oid(oid))
		return SD_ERR_MALFORMED;
	*node_oid = oid;
	return SD_BTREE_NEED_NODE;
}

int sd_inode_lookup(const uint8_t *inode, size_t len, uint32_t idx, const struct sd_btree_io *io,
		    uint32_t *vid)
{
	if (inode == NULL || len < SD_INODE_HEADER_SIZE)
		return SD_ERR_SHORT;
	uint8_t policy = inode[SD_INODE_STORE_POLICY_OFF];
	if (policy == SD_STORE_POLICY_NORMAL)
		return sd_flat_get(inode, len, idx, vid);
	if (policy != SD_STORE_POLICY_HYPER)
		return SD_ERR_MALFORMED;
	uint64_t oid;
	int r = sd_btree_root_lookup(inode + SD_INODE_DATA_VDI_ID_OFF, root_len(len), idx, vid, &oid);
	if (r != SD_BTREE_NEED_NODE)
		return r;
	if (io == NULL || io->get == NULL)
		return SD_ERR_INVAL;
	uint8_t *node;
	size_t nlen;
	if (io->get(io->arg, oid, &node, &nlen) != 0)
		return SD_ERR_FETCH;
	return sd_btree_leaf_lookup(node, nlen, idx, vid);
}

/* ---- B-tree insert (client side, PROTOCOL.md 7.2) ---- */

struct set_ctx {
	uint8_t *inode;
	uint8_t *root;
	uint32_t vdi_id;
	const struct sd_btree_io *io;
	struct sd_index_update *upd;
};

static int add_write(struct sd_index_update *upd, uint64_t oid, uint32_t offset, uint32_t len,
		     int create, const uint8_t *data)
{
	/* a full-node write already queued sends the buffer's final content: no second write */
	for (unsigned i = 0; i < upd->nr; i++)
		if (sd_is_btree_oid(oid) && upd->w[i].oid == oid && upd->w[i].offset == 0 &&
		    upd->w[i].len == SD_BTREE_NODE_OBJ_SIZE)
			return SD_OK;
	if (upd->nr >= SD_INDEX_MAX_WRITES)
		return SD_ERR_FULL;
	upd->w[upd->nr++] = (struct sd_index_write){ oid, offset, len, create, data };
	return SD_OK;
}

static uint8_t *leaf_entry(uint8_t *node, uint32_t i)
{
	return node + SD_BTREE_HDR_SIZE + (size_t)i * SD_BTREE_LEAF_ENTRY_SIZE;
}

static uint8_t *indirect_entry(uint8_t *node, uint32_t i)
{
	return node + SD_BTREE_HDR_SIZE + (size_t)i * SD_BTREE_INDIRECT_ENTRY_SIZE;
}

static void leaf_insert(uint8_t *node, uint32_t n, uint32_t p, uint32_t idx, uint32_t vid)
{
	memmove(leaf_entry(node, p + 1), leaf_entry(node, p), (size_t)(n - p) * SD_BTREE_LEAF_ENTRY_SIZE);
	sd_put32(leaf_entry(node, p), idx);
	sd_put32(leaf_entry(node, p) + 4, vid);
	sd_put32(node + 4, n + 1);
}

static void indirect_insert(uint8_t *node, uint32_t n, uint32_t p, uint32_t idx, uint64_t oid)
{
	memmove(indirect_entry(node, p + 1), indirect_entry(node, p),
		(size_t)(n - p) * SD_BTREE_INDIRECT_ENTRY_SIZE);
	sd_put32(indirect_entry(node, p), idx);
	sd_put32(indirect_entry(node, p) + 4, 0);
	sd_put64(indirect_entry(node, p) + 8, oid);
	sd_put32(node + 4, n + 1);
}

/* Allocates the next node oid from the inode's btree_counter and a zeroed buffer for it. */
static int new_node(struct set_ctx *c, uint64_t *oid, uint8_t **node)
{
	uint32_t counter = sd_le32(c->inode + SD_INODE_BTREE_COUNTER_OFF);
	if (c->io == NULL || c->io->create == NULL)
		return SD_ERR_INVAL;
	*oid = sd_btree_oid(c->vdi_id, counter);
	if (c->io->create(c->io->arg, *oid, node) != 0)
		return SD_ERR_FETCH;
	sd_put32(c->inode + SD_INODE_BTREE_COUNTER_OFF, counter + 1);
	sd_btree_init(*node, 1);
	return add_write(c->upd, *oid, 0, SD_BTREE_NODE_OBJ_SIZE, 1, *node);
}

/* A node that will be modified must come back with its full capacity. */
static int get_leaf(struct set_ctx *c, uint64_t oid, uint8_t **node, struct sd_btree_hdr *h)
{
	size_t len;
	if (c->io == NULL || c->io->get == NULL)
		return SD_ERR_INVAL;
	if (c->io->get(c->io->arg, oid, node, &len) != 0)
		return SD_ERR_FETCH;
	if (len < SD_BTREE_NODE_OBJ_SIZE)
		return SD_ERR_SHORT;
	int r = sd_btree_hdr_decode(*node, len, h);
	if (r)
		return r;
	return h->depth == 1 ? SD_OK : SD_ERR_MALFORMED;
}

/* Depth-1 root full: move its halves into two new leaves; the root becomes depth 2. */
static int split_root(struct set_ctx *c, uint32_t n)
{
	uint32_t num = n / 2;
	uint64_t left_oid, right_oid;
	uint8_t *left, *right;
	int r = new_node(c, &left_oid, &left);
	if (r)
		return r;
	r = new_node(c, &right_oid, &right);
	if (r)
		return r;
	memcpy(leaf_entry(left, 0), leaf_entry(c->root, 0), (size_t)num * SD_BTREE_LEAF_ENTRY_SIZE);
	sd_put32(left + 4, num);
	memcpy(leaf_entry(right, 0), leaf_entry(c->root, num), (size_t)(n - num) * SD_BTREE_LEAF_ENTRY_SIZE);
	sd_put32(right + 4, n - num);
	uint32_t left_max = sd_le32(leaf_entry(left, num - 1));
	uint32_t right_max = sd_le32(leaf_entry(right, n - num - 1));
	sd_btree_init(c->root, 2);
	indirect_insert(c->root, 0, 0, left_max, left_oid);
	indirect_insert(c->root, 1, 1, right_max, right_oid);
	return SD_OK;
}

/* Depth-2 leaf at indirect position p full: its first half moves into a new leaf keyed by that
 * half's largest idx (dog reads one entry past the end there; we key by the real last one). */
static int split_leaf(struct set_ctx *c, uint32_t n_ind, uint32_t p, uint8_t *old, uint32_t n)
{
	uint32_t num = n / 2;
	uint64_t new_oid;
	uint8_t *fresh;
	if (n_ind >= SD_BTREE_MAX_INDIRECT)
		return SD_ERR_FULL;
	int r = new_node(c, &new_oid, &fresh);
	if (r)
		return r;
	memcpy(leaf_entry(fresh, 0), leaf_entry(old, 0), (size_t)num * SD_BTREE_LEAF_ENTRY_SIZE);
	sd_put32(fresh + 4, num);
	memmove(leaf_entry(old, 0), leaf_entry(old, num), (size_t)(n - num) * SD_BTREE_LEAF_ENTRY_SIZE);
	sd_put32(old + 4, n - num);
	uint64_t old_oid = sd_le64(indirect_entry(c->root, p) + 8);
	r = add_write(c->upd, old_oid, 0, SD_BTREE_NODE_OBJ_SIZE, 0, old);
	if (r)
		return r;
	indirect_insert(c->root, n_ind, p, sd_le32(leaf_entry(fresh, num - 1)), new_oid);
	return SD_OK;
}

/* One attempt; returns 1 when a split happened and the insert must be retried. */
static int btree_set_once(struct set_ctx *c, uint32_t idx, uint32_t vid)
{
	struct sd_btree_hdr h, lh;
	int r = sd_btree_hdr_decode(c->root, SD_INODE_DATA_INDEX_SIZE, &h);
	if (r)
		return r;
	if (h.depth == 1) {
		uint32_t p = lower_bound(c->root, SD_BTREE_LEAF_ENTRY_SIZE, h.entries, idx);
		if (p < h.entries && sd_le32(leaf_entry(c->root, p)) == idx) {
			sd_put32(leaf_entry(c->root, p) + 4, vid);
			return SD_OK;
		}
		if (h.entries >= SD_BTREE_MAX_LEAF) {
			r = split_root(c, h.entries);
			return r ? r : 1;
		}
		leaf_insert(c->root, h.entries, p, idx, vid);
		return SD_OK;
	}
	uint32_t p = lower_bound(c->root, SD_BTREE_INDIRECT_ENTRY_SIZE, h.entries, idx);
	uint8_t *leaf;
	uint64_t oid;
	if (p == h.entries) {
		/* beyond every leaf: append to the last leaf if it has room, else start a new one */
		if (h.entries > 0) {
			oid = sd_le64(indirect_entry(c->root, h.entries - 1) + 8);
			r = get_leaf(c, oid, &leaf, &lh);
			if (r)
				return r;
			if (lh.entries < SD_BTREE_MAX_LEAF) {
				leaf_insert(leaf, lh.entries, lh.entries, idx, vid);
				sd_put32(indirect_entry(c->root, h.entries - 1), idx);
				return add_write(c->upd, oid, 0, SD_BTREE_NODE_OBJ_SIZE, 0, leaf);
			}
		}
		if (h.entries >= SD_BTREE_MAX_INDIRECT)
			return SD_ERR_FULL;
		r = new_node(c, &oid, &leaf);
		if (r)
			return r;
		leaf_insert(leaf, 0, 0, idx, vid);
		indirect_insert(c->root, h.entries, h.entries, idx, oid);
		return SD_OK;
	}
	oid = sd_le64(indirect_entry(c->root, p) + 8);
	r = get_leaf(c, oid, &leaf, &lh);
	if (r)
		return r;
	uint32_t q = lower_bound(leaf, SD_BTREE_LEAF_ENTRY_SIZE, lh.entries, idx);
	if (q < lh.entries && sd_le32(leaf_entry(leaf, q)) == idx) {
		sd_put32(leaf_entry(leaf, q) + 4, vid);
		uint32_t off = (uint32_t)(leaf_entry(leaf, q) + 4 - leaf);
		return add_write(c->upd, oid, off, 4, 0, leaf + off);
	}
	if (lh.entries >= SD_BTREE_MAX_LEAF) {
		r = split_leaf(c, h.entries, p, leaf, lh.entries);
		return r ? r : 1;
	}
	leaf_insert(leaf, lh.entries, q, idx, vid);
	return add_write(c->upd, oid, 0, SD_BTREE_NODE_OBJ_SIZE, 0, leaf);
}

int64_t sd_inode_meta_size(const uint8_t *inode, size_t len)
{
	struct sd_inode_hdr ih;
	struct sd_btree_hdr h;
	int r = sd_inode_hdr_decode(inode, len, &ih);
	if (r)
		return r;
	if (ih.store_policy == SD_STORE_POLICY_NORMAL) {
		uint64_t n = sd_inode_nr_objs(&ih);
		if (n > SD_INODE_DATA_ENTRIES)
			n = SD_INODE_DATA_ENTRIES;
		return (int64_t)(n * 4);
	}
	const uint8_t *root = inode + SD_INODE_DATA_VDI_ID_OFF;
	size_t rl = root_len(len);
	if (rl < 4)
		return SD_ERR_SHORT;
	if (sd_le32(root) == 0)
		return SD_BTREE_HDR_SIZE;
	/* dog reads 4672 bytes (header + root header) to learn this size: entries not needed */
	r = hdr_parse(root, rl, &h);
	if (r)
		return r;
	return (int64_t)(SD_BTREE_HDR_SIZE + (size_t)h.entries * entry_size(h.depth));
}

int sd_inode_set_vid(uint8_t *inode, size_t len, uint32_t idx, uint32_t vid,
		     const struct sd_btree_io *io, struct sd_index_update *upd)
{
	if (inode == NULL || upd == NULL || len < SD_INODE_HEADER_SIZE)
		return inode == NULL || upd == NULL ? SD_ERR_INVAL : SD_ERR_SHORT;
	upd->nr = 0;
	uint32_t own = sd_le32(inode + SD_INODE_VDI_ID_OFF);
	uint64_t ioid = sd_inode_oid(own);
	uint8_t policy = inode[SD_INODE_STORE_POLICY_OFF];
	int r;
	if (policy == SD_STORE_POLICY_NORMAL) {
		r = sd_flat_set(inode, len, idx, vid);
		if (r)
			return r;
		uint32_t off = SD_INODE_DATA_VDI_ID_OFF + idx * 4;
		return add_write(upd, ioid, off, 4, 0, inode + off);
	}
	if (policy != SD_STORE_POLICY_HYPER)
		return SD_ERR_MALFORMED;
	/* splits may fill the whole root area, so it must all be there */
	if (len < SD_INODE_INDEX_END)
		return SD_ERR_SHORT;
	struct set_ctx c = { inode, inode + SD_INODE_DATA_VDI_ID_OFF, own, io, upd };
	if (sd_le32(c.root) == 0)
		sd_btree_init(c.root, 1);
	/* a split leaves half-full nodes, so the retry after one split always fits */
	for (int attempt = 0;; attempt++) {
		if (attempt == 3)
			return SD_ERR_MALFORMED;
		r = btree_set_once(&c, idx, vid);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	int64_t meta = sd_inode_meta_size(inode, len);
	if (meta < 0)
		return (int)meta;
	r = add_write(upd, ioid, 0, (uint32_t)(SD_INODE_HEADER_SIZE + meta), 0, inode);
	if (r)
		return r;
	return add_write(upd, ioid, SD_INODE_BTREE_COUNTER_OFF, 4, 0, inode + SD_INODE_BTREE_COUNTER_OFF);
}
