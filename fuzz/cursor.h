/* SPDX-License-Identifier: MIT */
/*
 * cursor.h - the fuzz harnesses' reader of their input: fixed-size values
 * taken front to back, zeros once the input is used up (so every input is a
 * complete program).
 */
#ifndef LIBIOMMUFD_FUZZ_CURSOR_H
#define LIBIOMMUFD_FUZZ_CURSOR_H

#include <stddef.h>
#include <stdint.h>

/* The fuzz input, consumed front to back; reads past the end give zeros. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

uint8_t cur_u8(struct cursor *c);
uint16_t cur_u16(struct cursor *c);
uint32_t cur_u32(struct cursor *c);
uint64_t cur_u64(struct cursor *c);
void cur_bytes(struct cursor *c, void *dst, size_t len);

#endif /* LIBIOMMUFD_FUZZ_CURSOR_H */
