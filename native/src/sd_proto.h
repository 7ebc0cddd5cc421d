/*
 * Sheepdog 1.0 wire codec, the data path's subset: the 48-byte request and response
 * headers, opcodes, flags, result codes (dog strings, errno mapping) and object ids.
 *
 * Pure functions over caller-owned memory: nothing here allocates, blocks or keeps state.
 * Every multi-byte field is read and written with explicit little-endian loads/stores, never
 * by casting the buffer to a struct (the wire layout has holes and no alignment guarantee).
 * Reference: shared/PROTOCOL.md sections 2-6.
 */
#ifndef SHEEPFS_SD_PROTO_H
#define SHEEPFS_SD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SD_HEADER_SIZE 48
#define SD_REQ_ARGS_SIZE 32 /* request union: header bytes 16..47 */
#define SD_RSP_ARGS_SIZE 28 /* response union after result: bytes 20..47 */
#define SD_DEFAULT_PORT 7000

/* proto_ver: 0x02 for public opcodes (< 0x80), 0x0a for internal ones (>= 0x80). */
#define SD_PROTO_VER 0x02
#define SD_SHEEP_PROTO_VER 0x0a

/* Codec error codes (negative; 0 = ok). Distinct from sheep's result codes. */
enum sd_err {
	SD_OK = 0,
	SD_ERR_SHORT = -1,     /* input shorter than the structure it must hold */
	SD_ERR_MALFORMED = -2, /* bad magic, impossible count, inconsistent field */
	SD_ERR_RANGE = -3,     /* index/offset outside what the structure can address */
	SD_ERR_OPCODE = -4,    /* response opcode differs from the request's */
	SD_ERR_TOO_BIG = -5,   /* response announces more data than the request offered */
	SD_ERR_FETCH = -6,     /* caller's node fetch callback failed */
	SD_ERR_FULL = -7,      /* B-tree has no room for one more entry */
	SD_ERR_INVAL = -8,     /* bad argument from the caller */
	SD_ERR_ID = -9,        /* response id matches no request in flight */
};
/* Short English text for an sd_err value ("unknown codec error" for others). */
const char *sd_err_str(int err);

/* ---- opcodes (PROTOCOL.md section 4) ---- */
enum sd_opcode {
	SD_OP_CREATE_AND_WRITE_OBJ = 0x01,
	SD_OP_READ_OBJ = 0x02,
	SD_OP_WRITE_OBJ = 0x03,
	SD_OP_REMOVE_OBJ = 0x04,
	SD_OP_DISCARD_OBJ = 0x05,
	SD_OP_NEW_VDI = 0x11,
	SD_OP_LOCK_VDI = 0x12,
	SD_OP_RELEASE_VDI = 0x13,
	SD_OP_GET_VDI_INFO = 0x14,
	SD_OP_READ_VDIS = 0x15,
	SD_OP_FLUSH_VDI = 0x16,
	SD_OP_DEL_VDI = 0x17,
	SD_OP_GET_CLUSTER_DEFAULT = 0x18,
	/* internal (proto_ver 0x0a) ones a client may send */
	SD_OP_GET_NODE_LIST = 0x82,
	SD_OP_STAT_SHEEP = 0x86,
	SD_OP_STAT_CLUSTER = 0x87,
	SD_OP_GET_VDI_ATTR = 0x89,
	SD_OP_FLUSH_DEL_CACHE = 0x98,
	SD_OP_GET_VDI_COPIES = 0xAB,
	SD_OP_EXIST = 0xBD,
	SD_OP_CLUSTER_INFO = 0xBE,
	SD_OP_OIDS_EXIST = 0xC6,
	SD_OP_READ_DEL_VDIS = 0xC9,
};
/* proto_ver a request with this opcode must carry (0x02 or 0x0a). */
static inline uint8_t sd_proto_ver_for(uint8_t opcode)
{
	return opcode >= 0x80 ? SD_SHEEP_PROTO_VER : SD_PROTO_VER;
}
/* "READ_OBJ" etc., NULL for an opcode this codec does not name. */
const char *sd_opcode_name(uint8_t opcode);

/* ---- request flags (section 2.4) ---- */
#define SD_FLAG_CMD_WRITE 0x0001     /* request carries data_length payload bytes */
#define SD_FLAG_CMD_COW 0x0002       /* CREATE_AND_WRITE_OBJ: fill from cow_oid first */
#define SD_FLAG_CMD_CACHE 0x0004     /* ignored by sheep 1.0 */
#define SD_FLAG_CMD_DIRECT 0x0008    /* ignored by sheep 1.0 */
#define SD_FLAG_CMD_PIGGYBACK 0x0010 /* with WRITE: response may carry data too */
#define SD_FLAG_CMD_TGT 0x0020
#define SD_FLAG_CMD_FWD 0x0040
#define SD_FLAG_CMD_RECOVERY 0x0080
#define SD_FLAG_CMD_WILDCARD 0x0100
#define SD_FLAG_CMD_CREAT 0x0100 /* GET_VDI_ATTR */
#define SD_FLAG_CMD_EXCL 0x0200  /* GET_VDI_ATTR */
#define SD_FLAG_CMD_DEL 0x0400   /* GET_VDI_ATTR */

/* ---- result codes (section 5) ---- */
enum sd_result {
	SD_RES_SUCCESS = 0x00,
	SD_RES_UNKNOWN = 0x01,
	SD_RES_NO_OBJ = 0x02,
	SD_RES_EIO = 0x03,
	SD_RES_VDI_EXIST = 0x04,
	SD_RES_INVALID_PARMS = 0x05,
	SD_RES_SYSTEM_ERROR = 0x06,
	SD_RES_VDI_LOCKED = 0x07,
	SD_RES_NO_VDI = 0x08,
	SD_RES_NO_BASE_VDI = 0x09,
	SD_RES_VDI_READ = 0x0A,
	SD_RES_VDI_WRITE = 0x0B,
	SD_RES_BASE_VDI_READ = 0x0C,
	SD_RES_BASE_VDI_WRITE = 0x0D,
	SD_RES_NO_TAG = 0x0E,
	SD_RES_STARTUP = 0x0F,
	SD_RES_VDI_NOT_LOCKED = 0x10,
	SD_RES_SHUTDOWN = 0x11,
	SD_RES_NO_MEM = 0x12,
	SD_RES_FULL_VDI = 0x13,
	SD_RES_VER_MISMATCH = 0x14,
	SD_RES_NO_SPACE = 0x15,
	SD_RES_WAIT_FOR_FORMAT = 0x16,
	SD_RES_WAIT_FOR_JOIN = 0x17,
	SD_RES_JOIN_FAILED = 0x18,
	SD_RES_HALT = 0x19,
	SD_RES_READONLY = 0x1A,
	SD_RES_INODE_INVALIDATED = 0x1D,
	SD_RES_OLD_NODE_VER = 0x81,
	SD_RES_NEW_NODE_VER = 0x82,
	SD_RES_NOT_FORMATTED = 0x83,
	SD_RES_INVALID_CTIME = 0x84,
	SD_RES_INVALID_EPOCH = 0x85,
	SD_RES_NETWORK_ERROR = 0x86,
	SD_RES_NO_CACHE = 0x87,
	SD_RES_BUFFER_SMALL = 0x88,
	SD_RES_FORCE_RECOVER = 0x89,
	SD_RES_NO_STORE = 0x8A,
	SD_RES_NO_SUPPORT = 0x8B,
	SD_RES_NODE_IN_RECOVERY = 0x8C,
	SD_RES_KILLED = 0x8D,
	SD_RES_OID_EXIST = 0x8E,
	SD_RES_AGAIN = 0x8F,
	SD_RES_STALE_OBJ = 0x90,
	SD_RES_CLUSTER_ERROR = 0x91,
	SD_RES_VDI_NOT_EMPTY = 0x92,
	SD_RES_NOT_FOUND = 0x93,
	SD_RES_INCOMPLETE = 0x94,
	SD_RES_COLLECTING_CINFO = 0x95,
	SD_RES_GATEWAY_MODE = 0x97,
	SD_RES_INVALID_VNODES_STRATEGY = 0x98,
	SD_RES_NO_CHECKPOINT_ENTRY = 0x99,
};
/* dog's text for a result ("No object found"); NULL when dog has none for it. */
const char *sd_result_str(uint32_t result);
/* Symbolic name ("NO_OBJ"); NULL for an unknown value. */
const char *sd_result_name(uint32_t result);
/* What dog prints: sd_result_str(), or "Invalid error code <hex>" written into buf. Returns buf
 * or the static string; buf needs at least 32 bytes. */
const char *sd_result_format(uint32_t result, char *buf, size_t buflen);
/*
 * Positive errno for a result (0 for SUCCESS). Not-found family -> ENOENT, READONLY -> EROFS,
 * VDI_LOCKED -> EBUSY, INVALID_PARMS -> EINVAL, NO_SPACE/FULL_VDI -> ENOSPC, NO_MEM -> ENOMEM,
 * VDI_EXIST/OID_EXIST -> EEXIST, transient states (STARTUP, WAIT_FOR_*, NODE_IN_RECOVERY, AGAIN)
 * -> EAGAIN, INODE_INVALIDATED/STALE_OBJ -> ESTALE, NO_SUPPORT -> EOPNOTSUPP, everything else EIO.
 * The data path decides itself where the table is too generic (a NO_OBJ on an index the inode
 * says is present is EIO, a FLUSH_VDI INVALID_PARMS is success).
 */
int sd_result_errno(uint32_t result);

/* ---- request header (section 2.1) ---- */
struct sd_req {
	uint8_t proto_ver;
	uint8_t opcode;
	uint16_t flags;
	uint32_t epoch;
	uint32_t id;
	uint32_t data_length;
	uint8_t args[SD_REQ_ARGS_SIZE]; /* raw union: use the variant accessors below */
};

/* obj variant: object I/O, DISCARD_OBJ, FLUSH_VDI, EXIST ... (section 3.1) */
struct sd_obj_args {
	uint64_t oid;
	uint64_t cow_oid;
	uint8_t copies; /* 0 = the VDI's */
	uint8_t copy_policy;
	uint8_t ec_index;
	uint8_t reserved;
	uint32_t tgt_epoch;
	uint32_t offset; /* byte offset inside the object */
	uint32_t pad;
};

/* vdi variant: GET_VDI_INFO, LOCK_VDI, RELEASE_VDI, NEW_VDI, DEL_VDI, GET_VDI_ATTR */
struct sd_vdi_args {
	uint64_t vdi_size;
	uint32_t base_vdi_id; /* RELEASE_VDI: the vid to release */
	uint8_t copies;
	uint8_t copy_policy;
	uint8_t store_policy; /* 1 = hyper volume */
	uint8_t block_size_shift;
	uint32_t snapid;
	uint32_t type;   /* lock type: 0 normal, 1 shared */
	uint32_t pad[2]; /* bytes 40..47, kept so that decode+encode is lossless */
};

/* Decoders take (buf, len) and fail with SD_ERR_SHORT if len < 48; every byte pattern of
 * 48 bytes decodes (validation of the fields is the receiver's job: sd_rsp_check). */
int sd_req_decode(const uint8_t *buf, size_t len, struct sd_req *req);
void sd_req_encode(const struct sd_req *req, uint8_t out[SD_HEADER_SIZE]);
/* Zeroes req, sets opcode, the matching proto_ver, flags and data_length. */
void sd_req_init(struct sd_req *req, uint8_t opcode, uint16_t flags, uint32_t data_length);
void sd_req_get_obj(const struct sd_req *req, struct sd_obj_args *obj);
void sd_req_set_obj(struct sd_req *req, const struct sd_obj_args *obj);
void sd_req_get_vdi(const struct sd_req *req, struct sd_vdi_args *vdi);
void sd_req_set_vdi(struct sd_req *req, const struct sd_vdi_args *vdi);

/* Data-path builders (id 0, epoch 0; set req->id afterwards for pipelining).
 * READ_OBJ: data_length = bytes wanted. WRITE_OBJ/CREATE_AND_WRITE_OBJ: flags WRITE,
 * data_length = payload bytes; cow_oid != 0 adds the COW flag. */
void sd_req_read_obj(struct sd_req *req, uint64_t oid, uint32_t offset, uint32_t len);
void sd_req_write_obj(struct sd_req *req, uint64_t oid, uint32_t offset, uint32_t len, uint8_t copies);
void sd_req_create_obj(struct sd_req *req, uint64_t oid, uint64_t cow_oid, uint32_t offset,
		       uint32_t len, uint8_t copies);
void sd_req_discard_obj(struct sd_req *req, uint64_t data_oid);
void sd_req_flush_vdi(struct sd_req *req, uint64_t inode_oid);
/* GET_VDI_INFO / LOCK_VDI: flags WRITE, payload = name[256] + tag[256] (512 bytes, caller
 * builds it with sd_vdi_name_payload), vdi.snapid = snapid, vdi.type = lock type. */
void sd_req_vdi_lookup(struct sd_req *req, uint8_t opcode, uint32_t snapid, uint32_t lock_type);
void sd_req_release_vdi(struct sd_req *req, uint32_t vid, uint32_t lock_type);
#define SD_NAME_FIELD 256
#define SD_VDI_LOOKUP_PAYLOAD 512
/* Fills out[512] with name and tag NUL-padded to 256 bytes each; tag may be NULL.
 * SD_ERR_RANGE if either does not fit in 255 bytes. */
int sd_vdi_name_payload(uint8_t out[SD_VDI_LOOKUP_PAYLOAD], const char *name, const char *tag);

/* ---- response header (section 2.2) ---- */
struct sd_rsp {
	uint8_t proto_ver; /* 0 from sheep 1.0 */
	uint8_t opcode;
	uint16_t flags;
	uint32_t epoch;
	uint32_t id;
	uint32_t data_length;
	uint32_t result;
	uint8_t args[SD_RSP_ARGS_SIZE]; /* raw union rest: bytes 20..47 */
};

struct sd_obj_rsp_args {
	uint8_t copies;
	uint64_t offset; /* always 0 in 1.0 */
};

struct sd_vdi_rsp_args {
	uint32_t rsvd;
	uint32_t vdi_id;
	uint32_t attr_id;
	uint8_t copies;
	uint8_t block_size_shift;
};

int sd_rsp_decode(const uint8_t *buf, size_t len, struct sd_rsp *rsp);
void sd_rsp_encode(const struct sd_rsp *rsp, uint8_t out[SD_HEADER_SIZE]);
void sd_rsp_get_obj(const struct sd_rsp *rsp, struct sd_obj_rsp_args *obj);
void sd_rsp_get_vdi(const struct sd_rsp *rsp, struct sd_vdi_rsp_args *vdi);
void sd_rsp_set_vdi(struct sd_rsp *rsp, const struct sd_vdi_rsp_args *vdi);
/*
 * A client's check of a response against the request it answers (matched by id beforehand):
 * opcode must be the request's (SD_ERR_OPCODE) and data_length must not exceed the buffer the
 * request offered (SD_ERR_TOO_BIG), so reading the payload is bounded by the caller's buffer.
 * Returns SD_OK; the result code is not judged here.
 */
int sd_rsp_check(const struct sd_rsp *rsp, const struct sd_req *req);

/* ---- object ids (section 6) ---- */
#define SD_VDI_BIT (UINT64_C(1) << 63)
#define SD_VMSTATE_BIT (UINT64_C(1) << 62)
#define SD_VDI_ATTR_BIT (UINT64_C(1) << 61)
#define SD_VDI_BTREE_BIT (UINT64_C(1) << 60)
#define SD_LEDGER_BIT (UINT64_C(1) << 59)
#define SD_OID_TYPE_MASK (UINT64_C(0x1f) << 59)
#define SD_VDI_SPACE_SHIFT 32
#define SD_NR_VDIS (1u << 24)
#define SD_MAX_VID 0xffffffu

#define SD_INODE_OBJ_SIZE 12587576u /* 0xC01238 */
#define SD_ATTR_OBJ_SIZE 66320u
#define SD_BTREE_NODE_OBJ_SIZE 4194304u
#define SD_LEDGER_OBJ_SIZE 4194304u
#define SD_MIN_BLOCK_SIZE_SHIFT 20
#define SD_MAX_BLOCK_SIZE_SHIFT 31
#define SD_DEFAULT_BLOCK_SIZE_SHIFT 22

static inline uint64_t sd_data_oid(uint32_t vid, uint32_t idx)
{
	return ((uint64_t)(vid & SD_MAX_VID) << SD_VDI_SPACE_SHIFT) | idx;
}
static inline uint64_t sd_inode_oid(uint32_t vid)
{
	return SD_VDI_BIT | ((uint64_t)(vid & SD_MAX_VID) << SD_VDI_SPACE_SHIFT);
}
static inline uint64_t sd_btree_oid(uint32_t vid, uint32_t counter)
{
	return SD_VDI_BTREE_BIT | ((uint64_t)(vid & SD_MAX_VID) << SD_VDI_SPACE_SHIFT) | counter;
}
static inline uint64_t sd_attr_oid(uint32_t hash_vid, uint32_t attr_id)
{
	return SD_VDI_ATTR_BIT | ((uint64_t)(hash_vid & SD_MAX_VID) << SD_VDI_SPACE_SHIFT) | attr_id;
}
static inline uint32_t sd_oid_to_vid(uint64_t oid)
{
	return (uint32_t)((oid >> SD_VDI_SPACE_SHIFT) & SD_MAX_VID);
}
/* Data object index (also attr id / B-tree counter: the low 32 bits). */
static inline uint32_t sd_oid_to_idx(uint64_t oid)
{
	return (uint32_t)oid;
}
static inline int sd_is_data_oid(uint64_t oid)
{
	return (oid & SD_OID_TYPE_MASK) == 0;
}
static inline int sd_is_inode_oid(uint64_t oid)
{
	return (oid & SD_VDI_BIT) != 0;
}
static inline int sd_is_btree_oid(uint64_t oid)
{
	return (oid & SD_OID_TYPE_MASK) == SD_VDI_BTREE_BIT;
}
static inline int sd_is_attr_oid(uint64_t oid)
{
	return (oid & SD_OID_TYPE_MASK) == SD_VDI_ATTR_BIT;
}
static inline int sd_bss_valid(unsigned bss)
{
	return bss >= SD_MIN_BLOCK_SIZE_SHIFT && bss <= SD_MAX_BLOCK_SIZE_SHIFT;
}
/* 1 << bss for a valid block_size_shift (20..31), 0 otherwise. */
static inline uint64_t sd_object_size(unsigned bss)
{
	return sd_bss_valid(bss) ? UINT64_C(1) << bss : 0;
}
/* Size of the object an oid names, given the owning VDI's bss (used for data/vmstate only);
 * 0 if the data object size is asked with an invalid bss. */
uint64_t sd_oid_object_size(uint64_t oid, unsigned bss);
/* FNV-1a 64 over the name bytes, low 24 bits, 0 -> 1 (section 6.2): the probe start, not
 * necessarily the vid sheep assigned. */
uint32_t sd_name_hash_vid(const char *name, size_t len);

/* ---- explicit little-endian access (shared with sd_inode.c and the I/O engine) ---- */
static inline uint16_t sd_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t sd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t sd_le64(const uint8_t *p)
{
	return (uint64_t)sd_le32(p) | ((uint64_t)sd_le32(p + 4) << 32);
}
static inline void sd_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void sd_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void sd_put64(uint8_t *p, uint64_t v)
{
	sd_put32(p, (uint32_t)v);
	sd_put32(p + 4, (uint32_t)(v >> 32));
}

#endif
