/* SPDX-License-Identifier: MIT */
/*
 * arena.h - what the mock-core fuzz harnesses add to the in-process harness
 * (tests/harness/harness.h): the "user memory" they let the core touch, an
 * arena fenced by a large PROT_NONE reservation, so a fuzzed pointer or
 * length can make the core fault but never write into the harness's own
 * memory.
 */
#ifndef LIBIOMMUFD_FUZZ_ARENA_H
#define LIBIOMMUFD_FUZZ_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

#define FUZZ_ARENA_SIZE (256UL * 1024)

/* The arena, mapped once per process: [arena, arena + FUZZ_ARENA_SIZE) is read-write. */
uint8_t *fuzz_arena(void);
/* An address in the PROT_NONE fence right after the arena. */
uint64_t fuzz_guard(void);

/*
 * A user pointer chosen by @sel: into the arena at @off, NULL, the fence,
 * a kernel-half address, or the arena's last bytes (straddling the fence).
 */
uint64_t fuzz_uptr(uint8_t sel, uint16_t off);
/* True when @uaddr lies in the arena (the harness may write @len bytes there). */
bool fuzz_in_arena(uint64_t uaddr, size_t len);

/* harness_init() with machine @devices (doc/mock-devices.md syntax) that writes only to the arena. */
int fuzz_harness_init(struct harness *h, const char *devices);

#endif /* LIBIOMMUFD_FUZZ_ARENA_H */
