/* The counters of a mount that FuseSession.stats() shows, by name: each is one line of the
 * table in counters.c, which says what it counts. */
#ifndef SHEEPFS_COUNTERS_H
#define SHEEPFS_COUNTERS_H
#include <stddef.h>
#include <stdint.h>

struct sfs_ctx;

size_t sfs_counters_count(void);
/* The name of counter i (i < sfs_counters_count()). */
const char *sfs_counter_name(size_t i);
/* Every counter's value now, in the names' order, into out[sfs_counters_count()]. */
void sfs_counters_read(struct sfs_ctx *ctx, uint64_t *out);

#endif
