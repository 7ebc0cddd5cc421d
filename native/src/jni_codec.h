/* Registration of NativeCodec's natives (jni_codec.c), called from JNI_OnLoad. */
#ifndef SHEEPFS_JNI_CODEC_H
#define SHEEPFS_JNI_CODEC_H
#include <jni.h>
int sfs_register_codec_natives(JNIEnv *env);
#endif
