/*
 * NativeCodec's natives: the C codec (sd_proto, sd_inode) exposed to Java so that tests can feed
 * the recorded traffic to both codecs and compare them field by field. A library of its own
 * (libsheepfs_codec_test.so), loaded only by that test: the production shim has no use for it. Every call copies its
 * input out of the Java array (GetByteArrayRegion), so C never holds a pointer into the heap,
 * and every result is a fresh array; errors are reported as a negative sd_err in element 0 (or
 * in the element of the failing lookup), never as a crash.
 */
#include <stdlib.h>
#include <string.h>

#include <jni.h>

#include "sd_inode.h"
#include "sd_proto.h"

#define CODEC_CLASS "io/sheepfs/nativeio/NativeCodec"
#define REQ_FIELDS 26
#define RSP_FIELDS 15
#define INODE_FIELDS 14
#define MAX_NODES 64

static void throw_npe(JNIEnv *env, const char *what)
{
	jclass c = (*env)->FindClass(env, "java/lang/NullPointerException");
	if (c != NULL)
		(*env)->ThrowNew(env, c, what);
}

/* Copies a Java byte[] into a fresh malloc'd buffer; NULL (with an exception pending) on failure. */
static uint8_t *copy_in(JNIEnv *env, jbyteArray a, size_t *len)
{
	if (a == NULL) {
		throw_npe(env, "byte array");
		return NULL;
	}
	jsize n = (*env)->GetArrayLength(env, a);
	uint8_t *b = malloc(n ? (size_t)n : 1);
	if (b == NULL) {
		jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
		if (c != NULL)
			(*env)->ThrowNew(env, c, "native copy");
		return NULL;
	}
	(*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)b);
	*len = (size_t)n;
	return b;
}

static jlongArray longs_out(JNIEnv *env, const jlong *v, jsize n)
{
	jlongArray a = (*env)->NewLongArray(env, n);
	if (a != NULL)
		(*env)->SetLongArrayRegion(env, a, 0, n, v);
	return a;
}

static jlongArray decode_request(JNIEnv *env, jclass cls, jbyteArray h)
{
	(void)cls;
	size_t len;
	uint8_t *b = copy_in(env, h, &len);
	if (b == NULL)
		return NULL;
	jlong f[REQ_FIELDS] = { 0 };
	struct sd_req r;
	f[0] = sd_req_decode(b, len, &r);
	free(b);
	if (f[0] == SD_OK) {
		struct sd_obj_args o;
		struct sd_vdi_args v;
		sd_req_get_obj(&r, &o);
		sd_req_get_vdi(&r, &v);
		jlong vals[] = { r.proto_ver, r.opcode, r.flags, r.epoch, r.id, r.data_length,
				 (jlong)o.oid, (jlong)o.cow_oid, o.copies, o.copy_policy, o.ec_index, o.reserved,
				 o.tgt_epoch, o.offset, o.pad,
				 (jlong)v.vdi_size, v.base_vdi_id, v.copies, v.copy_policy, v.store_policy,
				 v.block_size_shift, v.snapid, v.type, v.pad[0], v.pad[1] };
		memcpy(f + 1, vals, sizeof(vals));
	}
	return longs_out(env, f, REQ_FIELDS);
}

/* Inverse of decode_request: header fields plus one union variant (0 obj, 1 vdi, else zeros). */
static jbyteArray encode_request(JNIEnv *env, jclass cls, jlongArray fields, jint variant)
{
	(void)cls;
	if (fields == NULL) {
		throw_npe(env, "fields");
		return NULL;
	}
	jlong f[REQ_FIELDS] = { 0 };
	jsize n = (*env)->GetArrayLength(env, fields);
	(*env)->GetLongArrayRegion(env, fields, 0, n < REQ_FIELDS ? n : REQ_FIELDS, f);
	struct sd_req r;
	sd_req_init(&r, (uint8_t)f[2], (uint16_t)f[3], (uint32_t)f[6]);
	r.proto_ver = (uint8_t)f[1];
	r.epoch = (uint32_t)f[4];
	r.id = (uint32_t)f[5];
	if (variant == 0) {
		struct sd_obj_args o = { (uint64_t)f[7], (uint64_t)f[8], (uint8_t)f[9], (uint8_t)f[10],
					 (uint8_t)f[11], (uint8_t)f[12], (uint32_t)f[13], (uint32_t)f[14],
					 (uint32_t)f[15] };
		sd_req_set_obj(&r, &o);
	} else if (variant == 1) {
		struct sd_vdi_args v = { (uint64_t)f[16], (uint32_t)f[17], (uint8_t)f[18], (uint8_t)f[19],
					 (uint8_t)f[20], (uint8_t)f[21], (uint32_t)f[22], (uint32_t)f[23],
					 { (uint32_t)f[24], (uint32_t)f[25] } };
		sd_req_set_vdi(&r, &v);
	}
	uint8_t out[SD_HEADER_SIZE];
	sd_req_encode(&r, out);
	jbyteArray a = (*env)->NewByteArray(env, SD_HEADER_SIZE);
	if (a != NULL)
		(*env)->SetByteArrayRegion(env, a, 0, SD_HEADER_SIZE, (const jbyte *)out);
	return a;
}

static jlongArray decode_response(JNIEnv *env, jclass cls, jbyteArray h)
{
	(void)cls;
	size_t len;
	uint8_t *b = copy_in(env, h, &len);
	if (b == NULL)
		return NULL;
	jlong f[RSP_FIELDS] = { 0 };
	struct sd_rsp r;
	f[0] = sd_rsp_decode(b, len, &r);
	free(b);
	if (f[0] == SD_OK) {
		struct sd_obj_rsp_args o;
		struct sd_vdi_rsp_args v;
		sd_rsp_get_obj(&r, &o);
		sd_rsp_get_vdi(&r, &v);
		jlong vals[] = { r.proto_ver, r.opcode, r.flags, r.epoch, r.id, r.data_length, r.result,
				 o.copies, (jlong)o.offset, v.rsvd, v.vdi_id, v.attr_id, v.copies, v.block_size_shift };
		memcpy(f + 1, vals, sizeof(vals));
	}
	return longs_out(env, f, RSP_FIELDS);
}

static jstring result_message(JNIEnv *env, jclass cls, jint result)
{
	(void)cls;
	char buf[40];
	return (*env)->NewStringUTF(env, sd_result_format((uint32_t)result, buf, sizeof(buf)));
}

static jint result_errno(JNIEnv *env, jclass cls, jint result)
{
	(void)env;
	(void)cls;
	return sd_result_errno((uint32_t)result);
}

static jint name_hash_vid(JNIEnv *env, jclass cls, jbyteArray name)
{
	(void)cls;
	size_t len;
	uint8_t *b = copy_in(env, name, &len);
	if (b == NULL)
		return 0;
	uint32_t v = sd_name_hash_vid((const char *)b, len);
	free(b);
	return (jint)v;
}

static jlong object_size(JNIEnv *env, jclass cls, jlong oid, jint bss)
{
	(void)env;
	(void)cls;
	return (jlong)sd_oid_object_size((uint64_t)oid, (unsigned)bss);
}

static jlongArray decode_inode_header(JNIEnv *env, jclass cls, jbyteArray inode)
{
	(void)cls;
	size_t len;
	uint8_t *b = copy_in(env, inode, &len);
	if (b == NULL)
		return NULL;
	jlong f[INODE_FIELDS] = { 0 };
	struct sd_inode_hdr h;
	f[0] = sd_inode_hdr_decode(b, len, &h);
	if (f[0] == SD_OK) {
		jlong vals[] = { (jlong)h.create_time, (jlong)h.snap_ctime, (jlong)h.vdi_size, h.copy_policy,
				 h.store_policy, h.nr_copies, h.block_size_shift, h.snap_id, h.vdi_id,
				 h.parent_vdi_id, h.btree_counter, sd_inode_meta_size(b, len),
				 (jlong)sd_inode_nr_objs(&h) };
		memcpy(f + 1, vals, sizeof(vals));
	}
	free(b);
	return longs_out(env, f, INODE_FIELDS);
}

/* B-tree nodes handed in from Java for depth-2 lookups. */
struct node_set {
	unsigned n;
	uint64_t oid[MAX_NODES];
	uint8_t *buf[MAX_NODES];
	size_t len[MAX_NODES];
};

static int node_get(void *arg, uint64_t oid, uint8_t **node, size_t *len)
{
	struct node_set *s = arg;
	for (unsigned i = 0; i < s->n; i++)
		if (s->oid[i] == oid) {
			*node = s->buf[i];
			*len = s->len[i];
			return 0;
		}
	return -1;
}

static void nodes_free(struct node_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->buf[i]);
	s->n = 0;
}

/* Copies up to MAX_NODES (oid, bytes) pairs; 0, or -1 with an exception pending. */
static int nodes_in(JNIEnv *env, jlongArray oids, jobjectArray nodes, struct node_set *s)
{
	s->n = 0;
	if (oids == NULL || nodes == NULL)
		return 0;
	jsize n = (*env)->GetArrayLength(env, oids);
	if (n != (*env)->GetArrayLength(env, nodes) || n > MAX_NODES) {
		jclass c = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
		if (c != NULL)
			(*env)->ThrowNew(env, c, "node oids and node arrays differ in length or exceed 64");
		return -1;
	}
	jlong o[MAX_NODES];
	(*env)->GetLongArrayRegion(env, oids, 0, n, o);
	for (jsize i = 0; i < n; i++) {
		jbyteArray a = (jbyteArray)(*env)->GetObjectArrayElement(env, nodes, i);
		if (a == NULL && (*env)->ExceptionCheck(env))
			return -1;
		size_t len;
		uint8_t *b = copy_in(env, a, &len);
		(*env)->DeleteLocalRef(env, a);
		if (b == NULL)
			return -1;
		s->oid[s->n] = (uint64_t)o[i];
		s->buf[s->n] = b;
		s->len[s->n++] = len;
	}
	return 0;
}

/* vids for each idx (negative sd_err where a lookup fails). */
static jlongArray inode_lookup(JNIEnv *env, jclass cls, jbyteArray inode, jlongArray idx, jlongArray oids,
			       jobjectArray nodes)
{
	(void)cls;
	if (idx == NULL) {
		throw_npe(env, "idx");
		return NULL;
	}
	size_t len;
	struct node_set set;
	if (nodes_in(env, oids, nodes, &set) != 0) {
		nodes_free(&set);
		return NULL;
	}
	uint8_t *b = copy_in(env, inode, &len);
	if (b == NULL) { /* exception pending: no further JNI calls */
		nodes_free(&set);
		return NULL;
	}
	jsize n = (*env)->GetArrayLength(env, idx);
	jlong *v = malloc(sizeof(jlong) * (n ? (size_t)n : 1));
	jlongArray out = NULL;
	if (v != NULL) {
		(*env)->GetLongArrayRegion(env, idx, 0, n, v);
		struct sd_btree_io io = { &set, node_get, NULL };
		const struct sd_btree_io *iop = oids != NULL ? &io : NULL; /* no nodes given: SD_ERR_INVAL */
		for (jsize i = 0; i < n; i++) {
			uint32_t vid = 0;
			int r = v[i] < 0 || v[i] > UINT32_MAX ? SD_ERR_RANGE
							     : sd_inode_lookup(b, len, (uint32_t)v[i], iop, &vid);
			v[i] = r == SD_OK ? (jlong)vid : r;
		}
		out = longs_out(env, v, n);
	}
	free(v);
	free(b);
	nodes_free(&set);
	return out;
}

static const JNINativeMethod codec_methods[] = {
	{ "decodeRequestHeader", "([B)[J", (void *)decode_request },
	{ "encodeRequestHeader", "([JI)[B", (void *)encode_request },
	{ "decodeResponseHeader", "([B)[J", (void *)decode_response },
	{ "resultMessage", "(I)Ljava/lang/String;", (void *)result_message },
	{ "resultErrno", "(I)I", (void *)result_errno },
	{ "nameHashVid", "([B)I", (void *)name_hash_vid },
	{ "objectSize", "(JI)J", (void *)object_size },
	{ "decodeInodeHeader", "([B)[J", (void *)decode_inode_header },
	{ "inodeLookup", "([B[J[J[[B)[J", (void *)inode_lookup },
};

/* NativeCodec loads this library from its static initializer: the class is found through the
 * test's class loader, the one that called System.load. */
__attribute__((visibility("default"))) JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return JNI_ERR;
	jclass cls = (*env)->FindClass(env, CODEC_CLASS);
	if (cls == NULL)
		return JNI_ERR;
	jint r = (*env)->RegisterNatives(env, cls, codec_methods, sizeof(codec_methods) / sizeof(codec_methods[0]));
	(*env)->DeleteLocalRef(env, cls);
	return r == 0 ? JNI_VERSION_1_8 : JNI_ERR;
}
