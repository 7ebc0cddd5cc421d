/* libfuse3 low-level operations. Volumes are served here in C (no upcall per read/write); every
 * other inode is Java's, reached through the upcalls (upcalls.h). One small function per op, all
 * state in the sfs_ctx behind fuse_req_userdata (libfuse example/passthrough_ll.c style). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fuse.h> /* struct fuse_open_out, FOPEN_PARALLEL_DIRECT_WRITES (libfuse 3.14 has no field) */

#include "bufpool.h"
#include "ctx.h"
#include "fuse_intr.h"
#include "fuse_loop.h"
#include "fuse_ops.h"
#include "fuse_uring.h"
#include "readahead.h"
#include "upcalls.h"
#include "vol_fh.h"
#include "vol_table.h"
#include "volume.h"

#ifndef FOPEN_PARALLEL_DIRECT_WRITES
#define FOPEN_PARALLEL_DIRECT_WRITES (1 << 6)
#endif

#define VOL_TIMEOUT 1.0 /* attrs of a volume inode: its size is stable while attached */

struct vhandle {
	struct sfs_vol *vol; /* a reference of its own, counted as a handle (sfs_vt_open) */
	struct sfs_ra *ra;   /* direct I/O opens: the kernel reads nothing ahead for them */
};

static struct sfs_ctx *ctx_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Volumes: size from the inode, blocks from the allocated objects (so cp --sparse sees holes). */
static void volume_attr(struct sfs_ctx *ctx, struct stat *st)
{
	struct sfs_vol *v = sfs_vt_get(&ctx->vt, st->st_ino);
	if (v == NULL)
		return;
	struct sfs_vol_info vi;
	sfs_vol_info(v, &vi);
	st->st_size = (off_t)vi.size;
	uint64_t bytes = vi.allocated * vi.object_size;
	if (bytes > vi.size)
		bytes = vi.size;
	st->st_blocks = (blkcnt_t)((bytes + 511) / 512);
	st->st_blksize = 1 << 20;
	sfs_vol_put(v);
}

/* What sheepfs adds to the attributes Java gives: the owner, and a volume's size and blocks. */
static void own_attr(struct sfs_ctx *ctx, struct stat *st, int kind)
{
	st->st_uid = (uid_t)ctx->cfg.uid;
	st->st_gid = (gid_t)ctx->cfg.gid;
	st->st_blksize = 4096;
	if (kind == SFS_KIND_VOLUME)
		volume_attr(ctx, st);
}

/* ------------------------------------------------------------------ ops */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct sfs_ctx *ctx = userdata;
	/* only ask what the kernel offers: on 3.14 an unsupported want fails the mount */
	/* ATOMIC_O_TRUNC: O_TRUNC arrives with the open, so a volume can ignore it as a block
	 * device does (plain `dd of=volume` works) instead of seeing a truncate to 0 */
	unsigned want = FUSE_CAP_ASYNC_READ | FUSE_CAP_ASYNC_DIO | FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_ATOMIC_O_TRUNC;
	if (ctx->cfg.writeback_cache)
		want |= FUSE_CAP_WRITEBACK_CACHE;
	conn->want |= conn->capable & want;
	/* no splice: for direct I/O the kernel copies the pages into the pipe anyway, and each
	 * request would take more system calls (measured: no CPU saved; see docs/BENCHMARKS.md) */
	conn->want &= ~(conn->capable & (FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE));
	unsigned mw = ctx->cfg.max_write > 0 ? (unsigned)ctx->cfg.max_write : 1u << 20;
	conn->max_write = mw; /* libfuse caps it to its buffer (1 MiB + header) */
	conn->max_readahead = mw;
	if (ctx->cfg.max_background > 0) {
		conn->max_background = (unsigned)ctx->cfg.max_background;
		conn->congestion_threshold = (unsigned)ctx->cfg.max_background * 3 / 4;
	}
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct sfs_ctx *ctx = ctx_of(req);
	struct fuse_entry_param e;
	int kind = 0;
	memset(&e, 0, sizeof(e));
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int err = sfs_up_lookup(ctx, parent, name, &e.attr, &kind);
	if (!sfs_icall_claim(&ic))
		return;
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	own_attr(ctx, &e.attr, kind);
	e.ino = e.attr.st_ino;
	e.generation = 1;
	/* Entries are never cached, volumes' included: a detach + attach gives volume/NAME a new
	 * inode, and a cached entry would lead the kernel to the old one (ENOENT, or the old size).
	 * Only path lookups pay; I/O goes through the open handle. */
	e.entry_timeout = 0.0;
	e.attr_timeout = kind == SFS_KIND_VOLUME ? VOL_TIMEOUT : 0.0;
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	struct stat st;
	int kind = 0;
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int err = sfs_up_getattr(ctx, ino, &st, &kind);
	if (!sfs_icall_claim(&ic))
		return;
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	own_attr(ctx, &st, kind);
	fuse_reply_attr(req, &st, kind == SFS_KIND_VOLUME ? VOL_TIMEOUT : 0.0);
}

/* The listing is taken once at opendir: readdir then serves stable offsets from it. */
static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs_dir *d = NULL;
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int err = sfs_up_readdir(ctx_of(req), ino, &d);
	if (!sfs_icall_claim(&ic)) {
		if (err == 0)
			sfs_dir_free(d);
		return;
	}
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT)
		sfs_dir_free(d);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct sfs_dir *d = (struct sfs_dir *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* offsets: 1 = ".", 2 = "..", 3.. = entries */
	for (off_t i = off; i < (off_t)d->n + 2; i++) {
		struct stat st;
		const char *name;
		memset(&st, 0, sizeof(st));
		if (i == 0) {
			name = ".";
			st.st_ino = ino;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = "..";
			st.st_ino = FUSE_ROOT_ID;
			st.st_mode = S_IFDIR;
		} else {
			name = d->names[i - 2];
			st.st_ino = d->inos[i - 2];
			st.st_mode = d->modes[i - 2];
		}
		size_t need = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	sfs_dir_free((struct sfs_dir *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* libfuse 3.14's fuse_file_info has no parallel_direct_writes bit: send the kernel's struct. */
static int reply_open_flags(fuse_req_t req, uint64_t fh, uint32_t open_flags)
{
	struct fuse_open_out arg;
	memset(&arg, 0, sizeof(arg));
	arg.fh = fh;
	arg.open_flags = open_flags;
	struct iovec iov = { .iov_base = &arg, .iov_len = sizeof(arg) };
	return fuse_reply_iov(req, &iov, 1);
}

static void close_handle(struct vhandle *h)
{
	if (h->ra)
		sfs_ra_close(h->ra);
	sfs_vol_handles(h->vol, -1);
	sfs_vol_put(h->vol);
	free(h);
}

static void open_volume(fuse_req_t req, struct sfs_ctx *ctx, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int policy = sfs_up_volume_open_policy(ctx, ino);
	struct vhandle *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->vol = sfs_vt_open(&ctx->vt, ino);
	if (h->vol == NULL) {
		free(h);
		fuse_reply_err(req, ENOENT);
		return;
	}
	uint64_t fh = (uint64_t)(uintptr_t)h | SFS_VOL_FH_BIT;
	int r;
	if (policy == 1) {
		fi->fh = fh;
		fi->keep_cache = 1;
		r = fuse_reply_open(req, fi);
	} else {
		/* NULL (off, or no memory): reads go without */
		h->ra = ctx->cfg.readahead ? sfs_ra_create(h->vol, &ctx->ra_budget) : NULL;
		/* direct I/O; and overlapping writers are not serialized by the kernel */
		r = reply_open_flags(req, fh, FOPEN_DIRECT_IO | (ctx->cfg.parallel_dw ? FOPEN_PARALLEL_DIRECT_WRITES : 0));
	}
	if (r == -ENOENT) /* the open was interrupted: no release will come for this handle */
		close_handle(h);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	struct sfs_vol *v = sfs_vt_get(&ctx->vt, ino);
	if (v != NULL) {
		sfs_vol_put(v);
		open_volume(req, ctx, ino, fi);
		return;
	}
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	/* atomic_o_trunc: O_TRUNC stands for the truncate the kernel no longer sends */
	int t = fi->flags & O_TRUNC ? sfs_up_truncate(ctx, ino, 0) : 0;
	int64_t h = t != 0 ? -(int64_t)t : sfs_up_open(ctx, ino, fi->flags);
	if (!sfs_icall_claim(&ic)) {
		if (h >= 0)
			sfs_up_release(ctx, (uint64_t)h); /* no release will come for it */
		return;
	}
	if (h < 0) {
		fuse_reply_err(req, (int)-h);
		return;
	}
	fi->fh = (uint64_t)h;
	fi->direct_io = 1; /* views are rendered at open: their size is known only then */
	if (fuse_reply_open(req, fi) == -ENOENT)
		sfs_up_release(ctx, (uint64_t)h);
}

static void vol_read_done(struct sfs_vreq *r, int err)
{
	fuse_req_t req = r->arg;
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, r->buf, r->len);
	sfs_vreq_free(r);
}

static void vol_write_done(struct sfs_vreq *r, int err)
{
	fuse_req_t req = r->arg;
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, r->len);
	sfs_vreq_free(r);
}

static void ra_reply(void *arg, const char *data, uint32_t len, int err)
{
	fuse_req_t req = arg;
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, data, len);
}

/*
 * Volume requests answer an interrupt at once (fuse_intr.h), unless the data lives in the ring
 * entry the answer goes out from: that entry goes back to the kernel with the answer, and sheep
 * I/O still under way would read or fill a later request's data. Those wait for sheep (or the
 * pool's time-out).
 */
static struct sfs_icall *vcall_arm(fuse_req_t req)
{
	struct sfs_icall *c = malloc(sizeof(*c));
	if (c == NULL)
		fuse_reply_err(req, ENOMEM);
	else if (!sfs_icall_arm(c, req)) {
		free(c);
		c = NULL;
	}
	return c; /* NULL: answered already */
}

/* The op could not start the I/O (err), so no completion will come. */
static void vcall_failed(struct sfs_icall *c, int err)
{
	if (sfs_icall_claim(c))
		fuse_reply_err(c->req, err);
	free(c);
}

static void vcall_read_done(struct sfs_vreq *r, int err)
{
	struct sfs_icall *c = r->arg;
	if (sfs_icall_claim(c)) {
		if (err)
			fuse_reply_err(c->req, err);
		else
			fuse_reply_buf(c->req, r->buf, r->len);
	}
	sfs_vreq_free(r);
	free(c);
}

static void vcall_write_done(struct sfs_vreq *r, int err)
{
	struct sfs_icall *c = r->arg;
	if (sfs_icall_claim(c)) {
		if (err)
			fuse_reply_err(c->req, err);
		else
			fuse_reply_write(c->req, r->len);
	}
	sfs_vreq_free(r);
	free(c);
}

static void vcall_ra_reply(void *arg, const char *data, uint32_t len, int err)
{
	struct sfs_icall *c = arg;
	if (sfs_icall_claim(c)) {
		if (err)
			fuse_reply_err(c->req, err);
		else
			fuse_reply_buf(c->req, data, len);
	}
	free(c);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	if (sfs_fh_is_volume(fi->fh)) {
		struct vhandle *h = (struct vhandle *)(uintptr_t)(fi->fh & ~SFS_VOL_FH_BIT);
		/* over io_uring the data can land in the ring entry the reply goes out from */
		size_t cap = 0;
		char *ring = sfs_uring_payload(ctx->uring, &cap);
		if (ring && size > cap)
			ring = NULL;
		uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
		if (ring) {
			int e = h->ra ? sfs_ra_read(h->ra, (uint64_t)off, len, ring, ra_reply, req)
				      : sfs_vol_io_in(h->vol, false, (uint64_t)off, size, ring, vol_read_done, req);
			if (e)
				fuse_reply_err(req, e);
			return;
		}
		/* once armed, an interrupt may answer and the kernel release h: hold what is used */
		struct sfs_ra *ra = h->ra;
		struct sfs_vol *vol = h->vol;
		if (ra)
			sfs_ra_get(ra);
		sfs_vol_get(vol);
		struct sfs_icall *c = vcall_arm(req);
		if (c != NULL) {
			int e = ra ? sfs_ra_read(ra, (uint64_t)off, len, NULL, vcall_ra_reply, c)
				   : sfs_vol_io(vol, false, (uint64_t)off, size, NULL, NULL, vcall_read_done, c);
			if (e)
				vcall_failed(c, e);
		}
		sfs_vol_put(vol);
		if (ra)
			sfs_ra_put(ra);
		return;
	}
	char *buf = NULL;
	size_t n = 0;
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int err = sfs_up_read(ctx, fi->fh, (uint64_t)off, size, &buf, &n);
	if (!sfs_icall_claim(&ic))
		; /* answered EINTR: the data is dropped */
	else if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	if (sfs_fh_is_volume(fi->fh)) {
		struct vhandle *h = (struct vhandle *)(uintptr_t)(fi->fh & ~SFS_VOL_FH_BIT);
		if ((uint64_t)off >= sfs_vol_size(h->vol) && size > 0) {
			fuse_reply_err(req, ENOSPC); /* a volume has a fixed size */
			return;
		}
		/* over io_uring the data stays in its ring entry until the reply: sent from there */
		size_t cap = 0;
		const char *ring = sfs_uring_payload(ctx->uring, &cap);
		if (ring && data >= ring && size <= cap && (size_t)(data - ring) <= cap - size) {
			int e = sfs_vol_io_in(h->vol, true, (uint64_t)off, size, (void *)data, vol_write_done, req);
			if (e)
				fuse_reply_err(req, e);
			return;
		}
		struct sfs_vol *vol = h->vol; /* held: once armed, the kernel may release h */
		sfs_vol_get(vol);
		struct sfs_icall *c = vcall_arm(req);
		if (c != NULL) {
			/* a big write keeps the buffer it arrived in (no copy); a small one is copied:
			 * either way the data stays valid after an interrupt answered */
			void *own = size >= SFS_BUF_MIN_POOLED ? sfs_worker_take(ctx, data, size) : NULL;
			int e = sfs_vol_io(vol, true, (uint64_t)off, size, data, own, vcall_write_done, c);
			if (e)
				vcall_failed(c, e);
		}
		sfs_vol_put(vol);
		return;
	}
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int64_t r = sfs_up_write(ctx, fi->fh, (uint64_t)off, data, size);
	if (!sfs_icall_claim(&ic))
		return;
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_write(req, (size_t)r > size ? size : (size_t)r);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	/* modes, owners and times are fixed (nothing keeps them): refused, not faked. With the
	 * writeback cache the kernel sends times of its own after writes: those are let by. */
	int fixed = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID;
	if (!ctx->cfg.writeback_cache)
		fixed |= FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW;
	if (to_set & fixed) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		struct sfs_vol *v = sfs_vt_get(&ctx->vt, ino);
		if (v != NULL) {
			bool same = (uint64_t)attr->st_size == sfs_vol_size(v);
			sfs_vol_put(v);
			if (!same) {
				fuse_reply_err(req, EINVAL); /* as truncate(2) of a block device; resizing is dog's job */
				return;
			}
		} else {
			int r = sfs_up_truncate(ctx, ino, (uint64_t)attr->st_size);
			if (r != 0) {
				fuse_reply_err(req, r);
				return;
			}
		}
	}
	op_getattr(req, ino, fi);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs_ctx *ctx = ctx_of(req);
	if (sfs_fh_is_volume(fi->fh)) {
		close_handle((struct vhandle *)(uintptr_t)(fi->fh & ~SFS_VOL_FH_BIT));
		fuse_reply_err(req, 0);
		return;
	}
	sfs_up_release(ctx, fi->fh);
	fuse_reply_err(req, 0);
}

/* close(2): a control file runs a command written without a newline, and close returns its errno. */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (fi->fh & SFS_VOL_FH_BIT) {
		fuse_reply_err(req, 0);
		return;
	}
	struct sfs_icall ic;
	if (!sfs_icall_arm(&ic, req))
		return;
	int r = sfs_up_flush(ctx_of(req), fi->fh);
	if (sfs_icall_claim(&ic))
		fuse_reply_err(req, r > 0 ? r : 0);
}

/* A write is answered only once sheep acknowledged it, and sheep acknowledges durable data:
 * nothing is left to flush when fsync arrives. */
static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	if (!(sfs_fh_is_volume(fi->fh)) || (whence != SEEK_DATA && whence != SEEK_HOLE)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	struct vhandle *h = (struct vhandle *)(uintptr_t)(fi->fh & ~SFS_VOL_FH_BIT);
	int64_t r = off < 0 ? -ENXIO : sfs_vol_seek(h->vol, (uint64_t)off, whence == SEEK_DATA);
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_lseek(req, (off_t)r);
}

/* PUNCH_HOLE discards (the file behaves like a sparse file); preallocation means nothing on a
 * thin-provisioned volume and is refused rather than faked. */
static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	if (!(sfs_fh_is_volume(fi->fh))) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) || off < 0 || len <= 0) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	struct vhandle *h = (struct vhandle *)(uintptr_t)(fi->fh & ~SFS_VOL_FH_BIT);
	sfs_worker_may_block(ctx_of(req)); /* a discard waits for sheep */
	fuse_reply_err(req, sfs_vol_discard(h->vol, (uint64_t)off, (uint64_t)len));
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

/* The tree is sheepfs's own: names appear by writing to control files (vdi/mount, http/object),
 * never by creating, removing or renaming them. EPERM, as pseudo file systems answer, with a
 * line saying where names come from; libfuse's default, ENOSYS ("Function not implemented"),
 * reads like a bug. */
static void refuse(fuse_req_t req, const char *what, const char *name)
{
	char shown[256]; /* the name as logged: control characters (a newline) cannot forge a line */
	size_t n = 0;
	for (; name[n] != '\0' && n < sizeof(shown) - 1; n++)
		shown[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
	shown[n] = '\0';
	fprintf(stderr, "sheepfs: %s \"%s\": not permitted (names under the mount come from its control "
		"files: a VDI name written to vdi/mount appears as volume/NAME)\n", what, shown);
	fuse_reply_err(req, EPERM);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	refuse(req, "create", name);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	refuse(req, "create", name);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	refuse(req, "mkdir", name);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	refuse(req, "symlink", name);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	refuse(req, "link", newname);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse(req, "unlink", name);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse(req, "rmdir", name);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	refuse(req, "rename", name);
}

const struct fuse_lowlevel_ops sfs_fuse_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.lseek = op_lseek,
	.fallocate = op_fallocate,
	.statfs = op_statfs,
	.mknod = op_mknod,
	.create = op_create,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
};
