/* The volume engine's allocation paths under failure, against the fake sheep: index writes held
 * back or refused, a write beside a failed index write, a reload that fails too, READONLY after
 * a snapshot elsewhere, concurrent first writes into one object. These mirror the proxy tests of
 * VolumeIndexFailureTest (Java, on a FUSE mount), without FUSE. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_inode.h"
#include "sd_proto.h"
#include "vol_harness.h"

static uint64_t vsize(bool hyper)
{
	return hyper ? 8 * TiB : 64 * MiB;
}

/* ---------------------------------------------------------------- index writes held back */

/* A first write in pieces: once the create has made the object, the other pieces go out beside
 * the index write, and no write into the object is done before that index write is (were
 * sheepfs stopped in between, the data would sit in an object the inode does not name). */
static void index_write_held(bool hyper)
{
	struct env e;
	env_start(&e, 2, 256 << 10);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "ix", vsize(hyper), 22, hyper);
	struct sfs_vol *v = vol_open(&e, "ix", 0);
	struct fs_match inode_writes = m_op(SD_OP_WRITE_OBJ, FS_INODE);
	int hold = fake_sheep_rule(e.fs, &inode_writes, FS_HOLD, 0, 0, -1, -1);
	uint8_t *first = pattern(MiB, 41), *later = pattern(4096, 42);
	/* object 1 in 4 pieces: one probes (flat: the entry and the name; hyper: the name), creates
	 * and writes the index (hyper: the first B-tree write); three wait for the object and write */
	unsigned sent = hyper ? 6 : 7, base = fake_sheep_requests(e.fs);
	struct op a, b;
	op_write(v, &a, 4 * MiB, first, MiB);
	CHECK(fake_sheep_wait_held(e.fs, 1, 10000));
	CHECK(fake_sheep_wait_requests(e.fs, base + sent, 10000));
	sleep_ms(50);
	CHECK_EQ(fake_sheep_requests(e.fs), base + sent);
	CHECK_EQ(fake_sheep_held(e.fs), 1);
	/* a later write into the object: sent at once, done only with the index write */
	op_write(v, &b, 6 * MiB, later, 4096);
	CHECK(fake_sheep_wait_requests(e.fs, base + sent + 1, 10000));
	CHECK(!op_wait(&a, 150));
	CHECK(!op_wait(&b, 1));
	fake_sheep_rule_off(e.fs, hold);
	CHECK_EQ(fake_sheep_release(e.fs), 1);
	CHECK_EQ(op_end(&a), 0);
	CHECK_EQ(op_end(&b), 0);
	CHECK_EQ(atomic_load(&e.st.creates), 1);
	CHECK_EQ(atomic_load(&e.st.errors), 0);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), vid);
	sfs_vol_put(v);
	v = vol_open(&e, "ix", 0); /* the index as sheep has it */
	expect_read(v, 4 * MiB, first, MiB);
	expect_read(v, 6 * MiB, later, 4096);
	sfs_vol_put(v);
	free(first);
	free(later);
	env_stop(&e);
}

void t_index_write_held_flat(void)
{
	index_write_held(false);
}

void t_index_write_held_hyper(void)
{
	index_write_held(true);
}

/* ---------------------------------------------------------------- a failed index write */

/* The write that made the object fails (EIO), and the next write there allocates it again and
 * names it, instead of being acknowledged into an object the next attach would not find. Flat
 * volumes put their entry back; hyper volumes (a B-tree maybe half written) reload the inode. */
static void failed_index_write(bool hyper)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "fx", vsize(hyper), 22, hyper);
	struct sfs_vol *v = vol_open(&e, "fx", 0);
	struct fs_match inode_writes = m_op(SD_OP_WRITE_OBJ, FS_INODE);
	int refuse = fake_sheep_rule(e.fs, &inode_writes, FS_FAIL, SD_RES_EIO, 0, 1, -1);
	uint8_t *lost = pattern(4096, 51), *kept = pattern(4096, 52);
	CHECK_EQ(vwrite(v, 4 * MiB, lost, 4096), EIO);
	CHECK_EQ(fake_sheep_fired(e.fs, refuse), 1);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), 0); /* sheep's inode does not name the object */
	if (!hyper)
		CHECK(!sfs_vol_allocated(v, 4 * MiB)); /* nor does ours */
	CHECK_EQ(vwrite(v, 4 * MiB + 8192, kept, 4096), 0);
	CHECK_EQ(atomic_load(&e.st.creates), 2); /* allocated again */
	CHECK_EQ(atomic_load(&e.st.reloads), hyper ? 1 : 0);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), vid);
	sfs_vol_put(v);
	v = vol_open(&e, "fx", 0);
	expect_read(v, 4 * MiB + 8192, kept, 4096);
	expect_zeros(v, 4 * MiB, 4096); /* the failed write's bytes are gone */
	sfs_vol_put(v);
	free(lost);
	free(kept);
	env_stop(&e);
}

void t_failed_index_write_flat(void)
{
	failed_index_write(false);
}

void t_failed_index_write_hyper(void)
{
	failed_index_write(true);
}

/* A write that went out beside an index write which then fails, and that sheep acknowledges only
 * afterwards, fails too (EIO): its bytes sit in an object no inode names, which the next write
 * there creates anew without them. With anew, a third write creates the object anew before that
 * answer comes: the held write reached sheep before that create, which replaced the object, so it
 * still fails; a write sent after the create does not. One connection: the waiting write goes
 * out before the index write's answer is read. */
static void beside_failed_index(bool hyper, bool anew)
{
	struct env e;
	env_start(&e, 1, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "ub", vsize(hyper), 22, hyper);
	struct sfs_vol *v = vol_open(&e, "ub", 0);
	uint64_t obj = sd_data_oid(vid, 1);
	struct fs_match create = m_oid(SD_OP_CREATE_AND_WRITE_OBJ, obj), write = m_oid(SD_OP_WRITE_OBJ, obj);
	struct fs_match inode_writes = m_op(SD_OP_WRITE_OBJ, FS_INODE);
	fake_sheep_rule(e.fs, &create, FS_HOLD, 0, 0, 1, -1);
	uint8_t *first = pattern(4096, 53), *beside = pattern(4096, 54), *after = pattern(4096, 55);
	uint8_t *later = pattern(4096, 58);
	struct op a, b;
	op_write(v, &a, 4 * MiB, first, 4096);
	CHECK(fake_sheep_wait_held(e.fs, 1, 10000));
	unsigned sent = fake_sheep_requests(e.fs);
	op_write(v, &b, 6 * MiB, beside, 4096);
	CHECK(!op_wait(&b, 100));
	CHECK_EQ(fake_sheep_requests(e.fs), sent); /* b waits for the object */
	CHECK_EQ(atomic_load(&e.st.alloc_waits), 1);
	int refuse = fake_sheep_rule(e.fs, &inode_writes, FS_FAIL, SD_RES_EIO, 0, 1, -1);
	int hold = fake_sheep_rule(e.fs, &write, FS_HOLD, 0, 0, 1, -1);
	CHECK_EQ(fake_sheep_release(e.fs), 1);
	CHECK_EQ(op_end(&a), EIO);
	CHECK_EQ(fake_sheep_fired(e.fs, refuse), 1);
	CHECK(fake_sheep_wait_fired(e.fs, hold, 1, 10000));
	CHECK(fake_sheep_wait_held(e.fs, 1, 10000));
	CHECK(!op_wait(&b, 50)); /* its answer is held */
	if (anew) {
		CHECK_EQ(vwrite(v, 5 * MiB, after, 4096), 0); /* over the held write's bytes */
		CHECK_EQ(atomic_load(&e.st.creates), 2);
		CHECK(!op_wait(&b, 1));
	}
	CHECK_EQ(fake_sheep_release(e.fs), 1);
	CHECK_EQ(op_end(&b), EIO);
	if (!anew) {
		CHECK_EQ(vwrite(v, 5 * MiB, after, 4096), 0);
		CHECK_EQ(atomic_load(&e.st.creates), 2);
	}
	CHECK_EQ(fake_sheep_index(e.fs, vid, 1), vid);
	CHECK_EQ(vwrite(v, 7 * MiB, later, 4096), 0); /* sent after the new create: the object's */
	sfs_vol_put(v);
	v = vol_open(&e, "ub", 0);
	expect_read(v, 5 * MiB, after, 4096);
	expect_read(v, 7 * MiB, later, 4096);
	expect_zeros(v, 6 * MiB, 4096); /* the failed write's bytes are gone */
	expect_zeros(v, 4 * MiB, 4096);
	sfs_vol_put(v);
	free(first);
	free(beside);
	free(after);
	free(later);
	env_stop(&e);
}

void t_beside_failed_index_flat(void)
{
	beside_failed_index(false, false);
}

void t_beside_failed_index_hyper(void)
{
	beside_failed_index(true, false);
}

void t_beside_failed_index_anew_flat(void)
{
	beside_failed_index(false, true);
}

void t_beside_failed_index_anew_hyper(void)
{
	beside_failed_index(true, true);
}

/* Hyper: when the reload after a failed B-tree write fails too (sheep refuses the inode's reads
 * as well), the tree in memory may name an object sheep's inode does not. The next write
 * reloads first, then allocates the object anew. */
void t_failed_reload_hyper(void)
{
	struct env e;
	env_start(&e, 2, 0);
	fake_sheep_create_vdi(e.fs, "fr", 8 * TiB, 22, true);
	struct sfs_vol *v = vol_open(&e, "fr", 0);
	struct fs_match inode_writes = m_op(SD_OP_WRITE_OBJ, FS_INODE), inode_reads = m_op(SD_OP_READ_OBJ, FS_INODE);
	int w = fake_sheep_rule(e.fs, &inode_writes, FS_FAIL, SD_RES_EIO, 0, 1, -1);
	int r = fake_sheep_rule(e.fs, &inode_reads, FS_FAIL, SD_RES_EIO, 0, -1, w); /* the reload's */
	uint8_t *lost = pattern(4096, 56), *kept = pattern(4096, 57);
	CHECK_EQ(vwrite(v, 4 * MiB, lost, 4096), EIO);
	await_count(&e.st.reloads_failed, 1);
	CHECK_EQ(atomic_load(&e.st.reloads), 1);
	CHECK_EQ(atomic_load(&e.st.reloads_failed), 1);
	CHECK(fake_sheep_fired(e.fs, r) >= 1);
	fake_sheep_rule_off(e.fs, r);
	CHECK_EQ(vwrite(v, 4 * MiB + 8192, kept, 4096), 0);
	CHECK_EQ(atomic_load(&e.st.reloads), 2); /* the write reloaded first */
	CHECK_EQ(atomic_load(&e.st.creates), 2); /* then allocated the object anew */
	sfs_vol_put(v);
	v = vol_open(&e, "fr", 0);
	expect_read(v, 4 * MiB + 8192, kept, 4096);
	expect_zeros(v, 4 * MiB, 4096);
	sfs_vol_put(v);
	free(lost);
	free(kept);
	env_stop(&e);
}

/* ---------------------------------------------------------------- READONLY */

/* A snapshot taken elsewhere: the next write meets READONLY, reloads the inode by name and goes
 * again as copy-on-write into the new working VDI; the snapshot's object is left as it was. */
static void readonly_cow(bool hyper)
{
	struct env e;
	env_start(&e, 2, 0);
	uint32_t old = fake_sheep_create_vdi(e.fs, "ro", vsize(hyper), 22, hyper);
	struct sfs_vol *v = vol_open(&e, "ro", 0);
	uint8_t *a = pattern(4096, 70), *b = pattern(4096, 71), got[8192];
	CHECK_EQ(vwrite(v, 4 * MiB, a, 4096), 0);
	uint32_t now = fake_sheep_snapshot(e.fs, "ro");
	CHECK(now != 0 && now != old);
	CHECK_EQ(vwrite(v, 4 * MiB + 4096, b, 4096), 0);
	CHECK(atomic_load(&e.st.readonly_retries) >= 1);
	CHECK_EQ(atomic_load(&e.st.reloads), 1);
	CHECK_EQ(atomic_load(&e.st.cow_creates), 1);
	struct sfs_vol_info info;
	sfs_vol_info(v, &info);
	CHECK_EQ(info.vid, now);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(now, 1), 0, got, 8192));
	CHECK(memcmp(got, a, 4096) == 0 && memcmp(got + 4096, b, 4096) == 0);
	CHECK(fake_sheep_read(e.fs, sd_data_oid(old, 1), 0, got, 8192));
	CHECK(memcmp(got, a, 4096) == 0 && all_zero(got + 4096, 4096));
	CHECK_EQ(fake_sheep_index(e.fs, now, 1), now);
	CHECK_EQ(fake_sheep_index(e.fs, old, 1), old);
	expect_read(v, 4 * MiB, a, 4096);
	expect_read(v, 4 * MiB + 4096, b, 4096);
	/* a hole: a plain create in the new VDI */
	CHECK_EQ(vwrite(v, 8 * MiB, b, 4096), 0);
	CHECK_EQ(atomic_load(&e.st.cow_creates), 1);
	CHECK_EQ(fake_sheep_index(e.fs, now, 2), now);
	CHECK_EQ(fake_sheep_index(e.fs, old, 2), 0);
	CHECK_EQ(atomic_load(&e.st.errors), 0);
	sfs_vol_put(v);
	v = vol_open(&e, "ro", 0);
	expect_read(v, 4 * MiB, a, 4096);
	expect_read(v, 4 * MiB + 4096, b, 4096);
	expect_read(v, 8 * MiB, b, 4096);
	sfs_vol_put(v);
	free(a);
	free(b);
	env_stop(&e);
}

void t_readonly_cow_flat(void)
{
	readonly_cow(false);
}

void t_readonly_cow_hyper(void)
{
	readonly_cow(true);
}

/* ---------------------------------------------------------------- one create per object */

/* Writers of one unallocated object: one creates it, the others wait and write once it exists
 * (a second create would replace the first's data). */
static void concurrent_first_writes(bool hyper)
{
	enum { N = 8 };
	struct env e;
	env_start(&e, 2, 0);
	uint32_t vid = fake_sheep_create_vdi(e.fs, "cf", vsize(hyper), 22, hyper);
	struct sfs_vol *v = vol_open(&e, "cf", 0);
	struct fs_match create = m_oid(SD_OP_CREATE_AND_WRITE_OBJ, sd_data_oid(vid, 2));
	fake_sheep_rule(e.fs, &create, FS_HOLD, 0, 0, 1, -1);
	uint8_t *d[N];
	struct op o[N];
	for (int i = 0; i < N; i++) {
		d[i] = pattern(4096, 80 + (unsigned)i);
		op_write(v, &o[i], 8 * MiB + (uint64_t)i * 65536, d[i], 4096);
	}
	CHECK(fake_sheep_wait_held(e.fs, 1, 10000));
	sleep_ms(50);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 1);
	CHECK_EQ(atomic_load(&e.st.alloc_waits), N - 1);
	CHECK_EQ(fake_sheep_release(e.fs), 1);
	for (int i = 0; i < N; i++)
		CHECK_EQ(op_end(&o[i]), 0);
	CHECK_EQ(fake_sheep_count(e.fs, SD_OP_CREATE_AND_WRITE_OBJ), 1);
	CHECK_EQ(atomic_load(&e.st.creates), 1);
	CHECK_EQ(atomic_load(&e.st.probes), 1);
	CHECK_EQ(fake_sheep_index(e.fs, vid, 2), vid);
	for (int i = 0; i < N; i++) {
		expect_read(v, 8 * MiB + (uint64_t)i * 65536, d[i], 4096);
		free(d[i]);
	}
	sfs_vol_put(v);
	env_stop(&e);
}

void t_concurrent_first_writes_flat(void)
{
	concurrent_first_writes(false);
}

void t_concurrent_first_writes_hyper(void)
{
	concurrent_first_writes(true);
}
