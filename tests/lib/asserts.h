/* SPDX-License-Identifier: MIT */
/*
 * asserts.h - cmocka assertions the library test suites share (helpers.h and
 * internal-helpers.h include it). Include <cmocka.h> first.
 */
#ifndef LIBIOMMUFD_TESTS_ASSERTS_H
#define LIBIOMMUFD_TESTS_ASSERTS_H

#include <errno.h>

/*
 * @call returns -@err and leaves errno == @err: the library's contract on
 * every failure (errno is cleared first, so a stale value cannot pass).
 */
#define assert_errno(err, call)                                                             \
	do {                                                                                \
		errno = 0;                                                                  \
		assert_int_equal(-(err), (call));                                           \
		assert_int_equal((err), errno);                                             \
	} while (0)

#endif /* LIBIOMMUFD_TESTS_ASSERTS_H */
