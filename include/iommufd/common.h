/* SPDX-License-Identifier: MIT */
/*
 * iommufd/common.h - what every libiommufd object family shares: the export
 * macro, the options-struct convention, error strings and the library version.
 */
#ifndef IOMMUFD_COMMON_H
#define IOMMUFD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/version.h>

/**
 * @defgroup common Conventions, errors and options
 *
 * Conventions of the whole API.
 *
 * - Functions are named `iommufd_<object>_<verb>()` after the naming table
 *   of doc/design.md: objects are opaque handles made by `_create()` (the
 *   IOAS and the event loop, which the program fills), `_alloc()` (kernel
 *   objects built from driver data), `_bind()` (devices) or `_adopt()` (an
 *   id made elsewhere), and released by `_destroy()`, `_unbind()` or
 *   iommufd_ctx_close(). Calls take handles; a parameter that accepts an
 *   IOAS or a HWPT takes a `struct iommufd_pt` view of either.
 * - Every function that can fail returns 0 (or a non-negative value) on
 *   success and a **negative errno** on failure. It also leaves the positive
 *   value in `errno`, so both `if (ret < 0) ... -ret` and
 *   `if (ret < 0) perror(...)` work. On success `errno` is left untouched.
 *   Errors of the kernel are passed through unchanged; the library adds
 *   -EINVAL for arguments it can reject without asking the kernel (NULL
 *   handles or pointers, zero lengths, handles of different contexts),
 *   -EOVERFLOW for address ranges that wrap around, -EOPNOTSUPP for unknown
 *   flags and -E2BIG for options structs carrying non-zero fields this
 *   version does not know. iommufd_last_error() says, per thread, which
 *   call failed and why: which argument check of the library, or which
 *   ioctl of the kernel with its meaning there.
 * - The library never prints, never exits and never raises signals, except
 *   in the opt-in handle check: with `IOMMUFD_DEBUG=handles` in the
 *   environment when the library is loaded, every call checks the handles
 *   it is given and aborts with a message on stderr that names the call, the
 *   argument and the mistake (use after destroy or close, double destroy,
 *   close or unbind, a pointer that is no handle). Released handles are then
 *   kept in a quarantine (the last 16384) instead of being freed, so the
 *   check can read their poisoned magic word. Off, it costs one test of a
 *   global flag per call.
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
 * Declares an options struct of type `struct TYPE` named @p NAME and
 * initialises it: `sz` is the size this program was compiled with, the
 * designated initialisers given after the name are applied, every other
 * field is zero. A plain declaration with designated initialisers (no
 * statement expression), so it is ISO C11 (`-std=c11 -pedantic` is clean)
 * and compiles as C++ where designated initialisers do (C++20, and g++ and
 * clang++ in C++11 to C++17 modes without `-pedantic`); C++ initialisers
 * must come in the order of the struct's fields. Every options struct names
 * all its bytes (no padding), so the whole struct is defined, as the library
 * requires.
 *
 * @code
 * IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA);
 * IOMMUFD_OPTS(iommufd_ioas_map_opts, defaults);
 * @endcode
 */
#define IOMMUFD_OPTS(TYPE, ...) IOMMUFD_OPTS_DECLARE_(TYPE, __VA_ARGS__, )

/** @cond INTERNAL */
/*
 * The name and the initialisers as one variadic argument list, padded with an
 * empty argument above, so that IOMMUFD_OPTS(TYPE, NAME) passes at least one
 * argument for the "..." (ISO C99/C11 require one). g++ and clang++ warn
 * about the fields a designated initialiser leaves out (-Wextra), which C
 * compilers do not: in C++ the declaration is wrapped in pragmas that turn
 * that one warning off (the caller's ';' is then an empty statement).
 */
#ifdef __cplusplus
#define IOMMUFD_OPTS_DECLARE_(TYPE, NAME, ...)                                              \
	_Pragma("GCC diagnostic push")                                                      \
	_Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")                  \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ };                      \
	_Pragma("GCC diagnostic pop")
#else
#define IOMMUFD_OPTS_DECLARE_(TYPE, NAME, ...)                                              \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }
#endif
/** @endcond */

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

/** Where the last failure of a thread came from (iommufd_last_error_origin()). */
enum iommufd_error_origin {
	/** No libiommufd call of this thread has failed yet. */
	IOMMUFD_ERROR_NONE = 0,
	/**
	 * The library: one of its argument checks refused the call before any
	 * ioctl (a NULL handle, a zero length, a handle of another context, an
	 * unknown flag), or its own work failed (memory, a system call).
	 */
	IOMMUFD_ERROR_LIBRARY = 1,
	/** The kernel: an iommufd or VFIO ioctl failed with this errno. */
	IOMMUFD_ERROR_KERNEL = 2,
};

/**
 * Says what the last failing libiommufd call of the calling thread did
 * wrong: the function, whether the library's own checks or the kernel
 * refused, and which check or which ioctl, in words. For example
 *
 * - `iommufd_ioas_map: EINVAL from the library's argument check (the kernel
 *   was not asked): buf is NULL or 0`
 * - `iommufd_ioas_map: the kernel failed IOMMU_IOAS_MAP with EEXIST: the
 *   fixed IOVA range is already mapped`
 *
 * Every function that returns a negative errno records its failure; calls
 * that succeed leave the record alone (like errno). Each thread has its own.
 *
 * @return a NUL-terminated string, valid until this thread's next failing
 *         libiommufd call; "" if no call of this thread has failed
 */
LIBIOMMUFD_API const char *iommufd_last_error(void);

/**
 * Where the last failure of the calling thread came from: the library's
 * checks or the kernel (see iommufd_last_error()), so that a program can
 * tell the library's -EINVAL from the kernel's.
 *
 * @return enum iommufd_error_origin; IOMMUFD_ERROR_NONE before any failure
 */
LIBIOMMUFD_API enum iommufd_error_origin iommufd_last_error_origin(void);

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
 * @return a static string such as "1.0.0", never NULL
 */
LIBIOMMUFD_API const char *iommufd_version(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* IOMMUFD_COMMON_H */
