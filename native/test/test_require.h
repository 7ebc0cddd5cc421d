/* A fatal check for the threaded C tests (pool, bufpool): going on after a failure would only
 * hang on a peer or a waiter, so report the line and exit. */
#ifndef SHEEPFS_TEST_REQUIRE_H
#define SHEEPFS_TEST_REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			exit(1);                                                      \
		}                                                                     \
	} while (0)

#endif
