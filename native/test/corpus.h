/*
 * Reader for the recorded traffic in SHEEPFS_WIRE_DIR (the JSON files of shared/wire), for the C tests.
 * Not a JSON parser: a bounded scanner that knows the corpus's shape (connections -> exchanges
 * -> request/response -> header + payload) and hands each message to a callback in wire order.
 */
#ifndef SHEEPFS_TEST_CORPUS_H
#define SHEEPFS_TEST_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#define CORPUS_MAX_FILE (8u << 20)     /* largest JSON accepted (the corpus's are < 64 KiB) */
#define CORPUS_MAX_PAYLOAD (16u << 20) /* largest payload loaded (a full inode is 12 MiB) */

struct corpus_payload {
	int present;
	uint32_t len;     /* bytes on the wire */
	const char *hex;  /* inline hex (inside the file buffer), or NULL */
	size_t hex_len;   /* chars */
	char blob[160];   /* "blobs/<sha256>.gz" or "" */
};

struct corpus_msg {
	const char *file; /* base name */
	int conn;         /* connection number, from 0 */
	int exchange;     /* exchange number inside the connection */
	int is_request;
	uint8_t header[48];
	struct corpus_payload payload;
};

typedef int (*corpus_fn)(void *arg, const struct corpus_msg *msg);

/* Calls fn for every message of every *.json in dir (sorted by name). Returns the number of
 * files read, or -1 (with a message on stderr) if the directory or a file cannot be read or
 * is malformed. A non-zero return from fn stops and is returned. */
int corpus_each(const char *dir, corpus_fn fn, void *arg);

/* Loads a payload's bytes (hex or gzip blob) into out (cap bytes). Returns its length or -1. */
long corpus_payload_load(const char *dir, const struct corpus_payload *p, uint8_t *out, size_t cap);

#endif
