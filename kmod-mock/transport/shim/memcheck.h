/* SPDX-License-Identifier: MIT */
/*
 * memcheck.h - telling valgrind's memcheck about memory the shim's daemon
 * wrote. A write from another process (process_vm_writev), or one this
 * process makes through the kernel on itself, is invisible to memcheck, which
 * would call every result of a mock ioctl or read() uninitialised. Without
 * valgrind's header the marks compile to nothing; outside valgrind they cost
 * a few instructions.
 */
#ifndef KMOD_MOCK_SHIM_MEMCHECK_H
#define KMOD_MOCK_SHIM_MEMCHECK_H

#include <stddef.h>

/* -DSHIM_NO_MEMCHECK: no marks (to see what memcheck reports without them). */
#if defined(__has_include) && !defined(SHIM_NO_MEMCHECK)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define SHIM_HAVE_MEMCHECK 1
#endif
#endif

/* [p, p + len) holds what a kernel wrote: defined, where it is addressable at all. */
static inline void shim_mark_defined(const void *p, size_t len)
{
#ifdef SHIM_HAVE_MEMCHECK
	(void)VALGRIND_MAKE_MEM_DEFINED_IF_ADDRESSABLE(p, len);
#else
	(void)p;
	(void)len;
#endif
}

#endif /* KMOD_MOCK_SHIM_MEMCHECK_H */
