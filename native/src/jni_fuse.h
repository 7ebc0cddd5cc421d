/* Registration of FuseSession's natives (jni_fuse.c), called from JNI_OnLoad. */
#ifndef SHEEPFS_JNI_FUSE_H
#define SHEEPFS_JNI_FUSE_H
#include <jni.h>
int sfs_register_fuse_natives(JNIEnv *env);
#endif
