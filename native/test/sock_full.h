/* Whole reads and writes on a blocking socket, for the test peers (fake_sheep.c, loop_peer.c).
 * MSG_NOSIGNAL: a peer writing to a connection its client dropped gets EPIPE, not SIGPIPE. */
#ifndef SHEEPFS_SOCK_FULL_H
#define SHEEPFS_SOCK_FULL_H
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Reads exactly len bytes; -1 on EOF or error. */
static inline int read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Writes exactly len bytes; -1 on error. */
static inline int send_full(int fd, const void *buf, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = send(fd, (const char *)buf + put, len - put, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

#endif
