/* CPU time as the bench tools count it (rawbench.c, wakecost.c). */
#ifndef SHEEPFS_BENCH_CPU_TIME_H
#define SHEEPFS_BENCH_CPU_TIME_H
#include <sys/resource.h>

/* CPU seconds used so far by who: RUSAGE_SELF (every thread) or RUSAGE_THREAD (the caller). */
static inline double bench_cpu_seconds(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

#endif
