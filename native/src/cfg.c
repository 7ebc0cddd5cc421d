/* A mount's configuration: see cfg.h. */
#include "cfg.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const struct setting {
	const char *name;
	size_t off;
	int def;
} settings[] = {
#define SFS_CFG_ROW(name, def) { #name, offsetof(struct sfs_cfg, name), def },
	SFS_CFG_SETTINGS(SFS_CFG_ROW)
#undef SFS_CFG_ROW
};

static int *field(struct sfs_cfg *c, const struct setting *s)
{
	return (int *)((char *)c + s->off);
}

void sfs_cfg_defaults(struct sfs_cfg *c)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		*field(c, &settings[i]) = settings[i].def;
}

int sfs_cfg_set(struct sfs_cfg *c, const char *name, int value)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strcmp(settings[i].name, name) == 0) {
			*field(c, &settings[i]) = value;
			return 0;
		}
	}
	return EINVAL;
}
