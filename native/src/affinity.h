/* Keeping a thread on one CPU (the per-CPU FUSE queues and the I/O threads that serve them). */
#ifndef SHEEPFS_AFFINITY_H
#define SHEEPFS_AFFINITY_H
#include <sched.h>
#include <stdbool.h>

/* Binds the calling thread to cpu when that CPU is one it may run on (a cpuset may allow fewer);
 * otherwise, or on failure, it stays free. Returns whether it is bound. */
static inline bool sfs_pin_to_cpu(unsigned cpu)
{
	cpu_set_t allowed, one;
	if (cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || !CPU_ISSET(cpu, &allowed))
		return false;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0;
}

#endif
