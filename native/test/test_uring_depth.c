/* The rule that sizes the io_uring queues: what was asked while it fits the memory budget, fewer
 * entries per queue on machines with many CPUs, never fewer than 2. */
#include <stdio.h>

#include "fuse_uring.h"
#include "test_require.h"

int main(void)
{
	const size_t entry = 4096 + (1u << 20); /* header page + 1 MiB payload */
	CHECK(sfs_uring_depth(16, 2, entry) == 16);  /* 2 CPUs: 32 MiB, asked for */
	CHECK(sfs_uring_depth(4, 2, entry) == 4);
	CHECK(sfs_uring_depth(0, 2, entry) == 1);
	CHECK(sfs_uring_depth(16, 4, entry) == 15);  /* 64 MiB / (4 x 1 MiB + 4 KiB) = 15 */
	CHECK(sfs_uring_depth(16, 8, entry) == 7);
	CHECK(sfs_uring_depth(16, 64, entry) == 2);  /* the floor: 128 MiB on 64 CPUs */
	CHECK(sfs_uring_depth(16, 1024, entry) == 2);
	CHECK(sfs_uring_depth(16, 0, entry) == 16);  /* no CPU count: one queue */
	CHECK(sfs_uring_depth(1024, 1, 8192 + 4096) == 1024); /* small max_write: all of them fit */
	for (unsigned nq = 1; nq <= 512; nq++) {
		unsigned d = sfs_uring_depth(16, nq, entry);
		CHECK(d >= 2 && d <= 16);
		CHECK(d == 2 || (size_t)d * nq * entry <= SFS_URING_MEMORY_BUDGET);
	}
	puts("uring_depth: ok");
	return 0;
}
