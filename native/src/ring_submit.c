/* One submitter at a time on a shared ring: see ring_submit.h. Why: the kernel runs a FUSE
 * commit (and copies a read's data into the reader's pages) while it holds the ring's lock, so a
 * second thread in io_uring_enter on the same ring spun on that lock all that time (measured at
 * 1 MiB reads: 4% of the machine's CPU in mutex_spin_on_owner). */
#include "ring_submit.h"

#include <errno.h>

unsigned sfs_ring_publish(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned n = sq->sqe_tail - sq->sqe_head;
	for (unsigned i = sq->sqe_head; i != sq->sqe_tail; i++)
		sq->array[i & sq->ring_mask] = i & sq->ring_mask;
	sq->sqe_head = sq->sqe_tail;
	io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
	return n;
}

unsigned sfs_ring_unsubmitted(struct io_uring *ring)
{
	return io_uring_smp_load_acquire(ring->sq.ktail) - io_uring_smp_load_acquire(ring->sq.khead);
}

int sfs_ring_submit(struct sfs_ring_submit *s, struct io_uring *ring)
{
	for (;;) {
		/* the fence orders our publish (or our giving the ring up) before our look at the other
		 * side: of a thread submitting and one publishing, at least one sees the other */
		atomic_thread_fence(memory_order_seq_cst);
		if (sfs_ring_unsubmitted(ring) == 0 || atomic_exchange(&s->busy, true))
			return 0;
		unsigned left;
		int err = 0;
		while ((left = sfs_ring_unsubmitted(ring)) > 0) {
			int r = io_uring_enter((unsigned)ring->ring_fd, left, 0, 0, NULL);
			if (r == 0)
				break; /* the kernel took none of them: the next call tries again, not a spin */
			if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
				err = r;
				break;
			}
		}
		atomic_store(&s->busy, false);
		if (err || left > 0)
			return err;
	}
}
