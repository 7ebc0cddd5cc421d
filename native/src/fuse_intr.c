/* FUSE interrupts: see fuse_intr.h. */
#define _GNU_SOURCE
#include "fuse_intr.h"

#include <errno.h>

/*
 * libfuse calls this with the request's own lock held: from the thread that read the INTERRUPT
 * (the request stays alive meanwhile, and sfs_icall_claim's fuse_req_interrupt_func waits for the
 * lock), or from fuse_req_interrupt_func itself when the interrupt came first. Answering there
 * would free the request under libfuse's feet, so that case is left to sfs_icall_arm.
 */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct sfs_icall *c = data;
	if (atomic_load(&c->arming) && pthread_equal(c->arm_thread, pthread_self())) {
		c->early = true;
		return;
	}
	if (!atomic_exchange(&c->taken, true))
		fuse_reply_err(req, EINTR); /* c is not touched after the claim: the op may free it */
}

bool sfs_icall_arm(struct sfs_icall *c, fuse_req_t req)
{
	c->req = req;
	c->early = false;
	c->arm_thread = pthread_self();
	atomic_init(&c->taken, false);
	atomic_init(&c->arming, true);
	fuse_req_interrupt_func(req, on_interrupt, c);
	atomic_store(&c->arming, false);
	if (!c->early)
		return true;
	if (sfs_icall_claim(c))
		fuse_reply_err(req, EINTR);
	return false;
}

bool sfs_icall_claim(struct sfs_icall *c)
{
	if (atomic_exchange(&c->taken, true))
		return false;
	fuse_req_interrupt_func(c->req, NULL, NULL); /* returns once no interrupt function runs */
	return true;
}
