/* Sheepdog 1.0 wire codec: headers, result codes, object ids (see sd_proto.h). */
#include "sd_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *sd_err_str(int err)
{
	switch (err) {
	case SD_OK:
		return "ok";
	case SD_ERR_SHORT:
		return "input too short";
	case SD_ERR_MALFORMED:
		return "malformed structure";
	case SD_ERR_RANGE:
		return "index out of range";
	case SD_ERR_OPCODE:
		return "response opcode does not match the request";
	case SD_ERR_TOO_BIG:
		return "response data longer than the request's buffer";
	case SD_ERR_FETCH:
		return "B-tree node fetch failed";
	case SD_ERR_FULL:
		return "B-tree full";
	case SD_ERR_INVAL:
		return "invalid argument";
	case SD_ERR_ID:
		return "response id matches no request";
	default:
		return "unknown codec error";
	}
}

const char *sd_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case SD_OP_CREATE_AND_WRITE_OBJ:
		return "CREATE_AND_WRITE_OBJ";
	case SD_OP_READ_OBJ:
		return "READ_OBJ";
	case SD_OP_WRITE_OBJ:
		return "WRITE_OBJ";
	case SD_OP_REMOVE_OBJ:
		return "REMOVE_OBJ";
	case SD_OP_DISCARD_OBJ:
		return "DISCARD_OBJ";
	case SD_OP_NEW_VDI:
		return "NEW_VDI";
	case SD_OP_LOCK_VDI:
		return "LOCK_VDI";
	case SD_OP_RELEASE_VDI:
		return "RELEASE_VDI";
	case SD_OP_GET_VDI_INFO:
		return "GET_VDI_INFO";
	case SD_OP_READ_VDIS:
		return "READ_VDIS";
	case SD_OP_FLUSH_VDI:
		return "FLUSH_VDI";
	case SD_OP_DEL_VDI:
		return "DEL_VDI";
	case SD_OP_GET_CLUSTER_DEFAULT:
		return "GET_CLUSTER_DEFAULT";
	case SD_OP_GET_NODE_LIST:
		return "GET_NODE_LIST";
	case SD_OP_STAT_SHEEP:
		return "STAT_SHEEP";
	case SD_OP_STAT_CLUSTER:
		return "STAT_CLUSTER";
	case SD_OP_GET_VDI_ATTR:
		return "GET_VDI_ATTR";
	case SD_OP_FLUSH_DEL_CACHE:
		return "FLUSH_DEL_CACHE";
	case SD_OP_GET_VDI_COPIES:
		return "GET_VDI_COPIES";
	case SD_OP_EXIST:
		return "EXIST";
	case SD_OP_CLUSTER_INFO:
		return "CLUSTER_INFO";
	case SD_OP_OIDS_EXIST:
		return "OIDS_EXIST";
	case SD_OP_READ_DEL_VDIS:
		return "READ_DEL_VDIS";
	default:
		return NULL;
	}
}

/* One row per result code: value, symbolic name, dog's text (NULL where dog has none). */
struct sd_result_info {
	uint32_t value;
	const char *name;
	const char *text;
	int err;
};

static const struct sd_result_info results[] = {
	{ SD_RES_SUCCESS, "SUCCESS", "Success", 0 },
	{ SD_RES_UNKNOWN, "UNKNOWN", "Unknown error", EIO },
	{ SD_RES_NO_OBJ, "NO_OBJ", "No object found", ENOENT },
	{ SD_RES_EIO, "EIO", "I/O error", EIO },
	{ SD_RES_VDI_EXIST, "VDI_EXIST", "VDI exists already", EEXIST },
	{ SD_RES_INVALID_PARMS, "INVALID_PARMS", "Invalid parameters", EINVAL },
	{ SD_RES_SYSTEM_ERROR, "SYSTEM_ERROR", "System error", EIO },
	{ SD_RES_VDI_LOCKED, "VDI_LOCKED", "VDI is already locked", EBUSY },
	{ SD_RES_NO_VDI, "NO_VDI", "No VDI found", ENOENT },
	{ SD_RES_NO_BASE_VDI, "NO_BASE_VDI", "No base VDI found", ENOENT },
	{ SD_RES_VDI_READ, "VDI_READ", "Failed to read from requested VDI", EIO },
	{ SD_RES_VDI_WRITE, "VDI_WRITE", "Failed to write to requested VDI", EIO },
	{ SD_RES_BASE_VDI_READ, "BASE_VDI_READ", "Failed to read from base VDI", EIO },
	{ SD_RES_BASE_VDI_WRITE, "BASE_VDI_WRITE", "Failed to write to base VDI", EIO },
	{ SD_RES_NO_TAG, "NO_TAG", "Failed to find requested tag", ENOENT },
	{ SD_RES_STARTUP, "STARTUP", "System is still booting", EAGAIN },
	{ SD_RES_VDI_NOT_LOCKED, "VDI_NOT_LOCKED", "VDI is not locked", EINVAL },
	{ SD_RES_SHUTDOWN, "SHUTDOWN", "System is shutting down", EIO },
	{ SD_RES_NO_MEM, "NO_MEM", "Out of memory on server", ENOMEM },
	{ SD_RES_FULL_VDI, "FULL_VDI", "Maximum number of VDIs reached", ENOSPC },
	{ SD_RES_VER_MISMATCH, "VER_MISMATCH", "Protocol version mismatch", EIO },
	{ SD_RES_NO_SPACE, "NO_SPACE", "Server has no space for new objects", ENOSPC },
	{ SD_RES_WAIT_FOR_FORMAT, "WAIT_FOR_FORMAT", "Waiting for cluster to be formatted", EAGAIN },
	{ SD_RES_WAIT_FOR_JOIN, "WAIT_FOR_JOIN", "Waiting for other nodes to join cluster", EAGAIN },
	{ SD_RES_JOIN_FAILED, "JOIN_FAILED", "Node has failed to join cluster", EIO },
	{ SD_RES_HALT, "HALT", "IO has halted as there are not enough living nodes", EIO },
	{ SD_RES_READONLY, "READONLY", "Object is read-only", EROFS },
	{ SD_RES_INODE_INVALIDATED, "INODE_INVALIDATED", "Inode object is invalidated", ESTALE },
	{ SD_RES_OLD_NODE_VER, "OLD_NODE_VER", "Request has an old epoch", EIO },
	{ SD_RES_NEW_NODE_VER, "NEW_NODE_VER", "Request has a new epoch", EIO },
	{ SD_RES_NOT_FORMATTED, "NOT_FORMATTED", "Cluster has not been formatted", EIO },
	{ SD_RES_INVALID_CTIME, "INVALID_CTIME", "Creation times differ", EIO },
	{ SD_RES_INVALID_EPOCH, "INVALID_EPOCH", "Invalid epoch", EIO },
	{ SD_RES_NETWORK_ERROR, "NETWORK_ERROR", "Network error between sheep", EIO },
	{ SD_RES_NO_CACHE, "NO_CACHE", "No cache object found", ENOENT },
	{ SD_RES_BUFFER_SMALL, "BUFFER_SMALL", "The buffer is too small", EIO },
	{ SD_RES_FORCE_RECOVER, "FORCE_RECOVER", "Cluster is running/halted and cannot be force recovered", EIO },
	{ SD_RES_NO_STORE, "NO_STORE", "Targeted backend store is not found", EIO },
	{ SD_RES_NO_SUPPORT, "NO_SUPPORT", "Operation is not supported", EOPNOTSUPP },
	{ SD_RES_NODE_IN_RECOVERY, "NODE_IN_RECOVERY", "Targeted node is in recovery", EAGAIN },
	{ SD_RES_KILLED, "KILLED", "Node is killed", EIO },
	{ SD_RES_OID_EXIST, "OID_EXIST", "Object ID exists already", EEXIST },
	{ SD_RES_AGAIN, "AGAIN", "Ask to try again", EAGAIN },
	{ SD_RES_STALE_OBJ, "STALE_OBJ", "Object may be stale", ESTALE },
	{ SD_RES_CLUSTER_ERROR, "CLUSTER_ERROR", "Cluster driver error", EIO },
	{ SD_RES_VDI_NOT_EMPTY, "VDI_NOT_EMPTY", NULL, EIO },
	{ SD_RES_NOT_FOUND, "NOT_FOUND", NULL, ENOENT },
	{ SD_RES_INCOMPLETE, "INCOMPLETE", NULL, EIO },
	{ SD_RES_COLLECTING_CINFO, "COLLECTING_CINFO", NULL, EAGAIN },
	{ SD_RES_GATEWAY_MODE, "GATEWAY_MODE", "Targeted node is gateway mode", EIO },
	{ SD_RES_INVALID_VNODES_STRATEGY, "INVALID_VNODES_STRATEGY", "Invalid cluster vnodes strategy", EIO },
	{ SD_RES_NO_CHECKPOINT_ENTRY, "NO_CHECKPOINT_ENTRY", NULL, EIO },
};

static const struct sd_result_info *result_info(uint32_t result)
{
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (results[i].value == result)
			return &results[i];
	return NULL;
}

const char *sd_result_str(uint32_t result)
{
	const struct sd_result_info *ri = result_info(result);
	return ri ? ri->text : NULL;
}

const char *sd_result_name(uint32_t result)
{
	const struct sd_result_info *ri = result_info(result);
	return ri ? ri->name : NULL;
}

const char *sd_result_format(uint32_t result, char *buf, size_t buflen)
{
	const char *s = sd_result_str(result);
	if (s)
		return s;
	/* dog: "Invalid error code %x" (lower-case hex, no 0x) */
	snprintf(buf, buflen, "Invalid error code %x", result);
	return buf;
}

int sd_result_errno(uint32_t result)
{
	const struct sd_result_info *ri = result_info(result);
	return ri ? ri->err : EIO;
}

/* ---- request header ---- */

int sd_req_decode(const uint8_t *buf, size_t len, struct sd_req *req)
{
	if (buf == NULL || len < SD_HEADER_SIZE)
		return SD_ERR_SHORT;
	req->proto_ver = buf[0];
	req->opcode = buf[1];
	req->flags = sd_le16(buf + 2);
	req->epoch = sd_le32(buf + 4);
	req->id = sd_le32(buf + 8);
	req->data_length = sd_le32(buf + 12);
	memcpy(req->args, buf + 16, SD_REQ_ARGS_SIZE);
	return SD_OK;
}

void sd_req_encode(const struct sd_req *req, uint8_t out[SD_HEADER_SIZE])
{
	out[0] = req->proto_ver;
	out[1] = req->opcode;
	sd_put16(out + 2, req->flags);
	sd_put32(out + 4, req->epoch);
	sd_put32(out + 8, req->id);
	sd_put32(out + 12, req->data_length);
	memcpy(out + 16, req->args, SD_REQ_ARGS_SIZE);
}

void sd_req_init(struct sd_req *req, uint8_t opcode, uint16_t flags, uint32_t data_length)
{
	memset(req, 0, sizeof(*req));
	req->proto_ver = sd_proto_ver_for(opcode);
	req->opcode = opcode;
	req->flags = flags;
	req->data_length = data_length;
}

/* Offsets below are relative to the union (header offset - 16). */
void sd_req_get_obj(const struct sd_req *req, struct sd_obj_args *obj)
{
	const uint8_t *a = req->args;
	obj->oid = sd_le64(a + 0);
	obj->cow_oid = sd_le64(a + 8);
	obj->copies = a[16];
	obj->copy_policy = a[17];
	obj->ec_index = a[18];
	obj->reserved = a[19];
	obj->tgt_epoch = sd_le32(a + 20);
	obj->offset = sd_le32(a + 24);
	obj->pad = sd_le32(a + 28);
}

void sd_req_set_obj(struct sd_req *req, const struct sd_obj_args *obj)
{
	uint8_t *a = req->args;
	sd_put64(a + 0, obj->oid);
	sd_put64(a + 8, obj->cow_oid);
	a[16] = obj->copies;
	a[17] = obj->copy_policy;
	a[18] = obj->ec_index;
	a[19] = obj->reserved;
	sd_put32(a + 20, obj->tgt_epoch);
	sd_put32(a + 24, obj->offset);
	sd_put32(a + 28, obj->pad);
}

void sd_req_get_vdi(const struct sd_req *req, struct sd_vdi_args *vdi)
{
	const uint8_t *a = req->args;
	vdi->vdi_size = sd_le64(a + 0);
	vdi->base_vdi_id = sd_le32(a + 8);
	vdi->copies = a[12];
	vdi->copy_policy = a[13];
	vdi->store_policy = a[14];
	vdi->block_size_shift = a[15];
	vdi->snapid = sd_le32(a + 16);
	vdi->type = sd_le32(a + 20);
	vdi->pad[0] = sd_le32(a + 24);
	vdi->pad[1] = sd_le32(a + 28);
}

void sd_req_set_vdi(struct sd_req *req, const struct sd_vdi_args *vdi)
{
	uint8_t *a = req->args;
	sd_put64(a + 0, vdi->vdi_size);
	sd_put32(a + 8, vdi->base_vdi_id);
	a[12] = vdi->copies;
	a[13] = vdi->copy_policy;
	a[14] = vdi->store_policy;
	a[15] = vdi->block_size_shift;
	sd_put32(a + 16, vdi->snapid);
	sd_put32(a + 20, vdi->type);
	sd_put32(a + 24, vdi->pad[0]);
	sd_put32(a + 28, vdi->pad[1]);
}

static void obj_req(struct sd_req *req, uint8_t opcode, uint16_t flags, uint32_t dl, uint64_t oid,
		    uint64_t cow_oid, uint32_t offset, uint8_t copies)
{
	struct sd_obj_args o = { .oid = oid, .cow_oid = cow_oid, .copies = copies, .offset = offset };
	sd_req_init(req, opcode, flags, dl);
	sd_req_set_obj(req, &o);
}

void sd_req_read_obj(struct sd_req *req, uint64_t oid, uint32_t offset, uint32_t len)
{
	obj_req(req, SD_OP_READ_OBJ, 0, len, oid, 0, offset, 0);
}

void sd_req_write_obj(struct sd_req *req, uint64_t oid, uint32_t offset, uint32_t len, uint8_t copies)
{
	obj_req(req, SD_OP_WRITE_OBJ, SD_FLAG_CMD_WRITE, len, oid, 0, offset, copies);
}

void sd_req_create_obj(struct sd_req *req, uint64_t oid, uint64_t cow_oid, uint32_t offset,
		       uint32_t len, uint8_t copies)
{
	uint16_t flags = SD_FLAG_CMD_WRITE | (cow_oid ? SD_FLAG_CMD_COW : 0);
	obj_req(req, SD_OP_CREATE_AND_WRITE_OBJ, flags, len, oid, cow_oid, offset, copies);
}

void sd_req_discard_obj(struct sd_req *req, uint64_t data_oid)
{
	obj_req(req, SD_OP_DISCARD_OBJ, 0, 0, data_oid, 0, 0, 0);
}

void sd_req_flush_vdi(struct sd_req *req, uint64_t inode_oid)
{
	obj_req(req, SD_OP_FLUSH_VDI, 0, 0, inode_oid, 0, 0, 0);
}

void sd_req_vdi_lookup(struct sd_req *req, uint8_t opcode, uint32_t snapid, uint32_t lock_type)
{
	struct sd_vdi_args v = { .snapid = snapid, .type = lock_type };
	sd_req_init(req, opcode, SD_FLAG_CMD_WRITE, SD_VDI_LOOKUP_PAYLOAD);
	sd_req_set_vdi(req, &v);
}

void sd_req_release_vdi(struct sd_req *req, uint32_t vid, uint32_t lock_type)
{
	struct sd_vdi_args v = { .base_vdi_id = vid, .type = lock_type };
	sd_req_init(req, SD_OP_RELEASE_VDI, 0, 0);
	sd_req_set_vdi(req, &v);
}

/* strnlen is POSIX, not C11: count at most max bytes */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int sd_vdi_name_payload(uint8_t out[SD_VDI_LOOKUP_PAYLOAD], const char *name, const char *tag)
{
	size_t nl, tl = 0;
	if (name == NULL)
		return SD_ERR_INVAL;
	/* a field keeps its terminating NUL, so 255 usable bytes */
	nl = bounded_len(name, SD_NAME_FIELD);
	if (tag)
		tl = bounded_len(tag, SD_NAME_FIELD);
	if (nl >= SD_NAME_FIELD || tl >= SD_NAME_FIELD)
		return SD_ERR_RANGE;
	memset(out, 0, SD_VDI_LOOKUP_PAYLOAD);
	memcpy(out, name, nl);
	if (tag)
		memcpy(out + SD_NAME_FIELD, tag, tl);
	return SD_OK;
}

/* ---- response header ---- */

int sd_rsp_decode(const uint8_t *buf, size_t len, struct sd_rsp *rsp)
{
	if (buf == NULL || len < SD_HEADER_SIZE)
		return SD_ERR_SHORT;
	rsp->proto_ver = buf[0];
	rsp->opcode = buf[1];
	rsp->flags = sd_le16(buf + 2);
	rsp->epoch = sd_le32(buf + 4);
	rsp->id = sd_le32(buf + 8);
	rsp->data_length = sd_le32(buf + 12);
	rsp->result = sd_le32(buf + 16);
	memcpy(rsp->args, buf + 20, SD_RSP_ARGS_SIZE);
	return SD_OK;
}

void sd_rsp_encode(const struct sd_rsp *rsp, uint8_t out[SD_HEADER_SIZE])
{
	out[0] = rsp->proto_ver;
	out[1] = rsp->opcode;
	sd_put16(out + 2, rsp->flags);
	sd_put32(out + 4, rsp->epoch);
	sd_put32(out + 8, rsp->id);
	sd_put32(out + 12, rsp->data_length);
	sd_put32(out + 16, rsp->result);
	memcpy(out + 20, rsp->args, SD_RSP_ARGS_SIZE);
}

/* Offsets below are relative to args (header offset - 20). */
void sd_rsp_get_obj(const struct sd_rsp *rsp, struct sd_obj_rsp_args *obj)
{
	obj->copies = rsp->args[0];
	obj->offset = sd_le64(rsp->args + 4);
}

void sd_rsp_get_vdi(const struct sd_rsp *rsp, struct sd_vdi_rsp_args *vdi)
{
	const uint8_t *a = rsp->args;
	vdi->rsvd = sd_le32(a + 0);
	vdi->vdi_id = sd_le32(a + 4);
	vdi->attr_id = sd_le32(a + 8);
	vdi->copies = a[12];
	vdi->block_size_shift = a[13];
}

/* The encoder of the fake sheep the volume engine's tests run against (native/test). */
void sd_rsp_set_vdi(struct sd_rsp *rsp, const struct sd_vdi_rsp_args *vdi)
{
	uint8_t *a = rsp->args;
	sd_put32(a + 0, vdi->rsvd);
	sd_put32(a + 4, vdi->vdi_id);
	sd_put32(a + 8, vdi->attr_id);
	a[12] = vdi->copies;
	a[13] = vdi->block_size_shift;
}

int sd_rsp_check(const struct sd_rsp *rsp, const struct sd_req *req)
{
	if (rsp->opcode != req->opcode)
		return SD_ERR_OPCODE;
	/* sheep writes response data into the request's buffer: more than that is a broken peer */
	if (rsp->data_length > req->data_length)
		return SD_ERR_TOO_BIG;
	return SD_OK;
}

/* ---- object ids ---- */

uint64_t sd_oid_object_size(uint64_t oid, unsigned bss)
{
	if (oid & SD_VDI_BIT)
		return SD_INODE_OBJ_SIZE;
	switch (oid & SD_OID_TYPE_MASK) {
	case SD_VDI_ATTR_BIT:
		return SD_ATTR_OBJ_SIZE;
	case SD_VDI_BTREE_BIT:
		return SD_BTREE_NODE_OBJ_SIZE;
	case SD_LEDGER_BIT:
		return SD_LEDGER_OBJ_SIZE;
	default:
		return sd_object_size(bss); /* data and vmstate objects */
	}
}

uint32_t sd_name_hash_vid(const char *name, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)name[i];
		h *= UINT64_C(0x100000001b3);
	}
	uint32_t vid = (uint32_t)(h & SD_MAX_VID);
	return vid ? vid : 1;
}
