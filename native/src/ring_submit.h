/* A ring several threads submit to: entries are published under the caller's lock, and the
 * system call that hands them to the kernel is made without it (a thread preempted inside the
 * call, e.g. by the program its commit just woke on this CPU, would block the others), by one
 * thread at a time. */
#ifndef SHEEPFS_RING_SUBMIT_H
#define SHEEPFS_RING_SUBMIT_H

#include <stdatomic.h>

#include <liburing.h>

struct sfs_ring_submit {
	atomic_bool busy; /* a thread is in io_uring_enter for the ring */
};

/* Makes the SQEs prepared so far visible to the kernel (what io_uring_submit does before its
 * system call). With the lock that guards io_uring_get_sqe held. Returns how many. */
unsigned sfs_ring_publish(struct io_uring *ring);

/* Published SQEs the kernel has not taken yet. */
unsigned sfs_ring_unsubmitted(struct io_uring *ring);

/* Submits what is published on ring, or leaves it to the thread already submitting, which
 * submits until none are left. Without the lock. Returns 0, or the negative errno of a submit
 * that failed (what is left goes with the next call). */
int sfs_ring_submit(struct sfs_ring_submit *s, struct io_uring *ring);

#endif
