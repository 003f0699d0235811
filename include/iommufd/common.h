/* SPDX-License-Identifier: MIT */
/*
 * iommufd/common.h - what every libiommufd object family shares: the export
 * macro, the options-struct convention, error strings and the library version.
 */
#ifndef IOMMUFD_COMMON_H
#define IOMMUFD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <iommufd/version.h>

/**
 * @defgroup common Conventions, errors and options
 *
 * Conventions of the whole API.
 *
 * - Objects are opaque handles created by `iommufd_<object>_create()` (or
 *   adopted from an existing kernel object id) and released by
 *   `iommufd_<object>_destroy()` / `iommufd_ctx_close()`.
 * - Every function that can fail returns 0 (or a non-negative value) on
 *   success and a **negative errno** on failure. It also leaves the positive
 *   value in `errno`, so both `if (ret < 0) ... -ret` and
 *   `if (ret < 0) perror(...)` work. On success `errno` is left untouched.
 *   Errors of the kernel are passed through unchanged; the library adds
 *   -EINVAL for arguments it can reject without asking the kernel (NULL
 *   handles or pointers, zero lengths, handles of different contexts),
 *   -EOVERFLOW for address ranges that wrap around, -EOPNOTSUPP for unknown
 *   flags and -E2BIG for options structs carrying non-zero fields this
 *   version does not know.
 * - The library never prints, never exits and never raises signals.
 * - Extensible arguments are passed in options structs whose first field is
 *   `size_t sz`, the size of the struct the caller was compiled with (see
 *   @ref IOMMUFD_OPTS). A NULL options pointer means "all defaults".
 *
 * @{
 */

/*
 * Marks a symbol exported from libiommufd.so (not a documentation comment:
 * Doxygen defines the macro away and would give this text to the next
 * entry). The library is built with
 * -fvisibility=hidden, so only declarations carrying this macro are visible.
 */
#ifndef LIBIOMMUFD_API
#define LIBIOMMUFD_API __attribute__((visibility("default")))
#endif

/**
 * Declares and initialises an options struct of type `struct TYPE` named
 * @p NAME. Every byte is zeroed (padding included, which the library checks),
 * `sz` is set to the size this program was compiled with, and the designated
 * initialisers given after the name are applied. For C; C++ callers
 * value-initialise the struct and set `sz` themselves.
 *
 * @code
 * IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
 * @endcode
 */
#define IOMMUFD_OPTS(TYPE, NAME, ...)                                                       \
	struct TYPE NAME = ({                                                               \
		memset(&NAME, 0, sizeof(struct TYPE));                                      \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };                    \
	})

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Describes an error code of this library with the meaning it has for
 * iommufd, e.g. EBUSY as "the object is still in use". Unknown codes get
 * the C library's description.
 *
 * @param err an error code, negative (as returned) or positive (as in errno)
 * @return a static, NUL-terminated string; never NULL, never to be freed
 */
LIBIOMMUFD_API const char *iommufd_strerror(int err);

/** @} */

/**
 * @defgroup version Library version
 *
 * The version of the headers a program was built with is in the macros of
 * iommufd/version.h; iommufd_version() tells the version of the library that
 * is actually loaded.
 *
 * @{
 */

/**
 * The version of the loaded library.
 *
 * @return a static string such as "0.1.0", never NULL
 */
LIBIOMMUFD_API const char *iommufd_version(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_COMMON_H */
