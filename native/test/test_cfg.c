/* A mount's settings by name (cfg.c): every name sets its own field, defaults say "the core's
 * choice", and a name the core lacks is refused, not ignored. */
#include <errno.h>
#include <stdio.h>

#include "cfg.h"
#include "test_require.h"

int main(void)
{
	struct sfs_cfg c;
	sfs_cfg_defaults(&c);
	CHECK(c.max_threads == 0 && c.max_piece == 262144 && c.uid == -1 && c.gid == -1 && c.uring_depth == 0);
	CHECK(sfs_cfg_set(&c, "connections", 3) == 0 && c.connections == 3);
	CHECK(sfs_cfg_set(&c, "gid", 7) == 0 && c.gid == 7 && c.uid == -1);
	CHECK(sfs_cfg_set(&c, "uring_depth", 16) == 0 && c.uring_depth == 16);
	CHECK(sfs_cfg_set(&c, "max_piece", 0) == 0 && c.max_piece == 0);
	CHECK(sfs_cfg_set(&c, "no_such_setting", 1) == EINVAL);
	CHECK(sfs_cfg_set(&c, "Connections", 1) == EINVAL && c.connections == 3);
	CHECK(sfs_cfg_set(&c, "", 1) == EINVAL);
	/* each name reaches a field of its own: set them all to distinct values */
	int v = 100;
#define SET(name, def) CHECK(sfs_cfg_set(&c, #name, v++) == 0);
	SFS_CFG_SETTINGS(SET)
#undef SET
	v = 100;
#define GOT(name, def) CHECK(c.name == v++);
	SFS_CFG_SETTINGS(GOT)
#undef GOT
	puts("cfg: ok");
	return 0;
}
