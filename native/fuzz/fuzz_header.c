/* libFuzzer: any 48 bytes decode as request and response headers, and decode -> encode and
 * typed variant get -> set are lossless; shorter inputs are rejected as SD_ERR_SHORT. */
#include <stdlib.h>
#include <string.h>

#include "sd_proto.h"

#define REQUIRE(c)                       \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_req req, copy;
	struct sd_rsp rsp;
	uint8_t out[SD_HEADER_SIZE];
	char buf[32];

	/* exact-size heap copy so that ASan sees any read past the input */
	uint8_t *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	int r = sd_req_decode(in, size, &req);
	REQUIRE((r == SD_OK) == (size >= SD_HEADER_SIZE));
	REQUIRE(sd_rsp_decode(in, size, &rsp) == r);
	if (r == SD_OK) {
		sd_req_encode(&req, out);
		REQUIRE(memcmp(out, in, SD_HEADER_SIZE) == 0);
		sd_rsp_encode(&rsp, out);
		REQUIRE(memcmp(out, in, SD_HEADER_SIZE) == 0);

		struct sd_obj_args o;
		copy = req;
		memset(copy.args, 0, sizeof(copy.args));
		sd_req_get_obj(&req, &o);
		sd_req_set_obj(&copy, &o);
		REQUIRE(memcmp(copy.args, req.args, sizeof(req.args)) == 0);
		struct sd_vdi_args v;
		memset(copy.args, 0, sizeof(copy.args));
		sd_req_get_vdi(&req, &v);
		sd_req_set_vdi(&copy, &v);
		REQUIRE(memcmp(copy.args, req.args, sizeof(req.args)) == 0);

		struct sd_obj_rsp_args ro;
		struct sd_vdi_rsp_args rv;
		sd_rsp_get_obj(&rsp, &ro);
		sd_rsp_get_vdi(&rsp, &rv);
		REQUIRE(rv.vdi_id == sd_le32(in + 24) && ro.offset == sd_le64(in + 24));

		/* a response is checked against a request: a larger data_length must be refused */
		int c = sd_rsp_check(&rsp, &req);
		REQUIRE(c == SD_OK || c == SD_ERR_OPCODE || c == SD_ERR_TOO_BIG);
		REQUIRE(c != SD_OK || rsp.data_length <= req.data_length);

		const char *s = sd_result_format(rsp.result, buf, sizeof(buf));
		REQUIRE(s != NULL && strlen(s) > 0);
		int e = sd_result_errno(rsp.result);
		REQUIRE(e >= 0 && (e == 0) == (rsp.result == SD_RES_SUCCESS));
		(void)sd_opcode_name(req.opcode);
		(void)sd_oid_object_size(o.oid, in[31]);
	}
	free(in);
	return 0;
}
