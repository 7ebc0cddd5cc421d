/*
 * Plain driver for the fuzz targets, so that ctest (gcc, ASan + UBSan, no libFuzzer) runs their
 * checks on every seed taken from the recorded traffic and on deterministic mutations of each
 * seed (bit flips, truncations, byte overwrites). Usage: replay_X SEED_DIR [MUTATIONS_PER_SEED]
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_proto.h"

#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64: reproducible runs, no libc rand state */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void mutate(uint8_t *b, size_t *len, uint64_t *rng)
{
	uint64_t r = next_rand(rng);
	if (*len == 0)
		return;
	switch (r % 4) {
	case 0: /* flip a bit */
		b[(r >> 8) % *len] ^= (uint8_t)(1u << ((r >> 40) % 8));
		break;
	case 1: /* truncate */
		*len = (size_t)((r >> 8) % (*len + 1));
		break;
	case 2: /* overwrite a byte with an interesting value */
	{
		static const uint8_t v[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x74, 0x62 };
		b[(r >> 8) % *len] = v[(r >> 40) % sizeof(v)];
		break;
	}
	default: /* overwrite a little-endian u32 with a boundary value */
		if (*len >= 4) {
			static const uint32_t v[] = { 0, 1, 0xffffffffu, 0x7fffffffu, 524287, 524288, 262143, 1u << 20 };
			size_t at = (r >> 8) % (*len - 3);
			sd_put32(b + at, v[(r >> 40) % 8]);
		}
		break;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SEED_DIR [MUTATIONS_PER_SEED]\n", argv[0]);
		return 2;
	}
	long mutations = argc > 2 ? atol(argv[2]) : 50;
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "%s: cannot open %s\n", argv[0], argv[1]);
		return 2;
	}
	uint8_t *seed = malloc(MAX_INPUT), *work = malloc(MAX_INPUT);
	if (!seed || !work)
		return 2;
	unsigned long seeds = 0, runs = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t n = fread(seed, 1, MAX_INPUT, f);
		fclose(f);
		seeds++;
		LLVMFuzzerTestOneInput(seed, n);
		runs++;
		for (long m = 0; m < mutations; m++) {
			size_t len = n;
			memcpy(work, seed, n);
			for (int k = 0; k < 1 + (int)(next_rand(&rng) % 4); k++)
				mutate(work, &len, &rng);
			LLVMFuzzerTestOneInput(work, len);
			runs++;
		}
	}
	closedir(d);
	free(seed);
	free(work);
	printf("%s: %lu seeds, %lu inputs, no failure\n", argv[0], seeds, runs);
	return seeds > 0 ? 0 : 1;
}
