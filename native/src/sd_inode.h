/* Inode index lookup (flat data_vdi_id array, hyper-volume B-tree). */
#ifndef SHEEPFS_SD_INODE_H
#define SHEEPFS_SD_INODE_H
#include <stdint.h>
#endif
