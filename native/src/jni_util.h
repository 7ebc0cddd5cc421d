/* Scoped JNI local references: every upcall runs inside its own local frame, so each local
 * reference it creates has exactly one release point (the end of the block), even on native
 * threads that stay attached for their whole life and would otherwise accumulate references. */
#ifndef SHEEPFS_JNI_UTIL_H
#define SHEEPFS_JNI_UTIL_H
#include <jni.h>

/* SFS_LOCAL_FRAME(env, n) { ... } runs the block inside PushLocalFrame/PopLocalFrame; if the
 * frame cannot be pushed (out of memory) the block is skipped and the pending OOM cleared, so
 * callers initialise their result to an error first. No return/break/goto out of the block. */
static inline int sfs_frame_push(JNIEnv *env, jint n)
{
	if ((*env)->PushLocalFrame(env, n) == 0)
		return 1;
	(*env)->ExceptionClear(env);
	return 0;
}
#define SFS_LOCAL_FRAME(env, n) \
	for (int sfs_frame_ = sfs_frame_push((env), (n)); sfs_frame_; \
	     sfs_frame_ = 0, (void)(*(env))->PopLocalFrame((env), NULL))

#endif
