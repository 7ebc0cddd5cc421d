/* libFuzzer: an arbitrary inode prefix (header + index) and B-tree node never makes the inode
 * decoder, the index lookups or the metadata size read out of bounds or crash. Input layout:
 * [inode prefix][4-byte idx]; a depth-2 lookup gets the bytes after the root header as its node. */
#include <stdlib.h>
#include <string.h>

#include "sd_inode.h"

struct node_src {
	const uint8_t *node;
	size_t len;
	unsigned gets;
};

static int get_node(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct node_src *s = arg;
	(void)oid;
	if (s->gets++ > 4 || s->len == 0)
		return -1;
	*node = (uint8_t *)s->node;
	*len = s->len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t len = size - 4;
	uint32_t want = sd_le32(data + len);
	uint8_t *ino = malloc(len ? len : 1); /* exact size: ASan catches overreads */
	if (!ino)
		return 0;
	memcpy(ino, data, len);

	struct sd_inode_hdr h;
	if (sd_inode_hdr_decode(ino, len, &h) == SD_OK) {
		if (sd_inode_object_size(&h) == 0)
			__builtin_trap(); /* decode accepted a bss the data path cannot use */
		(void)sd_inode_nr_objs(&h);
	}
	(void)sd_inode_meta_size(ino, len);

	/* the node handed to depth-2 lookups: the input after the root's 8-byte header */
	size_t skip = SD_INODE_HEADER_SIZE + SD_BTREE_HDR_SIZE;
	struct node_src src = { NULL, 0, 0 };
	uint8_t *node = NULL;
	if (len > skip) {
		src.len = len - skip;
		node = malloc(src.len);
		if (node)
			memcpy(node, ino + skip, src.len);
		src.node = node;
		if (!node)
			src.len = 0;
	}
	struct sd_btree_io io = { &src, get_node, NULL };
	uint32_t vid;
	uint32_t probes[] = { want, want + 1, want - 1, 0, UINT32_MAX, want >> 12 };
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		src.gets = 0;
		int r = sd_inode_lookup(ino, len, probes[i], &io, &vid);
		if (r > 0)
			__builtin_trap(); /* only SD_OK or an error reach the caller */
	}
	if (len > SD_INODE_HEADER_SIZE) {
		uint64_t noid;
		(void)sd_btree_root_lookup(ino + SD_INODE_HEADER_SIZE, len - SD_INODE_HEADER_SIZE, want, &vid, &noid);
	}
	if (node)
		(void)sd_btree_leaf_lookup(node, src.len, want, &vid);
	free(node);
	free(ino);
	return 0;
}
