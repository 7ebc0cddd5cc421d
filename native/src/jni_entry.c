/* JNI entry: JNI_OnLoad registers every native method from one table (no symbol-name lookup). */
#include <jni.h>
#include <fuse_lowlevel.h>
#include "jni_fuse.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define NATIVE_CLASS "io/sheepfs/nativeio/SheepfsNative"

static jstring native_version(JNIEnv *env, jclass cls)
{
	(void)cls;
	return (*env)->NewStringUTF(env, "sheepfs-native (libfuse " STR(FUSE_MAJOR_VERSION) "." STR(FUSE_MINOR_VERSION) ")");
}

static const JNINativeMethod methods[] = {
	{ "version", "()Ljava/lang/String;", (void *)native_version },
};

__attribute__((visibility("default"))) JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return JNI_ERR;
	jclass cls = (*env)->FindClass(env, NATIVE_CLASS);
	if (cls == NULL)
		return JNI_ERR;
	if ((*env)->RegisterNatives(env, cls, methods, sizeof(methods) / sizeof(methods[0])) != 0)
		return JNI_ERR;
	(*env)->DeleteLocalRef(env, cls);
	/* one registration function per concern (the codec's natives are a test's: native/test) */
	if (sfs_register_fuse_natives(env) != 0)
		return JNI_ERR;
	return JNI_VERSION_1_8;
}
