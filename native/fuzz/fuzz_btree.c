/* libFuzzer: a sequence of index updates (8-byte records idx, vid) applied with
 * sd_inode_set_vid to a flat or hyper inode agrees with a plain model on every lookup, and
 * every write it asks for stays inside the inode. Input: [policy byte][records...]. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sd_inode.h"

#define REQUIRE(c)                       \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)
#define MAX_OPS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t policy = data[0] & 1;
	size_t nops = (size - 1) / 8;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	/* fresh zero pages from mmap: calloc under ASan would memset 4 MiB per run (its quarantine
	 * recycles the chunk), which made this target 10x slower; only touched pages cost anything */
	uint8_t *ino = mmap(NULL, SD_INODE_INDEX_END, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ino == MAP_FAILED)
		return 0;
	uint32_t *idx = malloc(MAX_OPS * sizeof(uint32_t)), *vid = malloc(MAX_OPS * sizeof(uint32_t));
	if (!idx || !vid)
		goto out;
	ino[SD_INODE_STORE_POLICY_OFF] = policy;
	ino[SD_INODE_BSS_OFF] = 22;
	sd_put32(ino + SD_INODE_VDI_ID_OFF, 0xabcdef);

	size_t n = 0;
	for (size_t i = 0; i < nops; i++) {
		uint32_t x = sd_le32(data + 1 + 8 * i), v = sd_le32(data + 5 + 8 * i);
		if (policy == 0)
			x &= SD_INODE_DATA_ENTRIES - 1;
		struct sd_index_update upd;
		int r = sd_inode_set_vid(ino, SD_INODE_INDEX_END, x, v, NULL, &upd);
		REQUIRE(r == SD_OK); /* a few hundred entries never need a node object */
		REQUIRE(upd.nr >= 1 && upd.nr <= SD_INDEX_MAX_WRITES);
		for (unsigned w = 0; w < upd.nr; w++) {
			REQUIRE(upd.w[w].oid == sd_inode_oid(0xabcdef));
			REQUIRE(upd.w[w].data == ino + upd.w[w].offset);
			REQUIRE((size_t)upd.w[w].offset + upd.w[w].len <= SD_INODE_INDEX_END);
		}
		idx[n] = x;
		vid[n++] = v;
	}
	/* the model: the last value set for an idx wins; everything else is a hole */
	for (size_t i = 0; i < n; i++) {
		uint32_t want = 0, got = 1;
		for (size_t j = 0; j < n; j++)
			if (idx[j] == idx[i])
				want = vid[j];
		REQUIRE(sd_inode_lookup(ino, SD_INODE_INDEX_END, idx[i], NULL, &got) == SD_OK);
		REQUIRE(got == want);
		uint32_t other = idx[i] + 1, ow = 0;
		int seen = 0;
		for (size_t j = 0; j < n; j++)
			if (idx[j] == other) {
				ow = vid[j];
				seen = 1;
			}
		if (policy == 0 && other >= SD_INODE_DATA_ENTRIES)
			continue;
		REQUIRE(sd_inode_lookup(ino, SD_INODE_INDEX_END, other, NULL, &got) == SD_OK);
		REQUIRE(got == (seen ? ow : 0));
	}
out:
	munmap(ino, SD_INODE_INDEX_END);
	free(idx);
	free(vid);
	return 0;
}
