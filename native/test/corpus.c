/* Bounded scanner for the shared/wire JSON corpus (see corpus.h). Test code only. */
#define _POSIX_C_SOURCE 200809L
#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct scan {
	const char *s;
	size_t n, i;
	int arr_depth, obj_depth, conn_arr_depth;
	int role, role_depth; /* role: 0 none, 1 request, 2 response */
	int in_payload, payload_depth;
	char key[16];     /* last key seen (truncated keys never match) */
	char last[16];    /* last string, a key if ':' follows */
	int expect_value; /* a ':' was seen and the value has not come yet */
	struct corpus_msg msg;
	int have_header;
	corpus_fn fn;
	void *arg;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unhex(const char *h, size_t hl, uint8_t *out, size_t cap)
{
	if (hl % 2 || hl / 2 > cap)
		return -1;
	for (size_t k = 0; k < hl / 2; k++) {
		int a = hexval(h[2 * k]), b = hexval(h[2 * k + 1]);
		if (a < 0 || b < 0)
			return -1;
		out[k] = (uint8_t)(a << 4 | b);
	}
	return (int)(hl / 2);
}

/* Blob paths stay inside the wire directory. */
static int has_dotdot(const char *v, size_t vl)
{
	for (size_t k = 0; k + 1 < vl; k++)
		if (v[k] == '.' && v[k + 1] == '.')
			return 1;
	return 0;
}

static int fail(struct scan *sc, const char *why)
{
	fprintf(stderr, "corpus: %s: %s at byte %zu\n", sc->msg.file, why, sc->i);
	return -1;
}

/* String starting after the opening quote; returns its [start, end) in the buffer. */
static int read_string(struct scan *sc, size_t *start, size_t *end)
{
	*start = sc->i;
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];
		if (c == '\\') {
			sc->i += 2;
			continue;
		}
		if (c == '"') {
			*end = sc->i++;
			return 0;
		}
		sc->i++;
	}
	return fail(sc, "unterminated string");
}

static int string_value(struct scan *sc, size_t a, size_t b)
{
	const char *v = sc->s + a;
	size_t vl = b - a;
	if (!sc->role)
		return 0;
	if (sc->in_payload) {
		if (strcmp(sc->key, "hex") == 0) {
			sc->msg.payload.hex = v;
			sc->msg.payload.hex_len = vl;
		} else if (strcmp(sc->key, "blob") == 0) {
			if (vl >= sizeof(sc->msg.payload.blob) || memchr(v, '/', vl) == NULL || has_dotdot(v, vl))
				return fail(sc, "bad blob path");
			memcpy(sc->msg.payload.blob, v, vl);
			sc->msg.payload.blob[vl] = '\0';
		}
		return 0;
	}
	if (strcmp(sc->key, "header") == 0) {
		if (vl != 96 || unhex(v, vl, sc->msg.header, sizeof(sc->msg.header)) != 48)
			return fail(sc, "header is not 96 hex chars");
		sc->have_header = 1;
	}
	return 0;
}

static int number_value(struct scan *sc)
{
	unsigned long long v = 0;
	int digits = 0;
	while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9') {
		if (++digits > 12)
			return fail(sc, "number too long");
		v = v * 10 + (unsigned)(sc->s[sc->i++] - '0');
	}
	if (sc->in_payload && strcmp(sc->key, "len") == 0) {
		if (v > CORPUS_MAX_PAYLOAD)
			return fail(sc, "payload length beyond the test's bound");
		sc->msg.payload.len = (uint32_t)v;
	}
	return 0;
}

static int open_brace(struct scan *sc)
{
	sc->obj_depth++;
	if (sc->expect_value && !sc->role &&
	    (strcmp(sc->key, "request") == 0 || strcmp(sc->key, "response") == 0)) {
		sc->role = sc->key[2] == 'q' ? 1 : 2;
		sc->role_depth = sc->obj_depth;
		memset(&sc->msg.payload, 0, sizeof(sc->msg.payload));
		memset(sc->msg.header, 0, sizeof(sc->msg.header));
		sc->have_header = 0;
	} else if (sc->expect_value && sc->role && strcmp(sc->key, "payload") == 0) {
		sc->in_payload = 1;
		sc->payload_depth = sc->obj_depth;
		sc->msg.payload.present = 1;
	} else if (sc->conn_arr_depth && sc->arr_depth == sc->conn_arr_depth + 1 && sc->obj_depth == 2) {
		sc->msg.exchange++;
	}
	sc->expect_value = 0;
	return 0;
}

static int close_brace(struct scan *sc)
{
	if (sc->in_payload && sc->obj_depth == sc->payload_depth) {
		sc->in_payload = 0;
		if (!sc->msg.payload.hex && !sc->msg.payload.blob[0])
			return fail(sc, "payload without hex or blob");
	}
	if (sc->role && sc->obj_depth == sc->role_depth) {
		if (!sc->have_header)
			return fail(sc, "message without header");
		sc->msg.is_request = sc->role == 1;
		sc->role = 0;
		int r = sc->fn(sc->arg, &sc->msg);
		if (r)
			return r;
	}
	sc->obj_depth--;
	return 0;
}

static int scan_file(struct scan *sc)
{
	int r;
	while (sc->i < sc->n) {
		char c = sc->s[sc->i++];
		switch (c) {
		case '"': {
			size_t a, b;
			if (read_string(sc, &a, &b))
				return -1;
			if (sc->expect_value) {
				sc->expect_value = 0;
				if ((r = string_value(sc, a, b)))
					return r;
			} else {
				size_t l = b - a < sizeof(sc->last) ? b - a : 0;
				memcpy(sc->last, sc->s + a, l);
				sc->last[l] = '\0';
			}
			break;
		}
		case ':':
			memcpy(sc->key, sc->last, sizeof(sc->key));
			sc->expect_value = 1;
			break;
		case ',':
			sc->expect_value = 0;
			break;
		case '{':
			if ((r = open_brace(sc)))
				return r;
			break;
		case '}':
			if ((r = close_brace(sc)))
				return r;
			break;
		case '[':
			sc->arr_depth++;
			if (sc->expect_value && strcmp(sc->key, "connections") == 0) {
				sc->conn_arr_depth = sc->arr_depth;
			} else if (sc->conn_arr_depth && sc->arr_depth == sc->conn_arr_depth + 1) {
				sc->msg.conn++;
				sc->msg.exchange = -1;
			}
			sc->expect_value = 0;
			break;
		case ']':
			sc->arr_depth--;
			break;
		default:
			if (sc->expect_value && c >= '0' && c <= '9') {
				sc->i--;
				if ((r = number_value(sc)))
					return r;
				sc->expect_value = 0;
			}
			break;
		}
	}
	if (sc->obj_depth || sc->arr_depth)
		return fail(sc, "unbalanced brackets");
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(CORPUS_MAX_FILE + 1);
	size_t n = buf ? fread(buf, 1, CORPUS_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (!buf || n > CORPUS_MAX_FILE) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int corpus_each(const char *dir, corpus_fn fn, void *arg)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "corpus: cannot open %s\n", dir);
		return -1;
	}
	char *names[1024];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && nn < 1024) {
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
			names[nn++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_names);
	int ret = 0;
	for (size_t k = 0; k < nn && ret >= 0; k++) {
		char path[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		char *buf = read_file(path, &len);
		if (!buf) {
			fprintf(stderr, "corpus: cannot read %s\n", path);
			ret = -1;
			break;
		}
		struct scan sc = { .s = buf, .n = len, .fn = fn, .arg = arg };
		sc.msg.file = names[k];
		sc.msg.conn = -1;
		int r = scan_file(&sc);
		free(buf);
		if (r)
			ret = r < 0 ? -1 : r;
		else
			ret++;
	}
	for (size_t k = 0; k < nn; k++)
		free(names[k]);
	return ret;
}

long corpus_payload_load(const char *dir, const struct corpus_payload *p, uint8_t *out, size_t cap)
{
	if (!p->present || p->len > cap)
		return -1;
	if (p->hex)
		return unhex(p->hex, p->hex_len, out, cap) == (int)p->len ? (long)p->len : -1;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, p->blob);
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return -1;
	long got = 0;
	while ((size_t)got < p->len) {
		int n = gzread(gz, out + got, (unsigned)(p->len - got));
		if (n <= 0)
			break;
		got += n;
	}
	uint8_t extra;
	int more = gzread(gz, &extra, 1); /* the blob must hold exactly len bytes */
	gzclose(gz);
	return (got == (long)p->len && more == 0) ? got : -1;
}
