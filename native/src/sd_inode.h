/*
 * Sheepdog inode object: header fields and the data index (flat data_vdi_id array for normal
 * VDIs, B-tree for hyper volumes). Reference: shared/PROTOCOL.md sections 7.1 and 7.2.
 *
 * Pure functions over caller-owned buffers. The caller keeps the inode bytes (at least
 * [0, SD_INODE_INDEX_END) for a flat VDI, or [0, SD_INODE_HEADER_SIZE + root size) for a hyper
 * volume) and the B-tree node objects; nothing here allocates or does I/O. Any inode or node
 * buffer may be shorter than the full object: every access is bounded by the given length and
 * an entry count that does not fit is SD_ERR_SHORT, never an out-of-bounds read.
 * Thread safety: none inside; the caller serializes writers of one inode.
 */
#ifndef SHEEPFS_SD_INODE_H
#define SHEEPFS_SD_INODE_H

#include <stddef.h>
#include <stdint.h>

#include "sd_proto.h"

/* ---- layout (section 7.1) ---- */
#define SD_INODE_HEADER_SIZE 4664u
#define SD_INODE_NAME_OFF 0u
#define SD_INODE_TAG_OFF 256u
#define SD_INODE_CTIME_OFF 512u
#define SD_INODE_SNAP_CTIME_OFF 520u
#define SD_INODE_VM_CLOCK_OFF 528u
#define SD_INODE_VDI_SIZE_OFF 536u
#define SD_INODE_VM_STATE_SIZE_OFF 544u
#define SD_INODE_COPY_POLICY_OFF 552u
#define SD_INODE_STORE_POLICY_OFF 553u
#define SD_INODE_NR_COPIES_OFF 554u
#define SD_INODE_BSS_OFF 555u
#define SD_INODE_SNAP_ID_OFF 556u
#define SD_INODE_VDI_ID_OFF 560u
#define SD_INODE_PARENT_OFF 564u
#define SD_INODE_BTREE_COUNTER_OFF 568u
#define SD_INODE_DATA_VDI_ID_OFF 4664u
#define SD_INODE_DATA_ENTRIES (1u << 20)
#define SD_INODE_DATA_INDEX_SIZE (4u << 20) /* data_vdi_id bytes = B-tree root/node size */
#define SD_INODE_GREF_OFF 4198968u
/* End of data_vdi_id: the bytes the data path needs (header + index, no gref). */
#define SD_INODE_INDEX_END (SD_INODE_DATA_VDI_ID_OFF + SD_INODE_DATA_INDEX_SIZE)
/* SD_INODE_OBJ_SIZE (12587576, whole object) is in sd_proto.h */

#define SD_STORE_POLICY_NORMAL 0
#define SD_STORE_POLICY_HYPER 1

struct sd_inode_hdr {
	char name[SD_NAME_FIELD + 1]; /* always NUL-terminated */
	char tag[SD_NAME_FIELD + 1];
	uint64_t create_time; /* (sec << 32) | nsec */
	uint64_t snap_ctime;  /* non-zero: this inode is a snapshot */
	uint64_t vm_clock_nsec;
	uint64_t vdi_size;
	uint64_t vm_state_size;
	uint8_t copy_policy;
	uint8_t store_policy;
	uint8_t nr_copies;
	uint8_t block_size_shift; /* 0 in old inodes: means 22 */
	uint32_t snap_id;
	uint32_t vdi_id;
	uint32_t parent_vdi_id;
	uint32_t btree_counter;
};

/* SD_ERR_SHORT if len < 4664; SD_ERR_MALFORMED if store_policy > 1 or bss is neither 0 nor
 * 20..31 (the data path could not address such a volume). */
int sd_inode_hdr_decode(const uint8_t *buf, size_t len, struct sd_inode_hdr *hdr);
/* Object size for this inode (bss 0 -> 4 MiB). */
uint64_t sd_inode_object_size(const struct sd_inode_hdr *hdr);
/* ceil(vdi_size / object size): the number of index entries the volume uses. */
uint64_t sd_inode_nr_objs(const struct sd_inode_hdr *hdr);
static inline int sd_inode_is_snapshot(const struct sd_inode_hdr *hdr)
{
	return hdr->snap_ctime != 0;
}

/* ---- flat index (store_policy 0) ---- */
/* *vid = data_vdi_id[idx] (0 = hole). SD_ERR_RANGE if idx >= 2^20, SD_ERR_SHORT if the entry
 * lies beyond len. */
int sd_flat_get(const uint8_t *inode, size_t len, uint32_t idx, uint32_t *vid);
int sd_flat_set(uint8_t *inode, size_t len, uint32_t idx, uint32_t vid);

/* ---- hyper-volume B-tree (store_policy 1, section 7.2) ---- */
#define SD_BTREE_MAGIC 0x6274
#define SD_BTREE_HDR_SIZE 8u
#define SD_BTREE_LEAF_ENTRY_SIZE 8u      /* idx u32, vdi_id u32 */
#define SD_BTREE_INDIRECT_ENTRY_SIZE 16u /* idx u32, pad u32, oid u64 */
#define SD_BTREE_MAX_LEAF ((SD_INODE_DATA_INDEX_SIZE - SD_BTREE_HDR_SIZE) / SD_BTREE_LEAF_ENTRY_SIZE)
#define SD_BTREE_MAX_INDIRECT \
	((SD_INODE_DATA_INDEX_SIZE - SD_BTREE_HDR_SIZE) / SD_BTREE_INDIRECT_ENTRY_SIZE)

struct sd_btree_hdr {
	uint16_t magic;
	uint16_t depth; /* 1: leaf entries, 2: indirect entries (root only) */
	uint32_t entries;
};
/* Decodes and validates a node header: magic, depth 1..2, entries within the capacity for the
 * depth and within len. An all-zero header (uninitialized root) is SD_ERR_MALFORMED here;
 * lookups treat it as an empty tree. */
int sd_btree_hdr_decode(const uint8_t *node, size_t len, struct sd_btree_hdr *hdr);
/* Writes an empty node header (magic, depth, 0 entries). len >= 8. */
void sd_btree_init(uint8_t *node, uint16_t depth);

/* Return values of sd_btree_root_lookup besides errors. */
#define SD_BTREE_FOUND 0     /* *vid set (0 = hole) */
#define SD_BTREE_NEED_NODE 1 /* *node_oid set: fetch that node, then sd_btree_leaf_lookup */

/*
 * Step-wise lookup for callers that fetch nodes asynchronously. root = inode + 4664,
 * root_len = bytes of the root area available (<= 4 MiB). Depth 1: binary search of the leaf
 * entries. Depth 2: the first indirect entry whose idx >= wanted idx; none -> hole.
 */
int sd_btree_root_lookup(const uint8_t *root, size_t root_len, uint32_t idx, uint32_t *vid,
			 uint64_t *node_oid);
/* Lookup in a leaf node object (depth 1 header). Not found -> *vid = 0. */
int sd_btree_leaf_lookup(const uint8_t *node, size_t len, uint32_t idx, uint32_t *vid);

/*
 * Access to B-tree node objects, supplied by the caller (it owns and caches the 4 MiB buffers).
 * get: point *node at node oid's content (*len bytes, normally SD_BTREE_NODE_OBJ_SIZE), valid
 *      and writable until the current sd_inode_* call returns; non-zero return -> SD_ERR_FETCH.
 * create: (inserts only) point *node at a fresh zeroed SD_BTREE_NODE_OBJ_SIZE buffer that will
 *      hold new node oid; the same buffer must be returned by later get() calls for that oid.
 */
struct sd_btree_io {
	void *arg;
	int (*get)(void *arg, uint64_t oid, uint8_t **node, size_t *len);
	int (*create)(void *arg, uint64_t oid, uint8_t **node);
};

/*
 * Index lookup for either store policy (from inode byte 553). io may be NULL if the caller
 * knows no node fetch is needed (flat, or depth 1); a depth-2 lookup without io is
 * SD_ERR_INVAL. *vid = 0 means a hole.
 */
int sd_inode_lookup(const uint8_t *inode, size_t len, uint32_t idx, const struct sd_btree_io *io,
		    uint32_t *vid);

/*
 * Index update: what the writer must send, in order, after sd_inode_set_vid. Each write is
 * `len` bytes from `data` (memory inside the caller's inode or node buffers) to `oid` at
 * `offset`; create = 1 means CREATE_AND_WRITE_OBJ (a new B-tree node, full object), else
 * WRITE_OBJ. Node objects come first so that a crash never leaves the inode pointing at a
 * node that was not written.
 *   flat VDI:  one write, 4 bytes at 4664 + 4*idx of the inode oid.
 *   hyper:     node writes (0..5), then inode bytes [0, 4664 + 8 + entries*size) at offset 0,
 *              then the 4-byte btree_counter at offset 568 (what dog does).
 */
#define SD_INDEX_MAX_WRITES 8
struct sd_index_write {
	uint64_t oid;
	uint32_t offset;
	uint32_t len;
	int create;
	const uint8_t *data;
};
struct sd_index_update {
	unsigned nr;
	struct sd_index_write w[SD_INDEX_MAX_WRITES];
};

/*
 * Sets index entry idx to vid (vid 0 clears it, as after DISCARD_OBJ) in the caller's inode
 * buffer, and for hyper volumes in the node buffers reached through io (splitting the root or a
 * leaf and allocating node oids from btree_counter when full), and lists the writes in *upd.
 * inode must hold at least [0, SD_INODE_INDEX_END) for hyper volumes. On error the inode may be
 * partially changed only if a node fetch failed after a split (SD_ERR_FETCH): reload it then.
 */
int sd_inode_set_vid(uint8_t *inode, size_t len, uint32_t idx, uint32_t vid,
		     const struct sd_btree_io *io, struct sd_index_update *upd);

/* Bytes of the index metadata dog reads/writes after the header: flat -> 4 * nr_objs (capped at
 * 4 MiB); hyper -> 8 + entries * entry size of the root. SD_ERR_* (< 0) on a bad root. */
int64_t sd_inode_meta_size(const uint8_t *inode, size_t len);

#endif
