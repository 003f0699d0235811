// SPDX-License-Identifier: MIT
/* cursor.c - see cursor.h. */
#include <string.h>

#include "cursor.h"

uint8_t cur_u8(struct cursor *c)
{
	uint8_t v = 0;

	if (c->left) {
		v = *c->p++;
		c->left--;
	}
	return v;
}

void cur_bytes(struct cursor *c, void *dst, size_t len)
{
	size_t n = len < c->left ? len : c->left;

	if (n)
		memcpy(dst, c->p, n);
	memset((uint8_t *)dst + n, 0, len - n);
	c->p += n;
	c->left -= n;
}

uint16_t cur_u16(struct cursor *c)
{
	uint16_t v;

	cur_bytes(c, &v, sizeof(v));
	return v;
}

uint32_t cur_u32(struct cursor *c)
{
	uint32_t v;

	cur_bytes(c, &v, sizeof(v));
	return v;
}

uint64_t cur_u64(struct cursor *c)
{
	uint64_t v;

	cur_bytes(c, &v, sizeof(v));
	return v;
}
