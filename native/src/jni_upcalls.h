/* The JNI side of the upcalls (jni_upcalls.c): the callbacks object and its method ids, made and
 * freed by jni_fuse.c around a session. */
#ifndef SHEEPFS_JNI_UPCALLS_H
#define SHEEPFS_JNI_UPCALLS_H
#include <jni.h>

struct sfs_upcalls;

/* NULL (no exception pending) if FsCallbacks lacks a method or memory ran out. */
struct sfs_upcalls *sfs_upcalls_create(JNIEnv *env, jobject callbacks);
/* Once no upcall can run any more (the session is destroyed). */
void sfs_upcalls_destroy(JNIEnv *env, struct sfs_upcalls *up);

#endif
