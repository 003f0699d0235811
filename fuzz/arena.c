// SPDX-License-Identifier: MIT
/*
 * arena.c - the fuzz harnesses' user memory (see arena.h). The core reaches
 * "user" memory with process_vm_readv/writev on our own pid, which ASan does
 * not see: the harness must therefore never hand it a pointer outside the
 * arena, and bounds lengths so that anything past the arena runs into the
 * fence and ends in -EFAULT.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "arena.h"

/* 128 GiB of PROT_NONE after the arena: more than any clamped length reaches. */
#define FENCE_SIZE (128ULL << 30)
#define PAGE 4096UL

static uint8_t *arena_base;

uint8_t *fuzz_arena(void)
{
	uint8_t *base;

	if (arena_base)
		return arena_base;
	/* A page of fence before, the arena, the big fence after. */
	base = mmap(NULL, PAGE + FUZZ_ARENA_SIZE + FENCE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		abort();
	if (mprotect(base + PAGE, FUZZ_ARENA_SIZE, PROT_READ | PROT_WRITE))
		abort();
	arena_base = base + PAGE;
	return arena_base;
}

uint64_t fuzz_guard(void)
{
	return (uintptr_t)fuzz_arena() + FUZZ_ARENA_SIZE;
}

uint64_t fuzz_uptr(uint8_t sel, uint16_t off)
{
	uint64_t base = (uintptr_t)fuzz_arena();

	switch (sel % 8) {
	case 1:
		return 0;
	case 2:
		return fuzz_guard() + off;
	case 3:
		return 0xffff888000000000ULL + off;
	case 4:
		return base + FUZZ_ARENA_SIZE - 1 - (off % 64);
	default:
		/* page-aligned more often than not: what mappings want */
		if (sel & 0x80)
			return base + ((uint64_t)off % FUZZ_ARENA_SIZE);
		return base + ((uint64_t)off * PAGE) % FUZZ_ARENA_SIZE;
	}
}

bool fuzz_in_arena(uint64_t uaddr, size_t len)
{
	uint64_t base = (uintptr_t)fuzz_arena();

	return uaddr >= base && len <= FUZZ_ARENA_SIZE && uaddr - base <= FUZZ_ARENA_SIZE - len;
}

int fuzz_harness_init(struct harness *h, const char *devices)
{
	/* groups from 1 whatever the host has: the path list names /dev/vfio/1 */
	struct mock_kernel_config cfg = { .sz = sizeof(cfg), .devices = devices,
					  .iommu_group_base = 1 };
	int ret;

	fuzz_arena();
	ret = harness_init(h, &cfg);
	h->user_ok = fuzz_in_arena;
	return ret;
}
