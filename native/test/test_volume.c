/* The volume engine (volume.h) against a fake sheep over TCP, through the real socket pool: reads
 * of holes, writes read back, pieces, adoption, request errors, discard, seek, lock, attach
 * errors. The failure paths of allocation (index writes, reloads) are in test_volume_fail.c.
 * `test_volume NAME` runs one case (ctest runs each alone), no argument runs all. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_inode.h"
#include "sd_proto.h"
#include "vol_harness.h"

/* ---------------------------------------------------------------- reads of holes */

void t_holes_flat(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_create_vdi(e.fs, "holes", 64 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "holes", 0);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK(!info.hyper && info.size == 64 * MiB && info.object_size == 4 * MiB && info.allocated == 0);
	unsigned reads = fake_sheep_count(e.fs, SD_OP_READ_OBJ);
	uint8_t *buf = malloc(9 * MiB);
	memset(buf, 0xaa, 9 * MiB);
	CHECK_EQ(vread(v, 2 * MiB, buf, 9 * MiB), 0);
	CHECK(all_zero(buf, 9 * MiB));
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_READ_OBJ), reads); /* zeros without a round trip */
	CHECK_EQ(atomic_load(&e.st.hole_segments), 3);
	/* clamped at the end; nothing at or past it */
	struct op o;
	memset(buf, 0xaa, 8192);
	op_read(v, &o, 64 * MiB - 4096, buf, 8192);
	CHECK_EQ(op_end(&o), 0);
	CHECK_EQ(o.len, 4096);
	CHECK(all_zero(buf, 4096) && buf[4096] == 0xaa);
	op_read(v, &o, 64 * MiB, buf, 8192);
	CHECK_EQ(op_end(&o), 0);
	CHECK_EQ(o.len, 0);
	CHECK(buf[0] == 0);
	free(buf);
	sfs_vol_put(v);
	env_stop(&e);
}

void t_holes_hyper(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_create_vdi(e.fs, "hholes", 8 * TiB, 22, true);
	struct sfs_vol *v = vol_open(&e, "hholes", 0);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK(info.hyper && info.size == 8 * TiB);
	unsigned reads = fake_sheep_count(e.fs, SD_OP_READ_OBJ);
	expect_zeros(v, 5 * TiB + 3 * MiB, 2 * MiB);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_READ_OBJ), reads);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- writes read back */

void t_write_readback_flat(void)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "wr", 64 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "wr", 0);
	struct fs_match inode_writes = m_op(SD_OP_WRITE_OBJ, FS_INODE);
	/* 1 MiB across the boundary of objects 0 and 1: each is created, then named in the index */
	uint8_t *a = pattern(MiB, 1);
	CHECK_EQ(vwrite(v, 4 * MiB - MiB / 2, a, MiB), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 2);
	CHECK_EQ(fake_sheep_count_match(e.fs, &inode_writes), 2);
	CHECK_EQ(atomic_load(&e.st.creates), 2);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 0), vid);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), vid);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 2), 0);
	uint8_t *got = malloc(MiB);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(vid, 0), 4 * MiB - MiB / 2, got, MiB / 2));
	CHECK(memcmp(got, a, MiB / 2) == 0);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(vid, 1), 0, got, MiB / 2));
	CHECK(memcmp(got, a + MiB / 2, MiB / 2) == 0);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(vid, 0), 0, got, MiB)); /* created with zeros */
	CHECK(all_zero(got, MiB));
	expect_read(v, 4 * MiB - MiB / 2, a, MiB);
	/* a rewrite: in place, no create, no index write */
	uint8_t *b = pattern(4096, 2);
	CHECK_EQ(vwrite(v, 4 * MiB + 100, b, 4096), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 2);
	CHECK_EQ(fake_sheep_count_match(e.fs, &inode_writes), 2);
	memcpy(a + MiB / 2 + 100, b, 4096);
	expect_read(v, 4 * MiB - MiB / 2, a, MiB);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK_EQ(info.allocated, 2);
	CHECK(sfs_vol_allocated(v, 4 * MiB) && !sfs_vol_allocated(v, 8 * MiB));
	/* a write past the end is clamped; one at the end does nothing */
	struct op o;
	op_write(v, &o, 64 * MiB - 512, b, 4096);
	CHECK_EQ(op_end(&o), 0);
	CHECK_EQ(o.len, 512);
	op_write(v, &o, 64 * MiB, b, 4096);
	CHECK_EQ(op_end(&o), 0);
	CHECK_EQ(o.len, 0);
	expect_read(v, 64 * MiB - 512, b, 512);
	sfs_vol_put(v);
	/* attached again: the index as sheep has it */
	v = vol_open(&e, "wr", 0);
	expect_read(v, 4 * MiB - MiB / 2, a, MiB);
	expect_zeros(v, 8 * MiB, MiB);
	sfs_vol_put(v);
	free(a);
	free(b);
	free(got);
	env_stop(&e);
}

void t_write_readback_hyper(void)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "hwr", 8 * TiB, 22, true);
	struct sfs_vol *v = vol_open(&e, "hwr", 0);
	/* index 0, 7, and one beyond what a flat index can address (2^20 entries) */
	uint32_t idx[3] = { 0, 7, 1500000 };
	uint8_t *d[3];
	for (int i = 0; i < 3; i++) {
		d[i] = pattern(8192, 10 + (unsigned)i);
		CHECK_EQ(vwrite(v, ((uint64_t)idx[i] << 22) + 4096, d[i], 8192), 0);
	}
	CHECK_EQ(atomic_load(&e.st.creates), 3);
	CHECK(atomic_load(&e.st.index_writes) >= 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(fake_sheep_index(e.fs, vid, idx[i]), vid);
		expect_read(v, ((uint64_t)idx[i] << 22) + 4096, d[i], 8192);
	}
	CHECK_EQ(fake_sheep_index(e.fs, vid, 8), 0);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK_EQ(info.allocated, 3);
	sfs_vol_put(v);
	v = vol_open(&e, "hwr", 0); /* the B-tree as sheep has it */
	sfs_vol_info(v, &info);
	CHECK_EQ(info.allocated, 3);
	for (int i = 0; i < 3; i++) {
		expect_read(v, ((uint64_t)idx[i] << 22) + 4096, d[i], 8192);
		expect_zeros(v, (uint64_t)idx[i] << 22, 4096);
		free(d[i]);
	}
	sfs_vol_put(v);
	env_stop(&e);
}

/* A request in pieces (128 KiB) over three objects: one create per object, the other pieces wait
 * for it and write; reads in pieces too, holes included. */
void t_pieces_one_create(void)
{
	struct env e;
	env_start(&e, 2, 128 << 10);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "pc", 32 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "pc", 0);
	uint8_t *d = pattern(6 * MiB, 21);
	CHECK_EQ(vwrite(v, 3 * MiB, d, 6 * MiB), 0);
	CHECK_EQ(atomic_load(&e.st.segments), 48);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 3);
	CHECK_EQ(atomic_load(&e.st.creates), 3);
	CHECK(atomic_load(&e.st.alloc_waits) > 0);
	uint8_t *got = malloc(4 * MiB);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(vid, 1), 0, got, 4 * MiB));
	CHECK(memcmp(got, d + MiB, 4 * MiB) == 0);
	uint8_t *want = calloc(1, 8 * MiB);
	memcpy(want + MiB, d, 6 * MiB);
	expect_read(v, 2 * MiB, want, 8 * MiB);
	free(want);
	free(got);
	free(d);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- other clients */

/* Before a create the engine asks sheep's index: an object another client allocated since the
 * attach is adopted (written in place, its other bytes kept); a VDI deleted elsewhere refuses
 * the write instead of gaining an orphan object. */
void t_adopt_and_deleted(void)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "ad", 32 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "ad", 0);
	uint8_t *theirs = pattern(4096, 30), *ours = pattern(4096, 31), le[4];
	fake_sheep_put(e.fs, sd_data_oid(vid, 3), 0, theirs, 4096);
	sd_put32(le, vid);
	fake_sheep_put(e.fs, sd_inode_oid(vid), SD_INODE_DATA_VDI_ID_OFF + 4 * 3, le, 4);
	CHECK(!sfs_vol_allocated(v, 3 * 4 * MiB)); /* our copy of the index does not know */
	CHECK_EQ(vwrite(v, 3 * 4 * MiB + 4096, ours, 4096), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 0);
	CHECK_EQ(atomic_load(&e.st.adopted), 1);
	CHECK(sfs_vol_allocated(v, 3 * 4 * MiB));
	expect_read(v, 3 * 4 * MiB, theirs, 4096);
	expect_read(v, 3 * 4 * MiB + 4096, ours, 4096);

	fake_sheep_delete_vdi(e.fs, vid);
	CHECK_EQ(vwrite(v, 5 * 4 * MiB, ours, 4096), EIO);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 0);
	CHECK(!fake_sheep_exists(e.fs, sd_data_oid(vid, 5)));
	CHECK(!sfs_vol_allocated(v, 5 * 4 * MiB));
	free(theirs);
	free(ours);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- request errors */

/* Sheep's errors reach the caller as errnos; a failed create lets the next write allocate again;
 * a dropped connection is ridden out by the pool (the request goes again on a new one). */
void t_request_errors(void)
{
	struct env e;
	env_start(&e, 1, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "re", 32 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "re", 0);
	uint8_t *d = pattern(4096, 40);
	CHECK_EQ(vwrite(v, 0, d, 4096), 0);

	struct fs_match data_reads = m_op(SD_OP_READ_OBJ, FS_DATA);
	int r = fake_sheep_rule(e.fs, &data_reads, FS_FAIL, SD_RES_EIO, 0, 1, -1);
	uint8_t buf[4096];
	CHECK_EQ(vread(v, 0, buf, 4096), EIO);
	CHECK_EQ(fake_sheep_fired(e.fs, r), 1);
	CHECK(atomic_load(&e.st.errors) >= 1);
	expect_read(v, 0, d, 4096);

	struct fs_match creates = m_op(SD_OP_CREATE_AND_WRITE_OBJ, FS_DATA);
	r = fake_sheep_rule(e.fs, &creates, FS_FAIL, SD_RES_NO_SPACE, 0, 1, -1);
	CHECK_EQ(vwrite(v, 4 * MiB, d, 4096), ENOSPC);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), 0);
	CHECK(!sfs_vol_allocated(v, 4 * MiB));
	CHECK_EQ(vwrite(v, 4 * MiB, d, 4096), 0); /* allocated now */
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 3);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), vid);

	struct fs_match data_writes = m_op(SD_OP_WRITE_OBJ, FS_DATA);
	r = fake_sheep_rule(e.fs, &data_writes, FS_DROP, 0, 0, 1, -1);
	uint8_t *d2 = pattern(4096, 41);
	CHECK_EQ(vwrite(v, 4096, d2, 4096), 0);
	CHECK_EQ(fake_sheep_fired(e.fs, r), 1);
	CHECK(fake_sheep_connections(e.fs) >= 2);
	expect_read(v, 4096, d2, 4096);
	free(d);
	free(d2);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- discard */

void t_discard(void)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "dc", 64 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "dc", 0);
	uint8_t *d = pattern(12 * MiB, 50);
	CHECK_EQ(vwrite(v, 0, d, 12 * MiB), 0);
	/* the last 4 KiB of object 0, all of object 1, the first 4 KiB of object 2 */
	CHECK_EQ(sfs_vol_discard(v, 4 * MiB - 4096, 4 * MiB + 8192), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_DISCARD_OBJ), 1);
	CHECK_EQ(atomic_load(&e.st.discards), 1);
	CHECK(!fake_sheep_exists(e.fs, sd_data_oid(vid, 1)));
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), 0);
	CHECK(!sfs_vol_allocated(v, 4 * MiB));
	memset(d + 4 * MiB - 4096, 0, 4 * MiB + 8192);
	expect_read(v, 0, d, 12 * MiB);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK_EQ(info.allocated, 2);
	CHECK_EQ(sfs_vol_seek(v, 0, false), 4 * MiB);
	/* a hole discarded again, and a range past the end: nothing to do */
	CHECK_EQ(sfs_vol_discard(v, 4 * MiB, 4 * MiB), 0);
	CHECK_EQ(sfs_vol_discard(v, 64 * MiB, 4 * MiB), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_DISCARD_OBJ), 1);
	/* the object can be written again */
	CHECK_EQ(vwrite(v, 4 * MiB, d, 4096), 0);
	expect_read(v, 4 * MiB, d, 4096);
	sfs_vol_put(v);

	/* a snapshot attached is read-only; hyper volumes cannot discard (sheep 1.0) */
	uint32_t working = fake_sheep_snapshot(e.fs, "dc");
	CHECK(working != 0);
	v = vol_open(&e, "dc", vid);
	CHECK_EQ(sfs_vol_discard(v, 0, 4 * MiB), EROFS);
	CHECK_EQ(vwrite(v, 0, d, 4096), EROFS);
	sfs_vol_put(v);
	fake_sheep_create_vdi(e.fs, "hdc", 8 * TiB, 22, true);
	v = vol_open(&e, "hdc", 0);
	CHECK_EQ(sfs_vol_discard(v, 0, 4 * MiB), EOPNOTSUPP);
	sfs_vol_put(v);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_DISCARD_OBJ), 1);
	free(d);
	env_stop(&e);
}

/* DISCARD_OBJ is never refused as read-only: after a snapshot elsewhere the engine must find out
 * (and reload) before it discards, or it would destroy the snapshot's object. */
void t_discard_after_snapshot(void)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "ds", 32 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "ds", 0);
	uint8_t *d = pattern(4 * MiB, 51);
	CHECK_EQ(vwrite(v, 0, d, 4 * MiB), 0);
	uint32_t working = fake_sheep_snapshot(e.fs, "ds");
	CHECK_EQ(sfs_vol_discard(v, 0, 4 * MiB), 0);
	CHECK_EQ(atomic_load(&e.st.reloads), 1);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK_EQ(info.vid, working);
	CHECK(fake_sheep_exists(e.fs, sd_data_oid(vid, 0))); /* the snapshot's data is kept */
	CHECK_EQ(fake_sheep_index(e.fs, vid, 0), vid);
	CHECK_EQ(fake_sheep_index(e.fs, working, 0), 0);
	expect_zeros(v, 0, 4 * MiB);
	free(d);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- seek */

void t_seek_flat(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_create_vdi(e.fs, "sk", 64 * MiB, 22, false);
	struct sfs_vol *v = vol_open(&e, "sk", 0);
	const int64_t size = 64 * MiB;
	CHECK_EQ(sfs_vol_seek(v, 0, true), -ENXIO);
	CHECK_EQ(sfs_vol_seek(v, 0, false), 0);
	CHECK_EQ(sfs_vol_seek(v, 5, false), 5);
	CHECK_EQ(sfs_vol_seek(v, size, false), -ENXIO);
	CHECK_EQ(sfs_vol_seek(v, size + 1, true), -ENXIO);
	uint8_t *d = pattern(4096, 60);
	CHECK_EQ(vwrite(v, 8 * MiB + 100, d, 4096), 0); /* object 2 */
	CHECK_EQ(vwrite(v, size - 4096, d, 4096), 0);    /* object 15, the last */
	CHECK_EQ(sfs_vol_seek(v, 0, true), 8 * MiB);
	CHECK_EQ(sfs_vol_seek(v, 8 * MiB + 5, true), 8 * MiB + 5);
	CHECK_EQ(sfs_vol_seek(v, 8 * MiB + 5, false), 12 * MiB);
	CHECK_EQ(sfs_vol_seek(v, 12 * MiB, true), 60 * MiB);
	CHECK_EQ(sfs_vol_seek(v, 60 * MiB, false), size);
	CHECK_EQ(sfs_vol_seek(v, size - 1, true), size - 1);
	CHECK_EQ(sfs_vol_seek(v, size, true), -ENXIO);
	sfs_vol_put(v);
	/* a size that is not a multiple of the object size: the last object is short */
	fake_sheep_create_vdi(e.fs, "sk2", 10 * MiB + 512 * 1024, 22, false);
	v = vol_open(&e, "sk2", 0);
	CHECK_EQ(sfs_vol_seek(v, 8 * MiB, false), 8 * MiB);
	CHECK_EQ(vwrite(v, 10 * MiB, d, 4096), 0);
	CHECK_EQ(sfs_vol_seek(v, 0, true), 8 * MiB);
	CHECK_EQ(sfs_vol_seek(v, 8 * MiB, false), 10 * MiB + 512 * 1024);
	CHECK_EQ(sfs_vol_seek(v, 10 * MiB + 512 * 1024, true), -ENXIO);
	free(d);
	sfs_vol_put(v);
	env_stop(&e);
}

void t_seek_hyper(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_create_vdi(e.fs, "hsk", 8 * TiB, 22, true);
	struct sfs_vol *v = vol_open(&e, "hsk", 0);
	const int64_t size = (int64_t)(8 * TiB), osz = 4 * MiB;
	const int64_t last = size - osz;
	CHECK_EQ(sfs_vol_seek(v, 0, true), -ENXIO);
	CHECK_EQ(sfs_vol_seek(v, 3 * TiB, false), 3 * TiB);
	uint8_t *d = pattern(4096, 61);
	CHECK_EQ(vwrite(v, 3 * osz, d, 4096), 0);
	CHECK_EQ(vwrite(v, 4 * osz, d, 4096), 0);
	CHECK_EQ(vwrite(v, last + 8192, d, 4096), 0);
	CHECK_EQ(sfs_vol_seek(v, 0, true), 3 * osz);
	CHECK_EQ(sfs_vol_seek(v, 0, false), 0);
	CHECK_EQ(sfs_vol_seek(v, 3 * osz + 7, false), 5 * osz);
	CHECK_EQ(sfs_vol_seek(v, 4 * osz + 7, true), 4 * osz + 7);
	CHECK_EQ(sfs_vol_seek(v, 5 * osz, true), last);
	CHECK_EQ(sfs_vol_seek(v, last + 1, false), size);
	CHECK_EQ(sfs_vol_seek(v, size, true), -ENXIO);
	CHECK_EQ(sfs_vol_seek(v, size, false), -ENXIO);
	free(d);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- lock */

void t_lock(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_set_locking(e.fs, true);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "lk", 32 * MiB, 22, false);
	struct sfs_vol *a = vol_open(&e, "lk", 0), *b = vol_open(&e, "lk", 0);
	CHECK_EQ(sfs_vol_lock(a), 0);
	CHECK_EQ(sfs_vol_lock(b), EBUSY); /* another client holds it */
	sfs_vol_unlock(b);                 /* never taken: nothing sent */
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_RELEASE_VDI), 0);
	sfs_vol_unlock(a);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_RELEASE_VDI), 1);
	sfs_vol_unlock(a); /* idempotent */
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_RELEASE_VDI), 1);
	CHECK_EQ(sfs_vol_lock(b), 0);
	sfs_vol_unlock(b);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_LOCK_VDI), 3);
	/* any other refusal is an error too */
	struct fs_match locks = m_op(SD_OP_LOCK_VDI, FS_ANY);
	fake_sheep_rule(e.fs, &locks, FS_FAIL, SD_RES_SYSTEM_ERROR, 0, 1, -1);
	CHECK_EQ(sfs_vol_lock(a), EIO);
	sfs_vol_unlock(a);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_RELEASE_VDI), 2);
	sfs_vol_put(a);
	sfs_vol_put(b);
	/* snapshots are not locked */
	fake_sheep_snapshot(e.fs, "lk");
	struct sfs_vol *s = vol_open(&e, "lk", vid);
	unsigned n = fake_sheep_count(e.fs, SD_OP_LOCK_VDI);
	CHECK_EQ(sfs_vol_lock(s), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_LOCK_VDI), n);
	sfs_vol_put(s);
	env_stop(&e);
}

/* ---------------------------------------------------------------- attach */

void t_open_errors(void)
{
	struct env e;
	env_start(&e, 1, 0);
	struct sfs_vol *v = NULL;
	CHECK_EQ(sfs_vol_open(e.pool, &e.st, &e.cfg, "nope", 0, &v), ENOENT);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "gone", 32 * MiB, 22, false);
	fake_sheep_delete_vdi(e.fs, vid);
	CHECK_EQ(sfs_vol_open(e.pool, &e.st, &e.cfg, "gone", 0, &v), ENOENT);
	CHECK_EQ(sfs_vol_open(e.pool, &e.st, &e.cfg, "gone", vid, &v), ENOENT); /* by vid: the inode has no name */
	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_EQ(sfs_vol_open(e.pool, &e.st, &e.cfg, longname, 0, &v), ENAMETOOLONG);
	CHECK(v == NULL);
	/* by vid: a snapshot attached read-only */
	uint32_t snap = fake_sheep_create_vdi(e.fs, "s", 32 * MiB, 22, false);
	fake_sheep_snapshot(e.fs, "s");
	v = vol_open(&e, "s", snap);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK(info.snapshot && info.vid == snap);
	sfs_vol_put(v);
	env_stop(&e);
}

/* ---------------------------------------------------------------- main */

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "holes_flat", t_holes_flat },
	{ "holes_hyper", t_holes_hyper },
	{ "write_readback_flat", t_write_readback_flat },
	{ "write_readback_hyper", t_write_readback_hyper },
	{ "pieces_one_create", t_pieces_one_create },
	{ "index_write_held_flat", t_index_write_held_flat },
	{ "index_write_held_hyper", t_index_write_held_hyper },
	{ "failed_index_write_flat", t_failed_index_write_flat },
	{ "failed_index_write_hyper", t_failed_index_write_hyper },
	{ "beside_failed_index_flat", t_beside_failed_index_flat },
	{ "beside_failed_index_hyper", t_beside_failed_index_hyper },
	{ "beside_failed_index_anew_flat", t_beside_failed_index_anew_flat },
	{ "beside_failed_index_anew_hyper", t_beside_failed_index_anew_hyper },
	{ "failed_reload_hyper", t_failed_reload_hyper },
	{ "readonly_cow_flat", t_readonly_cow_flat },
	{ "readonly_cow_hyper", t_readonly_cow_hyper },
	{ "concurrent_first_writes_flat", t_concurrent_first_writes_flat },
	{ "concurrent_first_writes_hyper", t_concurrent_first_writes_hyper },
	{ "adopt_and_deleted", t_adopt_and_deleted },
	{ "request_errors", t_request_errors },
	{ "discard", t_discard },
	{ "discard_after_snapshot", t_discard_after_snapshot },
	{ "seek_flat", t_seek_flat },
	{ "seek_hyper", t_seek_hyper },
	{ "lock", t_lock },
	{ "open_errors", t_open_errors },
};

int main(int argc, char **argv)
{
	int ran = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		cases[i].run();
		printf("%s: ok\n", cases[i].name);
		ran++;
	}
	if (ran == 0) {
		fprintf(stderr, "no case named %s\n", argc > 1 ? argv[1] : "");
		return 1;
	}
	return 0;
}
