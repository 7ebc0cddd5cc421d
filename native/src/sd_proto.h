/* Sheepdog 1.0 wire codec (48-byte headers, result codes, object ids): the data path's subset. */
#ifndef SHEEPFS_SD_PROTO_H
#define SHEEPFS_SD_PROTO_H
#include <stdint.h>
#include <stddef.h>
#define SD_HEADER_SIZE 48
#endif
