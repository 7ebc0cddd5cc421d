/* Minimal check helpers for the C tests: count, report the failing line, summary at the end. */
#ifndef SHEEPFS_TEST_UTIL_H
#define SHEEPFS_TEST_UTIL_H

#include <stdio.h>

struct t_stats {
	unsigned pass, fail;
};

#define CHECK(st, cond)                                                                         \
	do {                                                                                    \
		if (cond) {                                                                     \
			(st)->pass++;                                                           \
		} else {                                                                        \
			(st)->fail++;                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                               \
	} while (0)

#define CHECK_EQ(st, a, b)                                                                       \
	do {                                                                                     \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);   \
		if (a_ == b_) {                                                                  \
			(st)->pass++;                                                            \
		} else {                                                                         \
			(st)->fail++;                                                            \
			fprintf(stderr, "%s:%d: %s = %#llx, expected %s = %#llx\n", __FILE__,   \
				__LINE__, #a, a_, #b, b_);                                       \
		}                                                                                \
	} while (0)

static inline int t_summary(const char *name, const struct t_stats *st)
{
	printf("%s: %u checks passed, %u failed\n", name, st->pass, st->fail);
	return st->fail == 0 && st->pass > 0 ? 0 : 1;
}

#endif
