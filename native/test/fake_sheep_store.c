/* The fake sheep's objects (see fake_sheep.h): the store, what requests do to it with sheep's
 * semantics, and the VDIs a test sets up and inspects. Everything runs under fs->mu. */
#define _GNU_SOURCE
#include "fake_sheep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_inode.h"

/* ---------------------------------------------------------------- object store (under mu) */

static struct fs_obj *obj_find(struct fake_sheep *fs, uint64_t oid)
{
	for (size_t i = 0; i < fs->nobjs; i++)
		if (fs->objs[i].oid == oid)
			return &fs->objs[i];
	return NULL;
}

/* Installs data (size bytes, taken over) as object oid, replacing any earlier one. */
static void obj_put(struct fake_sheep *fs, uint64_t oid, uint8_t *data, uint32_t size)
{
	struct fs_obj *o = obj_find(fs, oid);
	if (o) {
		free(o->data);
	} else {
		if (fs->nobjs == fs->cap) {
			size_t cap = fs->cap ? fs->cap * 2 : 64;
			struct fs_obj *n = realloc(fs->objs, cap * sizeof(*n));
			if (n == NULL)
				abort(); /* a test fixture: no way on */
			fs->objs = n;
			fs->cap = cap;
		}
		o = &fs->objs[fs->nobjs++];
		o->oid = oid;
	}
	o->data = data;
	o->size = size;
}

static void obj_remove(struct fake_sheep *fs, uint64_t oid)
{
	struct fs_obj *o = obj_find(fs, oid);
	if (o == NULL)
		return;
	free(o->data);
	*o = fs->objs[--fs->nobjs];
}

static struct fs_obj *inode_of(struct fake_sheep *fs, uint32_t vid)
{
	return obj_find(fs, sd_inode_oid(vid));
}

/* Object size as sheep gives it: data objects 1 << bss of the owning VDI (PROTOCOL.md 9.5). */
static uint32_t obj_size(struct fake_sheep *fs, uint64_t oid)
{
	if (sd_is_inode_oid(oid))
		return SD_INODE_OBJ_SIZE;
	if (sd_is_btree_oid(oid))
		return SD_BTREE_NODE_OBJ_SIZE;
	struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oid));
	unsigned bss = ino ? ino->data[SD_INODE_BSS_OFF] : 0;
	return (uint32_t)1 << (bss ? bss : SD_DEFAULT_BLOCK_SIZE_SHIFT);
}

/* A snapshot's data objects are read-only; inode and B-tree objects never are. */
static bool read_only(struct fake_sheep *fs, uint64_t oid)
{
	if (!sd_is_data_oid(oid))
		return false;
	struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oid));
	return ino && sd_le64(ino->data + SD_INODE_SNAP_CTIME_OFF) != 0;
}

/* The working VDI of a name: the highest vid with that name and no snap_ctime (0: none). */
static uint32_t lookup_name(struct fake_sheep *fs, const char *name)
{
	uint32_t best = 0;
	for (size_t i = 0; i < fs->nobjs; i++) {
		const struct fs_obj *o = &fs->objs[i];
		if (!sd_is_inode_oid(o->oid) || strncmp((const char *)o->data, name, SD_NAME_FIELD) != 0 || name[0] == 0)
			continue;
		if (sd_le64(o->data + SD_INODE_SNAP_CTIME_OFF) == 0 && sd_oid_to_vid(o->oid) > best)
			best = sd_oid_to_vid(o->oid);
	}
	return best;
}

static int node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct fs_obj *o = obj_find(arg, oid);
	if (o == NULL)
		return -1;
	*node = o->data;
	*len = o->size;
	return 0;
}

/* ---------------------------------------------------------------- requests (fake_sheep_internal.h) */

uint32_t fs_execute(struct fake_sheep *fs, const struct sd_req *req, const uint8_t *payload, struct sd_rsp *rsp,
		    uint8_t **out)
{
	struct sd_obj_args oa;
	struct sd_vdi_args va;
	sd_req_get_obj(req, &oa);
	sd_req_get_vdi(req, &va);
	uint32_t dl = req->data_length;
	switch (req->opcode) {
	case SD_OP_READ_OBJ: {
		struct fs_obj *o = obj_find(fs, oa.oid);
		if (o == NULL)
			return SD_RES_NO_OBJ;
		*out = calloc(1, dl ? dl : 1);
		if (oa.offset < o->size)
			memcpy(*out, o->data + oa.offset, dl < o->size - oa.offset ? dl : o->size - oa.offset);
		rsp->data_length = dl;
		return SD_RES_SUCCESS;
	}
	case SD_OP_WRITE_OBJ: {
		struct fs_obj *o = obj_find(fs, oa.oid);
		if (o == NULL)
			return SD_RES_NO_OBJ;
		if (read_only(fs, oa.oid))
			return SD_RES_READONLY;
		if ((uint64_t)oa.offset + dl > o->size)
			return SD_RES_INVALID_PARMS;
		memcpy(o->data + oa.offset, payload, dl);
		return SD_RES_SUCCESS;
	}
	case SD_OP_CREATE_AND_WRITE_OBJ: {
		if (read_only(fs, oa.oid))
			return SD_RES_READONLY;
		uint32_t size = obj_size(fs, oa.oid);
		if ((uint64_t)oa.offset + dl > size)
			return SD_RES_INVALID_PARMS;
		uint8_t *b = calloc(1, size);
		if (b == NULL)
			return SD_RES_NO_MEM;
		if (req->flags & SD_FLAG_CMD_COW) {
			struct fs_obj *c = obj_find(fs, oa.cow_oid);
			if (c == NULL) {
				free(b);
				return SD_RES_NO_OBJ;
			}
			memcpy(b, c->data, c->size < size ? c->size : size);
		}
		memcpy(b + oa.offset, payload, dl);
		obj_put(fs, oa.oid, b, size); /* a create replaces the object whole */
		return SD_RES_SUCCESS;
	}
	case SD_OP_DISCARD_OBJ: {
		struct fs_obj *ino = inode_of(fs, sd_oid_to_vid(oa.oid));
		if (ino && ino->data[SD_INODE_STORE_POLICY_OFF] == SD_STORE_POLICY_NORMAL)
			sd_flat_set(ino->data, ino->size, sd_oid_to_idx(oa.oid), 0);
		obj_remove(fs, oa.oid);
		return SD_RES_SUCCESS;
	}
	case SD_OP_GET_VDI_INFO:
	case SD_OP_LOCK_VDI: {
		char name[SD_NAME_FIELD + 1] = { 0 };
		if (dl < SD_NAME_FIELD)
			return SD_RES_INVALID_PARMS;
		memcpy(name, payload, SD_NAME_FIELD);
		uint32_t vid = lookup_name(fs, name);
		if (vid == 0)
			return SD_RES_NO_VDI;
		if (req->opcode == SD_OP_LOCK_VDI && fs->locking) {
			for (unsigned i = 0; i < fs->nlocks; i++)
				if (fs->locks[i] == vid)
					return SD_RES_VDI_LOCKED;
			if (fs->nlocks == FS_MAX_LOCKS)
				return SD_RES_NO_MEM;
			fs->locks[fs->nlocks++] = vid;
		}
		struct fs_obj *ino = inode_of(fs, vid);
		struct sd_vdi_rsp_args ra = { .vdi_id = vid, .copies = ino->data[SD_INODE_NR_COPIES_OFF],
					      .block_size_shift = ino->data[SD_INODE_BSS_OFF] };
		sd_rsp_set_vdi(rsp, &ra);
		return SD_RES_SUCCESS;
	}
	case SD_OP_RELEASE_VDI:
		for (unsigned i = 0; i < fs->nlocks; i++)
			if (fs->locks[i] == va.base_vdi_id) {
				fs->locks[i] = fs->locks[--fs->nlocks];
				break;
			}
		return SD_RES_SUCCESS;
	default:
		return SD_RES_NO_SUPPORT;
	}
}

/* ---------------------------------------------------------------- VDIs */

uint32_t fake_sheep_create_vdi(struct fake_sheep *fs, const char *name, uint64_t size, unsigned bss, bool hyper)
{
	uint8_t *ino = calloc(1, SD_INODE_OBJ_SIZE);
	if (ino == NULL)
		return 0;
	pthread_mutex_lock(&fs->mu);
	uint32_t vid = sd_name_hash_vid(name, strlen(name));
	while (inode_of(fs, vid) != NULL)
		vid = (vid + 1) & SD_MAX_VID;
	snprintf((char *)ino + SD_INODE_NAME_OFF, SD_NAME_FIELD, "%s", name);
	sd_put64(ino + SD_INODE_CTIME_OFF, (uint64_t)time(NULL) << 32);
	sd_put64(ino + SD_INODE_VDI_SIZE_OFF, size);
	ino[SD_INODE_STORE_POLICY_OFF] = hyper ? SD_STORE_POLICY_HYPER : SD_STORE_POLICY_NORMAL;
	ino[SD_INODE_NR_COPIES_OFF] = 1;
	ino[SD_INODE_BSS_OFF] = (uint8_t)bss;
	sd_put32(ino + SD_INODE_SNAP_ID_OFF, 1);
	sd_put32(ino + SD_INODE_VDI_ID_OFF, vid);
	obj_put(fs, sd_inode_oid(vid), ino, SD_INODE_OBJ_SIZE);
	pthread_mutex_unlock(&fs->mu);
	return vid;
}

uint32_t fake_sheep_snapshot(struct fake_sheep *fs, const char *name)
{
	pthread_mutex_lock(&fs->mu);
	uint32_t old = lookup_name(fs, name), vid = old + 1;
	uint8_t *ino = old ? malloc(SD_INODE_OBJ_SIZE) : NULL;
	if (ino == NULL) {
		pthread_mutex_unlock(&fs->mu);
		return 0;
	}
	while (inode_of(fs, vid) != NULL)
		vid = (vid + 1) & SD_MAX_VID;
	struct fs_obj *o = inode_of(fs, old);
	memcpy(ino, o->data, SD_INODE_OBJ_SIZE);
	sd_put64(o->data + SD_INODE_SNAP_CTIME_OFF, (uint64_t)time(NULL) << 32 | 1);
	sd_put32(ino + SD_INODE_SNAP_ID_OFF, sd_le32(ino + SD_INODE_SNAP_ID_OFF) + 1);
	sd_put32(ino + SD_INODE_VDI_ID_OFF, vid);
	sd_put32(ino + SD_INODE_PARENT_OFF, old);
	obj_put(fs, sd_inode_oid(vid), ino, SD_INODE_OBJ_SIZE);
	pthread_mutex_unlock(&fs->mu);
	return vid;
}

void fake_sheep_delete_vdi(struct fake_sheep *fs, uint32_t vid)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = inode_of(fs, vid);
	if (o)
		o->data[SD_INODE_NAME_OFF] = 0;
	pthread_mutex_unlock(&fs->mu);
}

uint32_t fake_sheep_index(struct fake_sheep *fs, uint32_t vid, uint32_t idx)
{
	uint32_t e = 0;
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = inode_of(fs, vid);
	struct sd_btree_io io = { .arg = fs, .get = node_get };
	if (o == NULL || sd_inode_lookup(o->data, o->size, idx, &io, &e) != SD_OK)
		e = 0;
	pthread_mutex_unlock(&fs->mu);
	return e;
}

bool fake_sheep_read(struct fake_sheep *fs, uint64_t oid, uint32_t off, void *buf, uint32_t len)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = obj_find(fs, oid);
	bool ok = o != NULL && (uint64_t)off + len <= o->size;
	if (ok)
		memcpy(buf, o->data + off, len);
	pthread_mutex_unlock(&fs->mu);
	return ok;
}

bool fake_sheep_exists(struct fake_sheep *fs, uint64_t oid)
{
	pthread_mutex_lock(&fs->mu);
	bool ok = obj_find(fs, oid) != NULL;
	pthread_mutex_unlock(&fs->mu);
	return ok;
}

void fake_sheep_put(struct fake_sheep *fs, uint64_t oid, uint32_t off, const void *data, uint32_t len)
{
	pthread_mutex_lock(&fs->mu);
	struct fs_obj *o = obj_find(fs, oid);
	if (o == NULL) {
		uint32_t size = obj_size(fs, oid);
		uint8_t *b = calloc(1, size);
		if (b == NULL)
			abort();
		obj_put(fs, oid, b, size);
		o = obj_find(fs, oid);
	}
	if ((uint64_t)off + len <= o->size)
		memcpy(o->data + off, data, len);
	pthread_mutex_unlock(&fs->mu);
}

void fake_sheep_set_locking(struct fake_sheep *fs, bool on)
{
	pthread_mutex_lock(&fs->mu);
	fs->locking = on;
	pthread_mutex_unlock(&fs->mu);
}
