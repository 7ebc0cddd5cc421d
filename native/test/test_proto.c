/* Unit tests of the header codec, result table and object ids against PROTOCOL.md's worked
 * examples (the corpus-wide checks are in test_corpus.c). */
#include <errno.h>
#include <string.h>

#include "sd_proto.h"
#include "test_util.h"

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void test_worked_examples(struct t_stats *st)
{
	uint8_t want[48], got[48];
	struct sd_req req;

	/* READ_OBJ id 100, 64 KiB of data object 0 of 7c2b25 (PROTOCOL.md 2.2) */
	unhex("020200000000000064000000000001000000000025" "2b7c00"
	      "000000000000000000000000000000000000000000000000", want);
	sd_req_read_obj(&req, sd_data_oid(0x7c2b25, 0), 0, 65536);
	req.id = 100;
	sd_req_encode(&req, got);
	CHECK(st, memcmp(got, want, 48) == 0);

	/* GET_VDI_INFO, name only, snapid 0 */
	memset(want, 0, 48);
	unhex("0214010000000000000000000002", want);
	sd_req_vdi_lookup(&req, SD_OP_GET_VDI_INFO, 0, 0);
	sd_req_encode(&req, got);
	CHECK(st, memcmp(got, want, 48) == 0);

	/* its response: vdi_id 7c2b25, copies 2, bss 22 */
	struct sd_rsp rsp;
	struct sd_vdi_rsp_args v;
	memset(want, 0, 48);
	unhex("00140000010000000000000000000000000000000000000025" "2b7c00000000000216", want);
	CHECK_EQ(st, sd_rsp_decode(want, 48, &rsp), SD_OK);
	CHECK_EQ(st, rsp.opcode, SD_OP_GET_VDI_INFO);
	CHECK_EQ(st, rsp.epoch, 1);
	CHECK_EQ(st, rsp.result, SD_RES_SUCCESS);
	sd_rsp_get_vdi(&rsp, &v);
	CHECK_EQ(st, v.vdi_id, 0x7c2b25);
	CHECK_EQ(st, v.copies, 2);
	CHECK_EQ(st, v.block_size_shift, 22);
	sd_rsp_encode(&rsp, got);
	CHECK(st, memcmp(got, want, 48) == 0);
	CHECK_EQ(st, sd_rsp_check(&rsp, &req), SD_OK);

	/* NEW_VDI rec1 512M: vdi variant with size only */
	struct sd_vdi_args va = { .vdi_size = 512ull << 20 };
	memset(want, 0, 48);
	unhex("021101000000000000000000000100000000002000000000", want);
	sd_req_init(&req, SD_OP_NEW_VDI, SD_FLAG_CMD_WRITE, 256);
	sd_req_set_vdi(&req, &va);
	sd_req_encode(&req, got);
	CHECK(st, memcmp(got, want, 48) == 0);
}

static void test_header_roundtrip(struct t_stats *st)
{
	uint8_t buf[48], out[48];
	struct sd_req req;
	struct sd_obj_args o, o2;
	struct sd_vdi_args v;

	for (int i = 0; i < 48; i++)
		buf[i] = (uint8_t)(0xA5 ^ (i * 37));
	CHECK_EQ(st, sd_req_decode(buf, 47, &req), SD_ERR_SHORT);
	CHECK_EQ(st, sd_req_decode(NULL, 48, &req), SD_ERR_SHORT);
	CHECK_EQ(st, sd_req_decode(buf, 48, &req), SD_OK);
	CHECK_EQ(st, req.flags, sd_le16(buf + 2));
	CHECK_EQ(st, req.data_length, sd_le32(buf + 12));
	sd_req_get_obj(&req, &o);
	CHECK_EQ(st, o.oid, sd_le64(buf + 16));
	CHECK_EQ(st, o.cow_oid, sd_le64(buf + 24));
	CHECK_EQ(st, o.copies, buf[32]);
	CHECK_EQ(st, o.tgt_epoch, sd_le32(buf + 36));
	CHECK_EQ(st, o.offset, sd_le32(buf + 40));
	CHECK_EQ(st, o.pad, sd_le32(buf + 44));
	memset(req.args, 0, sizeof(req.args));
	sd_req_set_obj(&req, &o);
	sd_req_encode(&req, out);
	CHECK(st, memcmp(buf, out, 48) == 0);
	sd_req_get_obj(&req, &o2);
	CHECK(st, memcmp(&o, &o2, sizeof(o)) == 0);

	sd_req_get_vdi(&req, &v);
	CHECK_EQ(st, v.vdi_size, sd_le64(buf + 16));
	CHECK_EQ(st, v.base_vdi_id, sd_le32(buf + 24));
	CHECK_EQ(st, v.store_policy, buf[30]);
	CHECK_EQ(st, v.block_size_shift, buf[31]);
	CHECK_EQ(st, v.snapid, sd_le32(buf + 32));
	CHECK_EQ(st, v.type, sd_le32(buf + 36));
	memset(req.args, 0, sizeof(req.args));
	sd_req_set_vdi(&req, &v);
	sd_req_encode(&req, out);
	CHECK(st, memcmp(buf, out, 48) == 0);

	struct sd_rsp rsp;
	struct sd_obj_rsp_args ro;
	CHECK_EQ(st, sd_rsp_decode(buf, 10, &rsp), SD_ERR_SHORT);
	CHECK_EQ(st, sd_rsp_decode(buf, 48, &rsp), SD_OK);
	CHECK_EQ(st, rsp.result, sd_le32(buf + 16));
	sd_rsp_get_obj(&rsp, &ro);
	CHECK_EQ(st, ro.copies, buf[20]);
	CHECK_EQ(st, ro.offset, sd_le64(buf + 24));
	sd_rsp_encode(&rsp, out);
	CHECK(st, memcmp(buf, out, 48) == 0);
}

static void test_builders(struct t_stats *st)
{
	struct sd_req req;
	struct sd_obj_args o;
	uint64_t cow = sd_data_oid(0xe2d588, 1);

	sd_req_create_obj(&req, sd_data_oid(0xe2d589, 1), cow, 4096, 8192, 2);
	sd_req_get_obj(&req, &o);
	CHECK_EQ(st, req.proto_ver, SD_PROTO_VER);
	CHECK_EQ(st, req.opcode, SD_OP_CREATE_AND_WRITE_OBJ);
	CHECK_EQ(st, req.flags, SD_FLAG_CMD_WRITE | SD_FLAG_CMD_COW);
	CHECK_EQ(st, req.data_length, 8192);
	CHECK_EQ(st, o.oid, 0x00e2d58900000001ull);
	CHECK_EQ(st, o.cow_oid, cow);
	CHECK_EQ(st, o.copies, 2);
	CHECK_EQ(st, o.offset, 4096);
	sd_req_create_obj(&req, sd_data_oid(0xe2d589, 1), 0, 0, 1, 0);
	CHECK_EQ(st, req.flags, SD_FLAG_CMD_WRITE);

	sd_req_write_obj(&req, sd_inode_oid(0x7c2b25), 4668, 4, 1);
	sd_req_get_obj(&req, &o);
	CHECK_EQ(st, req.opcode, SD_OP_WRITE_OBJ);
	CHECK_EQ(st, req.flags, SD_FLAG_CMD_WRITE);
	CHECK_EQ(st, o.oid, 0x807c2b2500000000ull);
	CHECK_EQ(st, o.offset, 4668);

	sd_req_discard_obj(&req, sd_data_oid(0x7c2b25, 63));
	sd_req_get_obj(&req, &o);
	CHECK_EQ(st, req.opcode, SD_OP_DISCARD_OBJ);
	CHECK_EQ(st, req.data_length, 0);
	CHECK_EQ(st, o.oid, 0x007c2b250000003full);

	sd_req_flush_vdi(&req, sd_inode_oid(1));
	CHECK_EQ(st, req.opcode, SD_OP_FLUSH_VDI);

	struct sd_vdi_args v;
	sd_req_release_vdi(&req, 0x1af0fe, 1);
	sd_req_get_vdi(&req, &v);
	CHECK_EQ(st, req.opcode, SD_OP_RELEASE_VDI);
	CHECK_EQ(st, req.flags, 0);
	CHECK_EQ(st, v.base_vdi_id, 0x1af0fe);
	CHECK_EQ(st, v.type, 1);

	sd_req_vdi_lookup(&req, SD_OP_LOCK_VDI, 3, 0);
	sd_req_get_vdi(&req, &v);
	CHECK_EQ(st, req.data_length, 512);
	CHECK_EQ(st, v.snapid, 3);

	sd_req_init(&req, SD_OP_CLUSTER_INFO, 0, 491568);
	CHECK_EQ(st, req.proto_ver, SD_SHEEP_PROTO_VER);
	CHECK_EQ(st, sd_proto_ver_for(0x7f), 2);
	CHECK_EQ(st, sd_proto_ver_for(0x80), 0x0a);

	uint8_t p[512];
	char longname[300];
	memset(longname, 'x', sizeof(longname));
	longname[255] = '\0';
	CHECK_EQ(st, sd_vdi_name_payload(p, longname, "before"), SD_OK);
	CHECK(st, p[254] == 'x' && p[255] == 0 && memcmp(p + 256, "before", 7) == 0 && p[511] == 0);
	longname[255] = 'x';
	longname[256] = '\0';
	CHECK_EQ(st, sd_vdi_name_payload(p, longname, NULL), SD_ERR_RANGE);
	CHECK_EQ(st, sd_vdi_name_payload(p, "a", longname), SD_ERR_RANGE);
	CHECK_EQ(st, sd_vdi_name_payload(p, NULL, NULL), SD_ERR_INVAL);

	/* response checks: opcode echo and a payload bounded by the request's buffer */
	struct sd_rsp rsp = { 0 };
	sd_req_read_obj(&req, sd_data_oid(1, 0), 0, 4096);
	rsp.opcode = SD_OP_READ_OBJ;
	rsp.data_length = 4096;
	CHECK_EQ(st, sd_rsp_check(&rsp, &req), SD_OK);
	rsp.data_length = 4097;
	CHECK_EQ(st, sd_rsp_check(&rsp, &req), SD_ERR_TOO_BIG);
	rsp.data_length = 0;
	rsp.opcode = SD_OP_WRITE_OBJ;
	CHECK_EQ(st, sd_rsp_check(&rsp, &req), SD_ERR_OPCODE);
}

static void test_oids(struct t_stats *st)
{
	CHECK_EQ(st, sd_inode_oid(0xe2d588), 0x80e2d58800000000ull);
	CHECK_EQ(st, sd_data_oid(0xe2d588, 1), 0x00e2d58800000001ull);
	CHECK_EQ(st, sd_attr_oid(0xe2d588, 0xbcd113b5), 0x20e2d588bcd113b5ull);
	CHECK_EQ(st, sd_btree_oid(0x4fd259, 7), 0x104fd25900000007ull);
	CHECK_EQ(st, sd_data_oid(0x1ffffff, 0), 0x00ffffff00000000ull); /* vid masked to 24 bits */
	CHECK_EQ(st, sd_oid_to_vid(0x20e2d588bcd113b5ull), 0xe2d588);
	CHECK_EQ(st, sd_oid_to_idx(0x20e2d588bcd113b5ull), 0xbcd113b5);
	CHECK(st, sd_is_data_oid(0x00e2d58800000001ull));
	CHECK(st, !sd_is_data_oid(0x80e2d58800000000ull));
	CHECK(st, !sd_is_data_oid(0x08e2d58800000001ull)); /* ledger */
	CHECK(st, sd_is_inode_oid(0x80e2d58800000000ull));
	CHECK(st, sd_is_btree_oid(0x104fd25900000007ull));
	CHECK(st, !sd_is_btree_oid(0x004fd25900000007ull));
	CHECK(st, sd_is_attr_oid(0x20e2d588bcd113b5ull));
	CHECK_EQ(st, sd_object_size(22), 4u << 20);
	CHECK_EQ(st, sd_object_size(20), 1u << 20);
	CHECK_EQ(st, sd_object_size(31), 1ull << 31);
	CHECK_EQ(st, sd_object_size(19), 0);
	CHECK_EQ(st, sd_object_size(32), 0);
	CHECK_EQ(st, sd_oid_object_size(sd_inode_oid(5), 20), 12587576);
	CHECK_EQ(st, sd_oid_object_size(sd_attr_oid(5, 9), 20), 66320);
	CHECK_EQ(st, sd_oid_object_size(sd_btree_oid(5, 9), 20), 4194304);
	CHECK_EQ(st, sd_oid_object_size(sd_data_oid(5, 9), 20), 1048576);
	CHECK_EQ(st, sd_oid_object_size(sd_data_oid(5, 9), 0), 0);
	/* vids of freshly created names in the corpus (the hash was free) */
	CHECK_EQ(st, sd_name_hash_vid("test", 4), 0x7c2b25);
	CHECK_EQ(st, sd_name_hash_vid("big", 3), 0x4fd259);
	CHECK_EQ(st, sd_name_hash_vid("dup", 3), 0x346d26);
	CHECK_EQ(st, sd_name_hash_vid("rec1", 4), 0xe2d588);
	CHECK_EQ(st, sd_name_hash_vid("small-objs", 10), 0x96a911);

	uint8_t b[8];
	sd_put64(b, 0x0102030405060708ull);
	CHECK(st, b[0] == 8 && b[7] == 1);
	CHECK_EQ(st, sd_le64(b), 0x0102030405060708ull);
	sd_put16(b, 0xfffe);
	CHECK_EQ(st, sd_le16(b), 0xfffe);
	sd_put32(b, 0x80000001u);
	CHECK_EQ(st, sd_le32(b), 0x80000001u);
}

static void test_results(struct t_stats *st)
{
	char buf[32];
	CHECK(st, strcmp(sd_result_str(SD_RES_SUCCESS), "Success") == 0);
	CHECK(st, strcmp(sd_result_str(SD_RES_NO_OBJ), "No object found") == 0);
	CHECK(st, strcmp(sd_result_str(SD_RES_READONLY), "Object is read-only") == 0);
	CHECK(st, strcmp(sd_result_str(SD_RES_WAIT_FOR_FORMAT), "Waiting for cluster to be formatted") == 0);
	CHECK(st, strcmp(sd_result_str(SD_RES_INVALID_VNODES_STRATEGY), "Invalid cluster vnodes strategy") == 0);
	CHECK(st, sd_result_str(SD_RES_VDI_NOT_EMPTY) == NULL);
	CHECK(st, strcmp(sd_result_format(SD_RES_VDI_NOT_EMPTY, buf, sizeof(buf)), "Invalid error code 92") == 0);
	CHECK(st, strcmp(sd_result_format(0x1234abcd, buf, sizeof(buf)), "Invalid error code 1234abcd") == 0);
	CHECK(st, strcmp(sd_result_format(SD_RES_NO_TAG, buf, sizeof(buf)), "Failed to find requested tag") == 0);
	CHECK(st, strcmp(sd_result_name(SD_RES_VER_MISMATCH), "VER_MISMATCH") == 0);
	CHECK(st, sd_result_name(0x70) == NULL);

	CHECK_EQ(st, sd_result_errno(SD_RES_SUCCESS), 0);
	CHECK_EQ(st, sd_result_errno(SD_RES_EIO), EIO);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_OBJ), ENOENT);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_VDI), ENOENT);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_TAG), ENOENT);
	CHECK_EQ(st, sd_result_errno(SD_RES_READONLY), EROFS);
	CHECK_EQ(st, sd_result_errno(SD_RES_VDI_LOCKED), EBUSY);
	CHECK_EQ(st, sd_result_errno(SD_RES_INVALID_PARMS), EINVAL);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_SPACE), ENOSPC);
	CHECK_EQ(st, sd_result_errno(SD_RES_FULL_VDI), ENOSPC);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_MEM), ENOMEM);
	CHECK_EQ(st, sd_result_errno(SD_RES_VDI_EXIST), EEXIST);
	CHECK_EQ(st, sd_result_errno(SD_RES_AGAIN), EAGAIN);
	CHECK_EQ(st, sd_result_errno(SD_RES_WAIT_FOR_JOIN), EAGAIN);
	CHECK_EQ(st, sd_result_errno(SD_RES_INODE_INVALIDATED), ESTALE);
	CHECK_EQ(st, sd_result_errno(SD_RES_NO_SUPPORT), EOPNOTSUPP);
	CHECK_EQ(st, sd_result_errno(SD_RES_VER_MISMATCH), EIO);
	CHECK_EQ(st, sd_result_errno(SD_RES_HALT), EIO);
	CHECK_EQ(st, sd_result_errno(0x70), EIO);
	/* every named result has a name and a non-negative errno; only SUCCESS maps to 0 */
	for (uint32_t r = 0; r < 0x100; r++)
		if (sd_result_name(r))
			CHECK(st, (sd_result_errno(r) == 0) == (r == SD_RES_SUCCESS));

	CHECK(st, strcmp(sd_opcode_name(SD_OP_READ_OBJ), "READ_OBJ") == 0);
	CHECK(st, sd_opcode_name(0x70) == NULL);
	CHECK(st, strcmp(sd_err_str(SD_ERR_SHORT), "input too short") == 0);
}

int main(void)
{
	struct t_stats st = { 0 };
	test_worked_examples(&st);
	test_header_roundtrip(&st);
	test_builders(&st);
	test_oids(&st);
	test_results(&st);
	return t_summary("test_proto", &st);
}
