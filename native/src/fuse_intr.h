/* FUSE interrupts: a process waiting in a sheepfs request can always be killed.
 *
 * When the kernel interrupts a request (a signal, SIGKILL included), the request is answered EINTR
 * at once, from the thread that read the INTERRUPT; the work behind it (sheep I/O, a Java upcall)
 * goes on and its result is dropped. Exactly one answer goes out: the interrupt and the op's own
 * completion race for an atomic claim, and the loser touches neither the request nor anything
 * the winner may have freed.
 *
 * Use: sfs_icall_arm before the work starts; when it ends, sfs_icall_claim, and answer only if it
 * says so. The sfs_icall must live until the op's sfs_icall_claim returned (an interrupt function
 * reads it only before it takes the claim, and sfs_icall_claim waits out one running). */
#ifndef SHEEPFS_FUSE_INTR_H
#define SHEEPFS_FUSE_INTR_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <fuse_lowlevel.h>

struct sfs_icall {
	fuse_req_t req;
	atomic_bool taken;  /* the answer is claimed, by the interrupt (EINTR) or by the op */
	atomic_bool arming; /* sfs_icall_arm runs on arm_thread */
	pthread_t arm_thread;
	bool early;         /* interrupted before it was armed: sfs_icall_arm answers EINTR */
};

/* Arms c for req. False if req was interrupted already: then EINTR has been answered and the op
 * must neither start its work nor answer. */
bool sfs_icall_arm(struct sfs_icall *c, fuse_req_t req);

/* Claims the answer for the op. True: answer c->req now (no interrupt can answer any more).
 * False: the interrupt answered; the request is gone, only clean up. */
bool sfs_icall_claim(struct sfs_icall *c);

#endif
