#include "sd_inode.h"
