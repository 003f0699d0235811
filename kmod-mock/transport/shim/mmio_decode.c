// SPDX-License-Identifier: MIT
/*
 * mmio_decode.c - decode the MOV forms of x86-64 that a trapped BAR access
 * may be (mmio_decode.h). Supported, with any of the prefixes 66 (operand
 * size), 67 (address size), segment overrides (2E 36 3E 26 64 65, whose base
 * the fault address already includes) and a REX prefix right before the
 * opcode:
 *
 *   88 /r  mov m8, r8          8A /r  mov r8, m8
 *   89 /r  mov m16/32/64, r    8B /r  mov r, m16/32/64
 *   C6 /0  mov m8, imm8        C7 /0  mov m16/32/64, imm16/32 (sign-extended)
 *   0F B6  movzx r, m8         0F B7  movzx r, m16
 *   0F BE  movsx r, m8         0F BF  movsx r, m16
 *   63 /r  movsxd r64, m32 (with REX.W)
 *
 * and, because compilers fold a volatile load into the instruction that uses
 * it (clang's `testq $1, 0x98(%rbp)`, `cmpl $imm, (%rax)`, `addl (%rdi), %eax`)
 * or make one instruction of a volatile read-modify-write (`orl $1, (%rdi)`),
 * the integer ALU forms with a memory operand, performed as the CPU performs
 * them on MMIO without LOCK: one read, then one write of the result:
 *
 *   00-3B (add or adc sbb and sub xor cmp; r/m,r and r,r/m; 8-bit and full)
 *   80 /n ib, 81 /n iw/id, 83 /n ib    84/85 test r/m, r
 *   F6 /0 ib, F7 /0 iw/id (test)       FE/FF /0 /1 (inc, dec)
 *
 * The memory operand is any ModRM/SIB/displacement form, RIP-relative
 * included; only its length matters here, as the fault reports the address.
 * Everything else (LOCK, XCHG, REP, string moves, SSE/AVX, x87, a register
 * operand, not/neg/mul/div, bit tests) is refused.
 */
#include <errno.h>

#include "mmio_decode.h"

/* Bytes of ModRM, SIB and displacement at @p (ModRM first); 0 if @avail is short. */
static unsigned int modrm_len(const uint8_t *p, size_t avail, bool *regop)
{
	unsigned int mod, rm, n = 1;

	if (avail < 1)
		return 0;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	*regop = mod == 3;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (avail < 2)
			return 0;
		n++; /* SIB */
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		n += 4; /* RIP-relative disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

int mmio_decode(const uint8_t *code, size_t avail, struct mmio_insn *out, const char **why)
{
	bool opsize = false, rex_w = false, rex_r = false, rex = false, regop = false;
	bool two_byte = false;
	unsigned int i = 0, op, ml, immlen = 0;
	size_t lim = avail < MMIO_INSN_MAX ? avail : MMIO_INSN_MAX;

	*out = (struct mmio_insn){ 0 };
	/* legacy prefixes */
	for (;; i++) {
		if (i >= lim)
			goto short_;
		switch (code[i]) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x26:
		case 0x64:
		case 0x65:
			continue;
		case 0xf0:
			return refuse(why, "LOCK prefix");
		case 0xf2:
		case 0xf3:
			return refuse(why, "REP/REPNE prefix");
		default:
			break;
		}
		break;
	}
	if ((code[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = code[i] & 8;
		rex_r = code[i] & 4;
		if (++i >= lim)
			goto short_;
	}
	op = code[i++];
	if (op == 0x0f) {
		if (i >= lim)
			goto short_;
		two_byte = true;
		op = code[i++];
	}
	if (i >= lim)
		goto short_;
	ml = modrm_len(code + i, lim - i, &regop);
	if (!ml)
		goto short_;
	out->reg = ((code[i] >> 3) & 7) | (rex_r ? 8 : 0);
	out->dst_size = rex_w ? 8 : opsize ? 2 : 4;
	out->size = out->dst_size;
	if (!two_byte) {
		switch (op) {
		case 0x88:
			out->store = true;
			/* fall through */
		case 0x8a:
			out->size = out->dst_size = 1;
			break;
		case 0x89:
			out->store = true;
			break;
		case 0x8b:
			break;
		case 0xc6:
		case 0xc7:
			if (out->reg & 7)
				return refuse(why, "C6/C7 with a ModRM reg field other than 0");
			out->store = true;
			out->has_imm = true;
			out->reg = 0;
			if (op == 0xc6)
				out->size = 1;
			immlen = out->size == 1 ? 1 : out->size == 2 ? 2 : 4;
			break;
		case 0x63:
			if (!rex_w)
				return refuse(why, "movsxd without REX.W");
			out->size = 4;
			out->ext = MMIO_EXT_SIGN;
			break;
		case 0x80:
		case 0x81:
		case 0x83:
			out->alu = true;
			out->mem_dst = true;
			out->op = (enum mmio_alu_op)(out->reg & 7);
			out->reg = 0;
			out->has_imm = true;
			if (op == 0x80)
				out->size = 1;
			immlen = op != 0x81 ? 1 : out->size == 2 ? 2 : 4;
			break;
		case 0x84:
		case 0x85:
			out->alu = true;
			out->mem_dst = true;
			out->op = MMIO_TEST;
			if (op == 0x84)
				out->size = 1;
			break;
		case 0xf6:
		case 0xf7:
			if (out->reg & 7)
				return refuse(why, "F6/F7 other than test (not, neg, mul, div)");
			out->alu = true;
			out->mem_dst = true;
			out->op = MMIO_TEST;
			out->reg = 0;
			out->has_imm = true;
			if (op == 0xf6)
				out->size = 1;
			immlen = out->size == 1 ? 1 : out->size == 2 ? 2 : 4;
			break;
		case 0xfe:
		case 0xff:
			if ((out->reg & 7) > 1)
				return refuse(why, "FE/FF other than inc and dec");
			out->alu = true;
			out->mem_dst = true;
			out->op = (out->reg & 7) ? MMIO_DEC : MMIO_INC;
			out->reg = 0;
			if (op == 0xfe)
				out->size = 1;
			break;
		default:
			if (op < 0x40 && (op & 7) < 4) {
				/* add, or, adc, sbb, and, sub, xor, cmp */
				out->alu = true;
				out->op = (enum mmio_alu_op)(op >> 3);
				out->mem_dst = !(op & 2);
				if (!(op & 1))
					out->size = 1;
				break;
			}
			return refuse(why, "not a MOV or integer ALU instruction with memory");
		}
		if (out->alu)
			out->dst_size = out->size;
	} else {
		switch (op) {
		case 0xb6:
		case 0xb7:
			out->ext = MMIO_EXT_ZERO;
			break;
		case 0xbe:
		case 0xbf:
			out->ext = MMIO_EXT_SIGN;
			break;
		default:
			return refuse(why, "a two-byte opcode other than movzx/movsx (SSE, AVX, ...)");
		}
		out->size = (op & 1) ? 2 : 1;
	}
	if (regop)
		return refuse(why, "register operand: no memory access");
	/* a byte register without REX: 4..7 are ah, ch, dh, bh */
	if (out->size == 1 && out->dst_size == 1 && !out->has_imm && !rex && out->reg >= 4 &&
	    !(out->alu && (out->op == MMIO_INC || out->op == MMIO_DEC))) {
		out->high8 = true;
		out->reg -= 4;
	}
	i += ml;
	if (i + immlen > lim)
		goto short_;
	if (immlen) {
		uint64_t v = 0;

		for (unsigned int k = 0; k < immlen; k++)
			v |= (uint64_t)code[i + k] << (8 * k);
		/* sign-extend imm8/16/32 to 64 bits; the access takes the low size bytes */
		if (v & (1ULL << (8 * immlen - 1)))
			v |= ~0ULL << (8 * immlen);
		out->imm = v;
		i += immlen;
	}
	out->len = i;
	return 0;
short_:
	if (avail < MMIO_INSN_MAX)
		return -EAGAIN;
	return refuse(why, "longer than 15 bytes");
}

static uint64_t low_bytes(uint64_t v, unsigned int size)
{
	return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

uint64_t mmio_load_result(const struct mmio_insn *in, uint64_t old, uint64_t val)
{
	uint64_t v = low_bytes(val, in->size);

	if (in->ext == MMIO_EXT_SIGN && in->size < 8 && (v & (1ULL << (8 * in->size - 1))))
		v |= ~0ULL << (8 * in->size);
	switch (in->dst_size) {
	case 1:
		if (in->high8)
			return (old & ~0xff00ULL) | ((v & 0xff) << 8);
		return (old & ~0xffULL) | (v & 0xff);
	case 2:
		return (old & ~0xffffULL) | (v & 0xffff);
	case 4:
		return v & 0xffffffffULL; /* a 32-bit write clears the upper half */
	default:
		return v;
	}
}

uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t regval)
{
	if (in->has_imm)
		return low_bytes(in->imm, in->size);
	if (in->high8)
		return (regval >> 8) & 0xff;
	return low_bytes(regval, in->size);
}

bool mmio_alu_writes(const struct mmio_insn *in)
{
	return in->alu && in->op != MMIO_CMP && in->op != MMIO_TEST;
}

#if defined(__x86_64__)
/* The status flags: CF PF AF ZF SF OF. */
#define MMIO_FLAGS_STATUS 0x8d5ULL

/*
 * a OP b on the CPU itself at one width (W: b, w, l, q), flags in and out;
 * the stack pointer steps over the red zone before pushing.
 */
#define ALU_AT(W, T)                                                                         \
	static uint64_t alu_##W(enum mmio_alu_op op, uint64_t a, uint64_t b, uint64_t *f)  \
	{                                                                                    \
		T x = (T)a, y = (T)b;                                                        \
		uint64_t fl = (*f & MMIO_FLAGS_STATUS) | 0x2;                                \
                                                                                             \
		switch (op) {                                                                \
		ALU_CASE(MMIO_ADD, "add" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_OR, "or" #W " %[y], %[x]", W)                                  \
		ALU_CASE(MMIO_ADC, "adc" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_SBB, "sbb" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_AND, "and" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_SUB, "sub" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_XOR, "xor" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_CMP, "cmp" #W " %[y], %[x]", W)                                \
		ALU_CASE(MMIO_TEST, "test" #W " %[y], %[x]", W)                              \
		ALU_CASE(MMIO_INC, "inc" #W " %[x]", W)                                      \
		ALU_CASE(MMIO_DEC, "dec" #W " %[x]", W)                                      \
		}                                                                            \
		*f = (*f & ~MMIO_FLAGS_STATUS) | (fl & MMIO_FLAGS_STATUS);                   \
		return (uint64_t)x;                                                          \
	}

#define ALU_CASE(OP, INSN, W)                                                             \
	case OP:                                                                          \
		__asm__("leaq -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t" INSN            \
			"\n\tpushfq\n\tpopq %[f]\n\tleaq 128(%%rsp), %%rsp"                      \
			: [x] "+q"(x), [f] "+r"(fl)                                         \
			: [y] "q"(y)                                                        \
			: "cc");                                                            \
		break;

ALU_AT(b, uint8_t)
ALU_AT(w, uint16_t)
ALU_AT(l, uint32_t)
ALU_AT(q, uint64_t)

uint64_t mmio_alu(const struct mmio_insn *in, uint64_t a, uint64_t b, uint64_t *flags)
{
	switch (in->size) {
	case 1:
		return alu_b(in->op, a, b, flags);
	case 2:
		return alu_w(in->op, a, b, flags);
	case 4:
		return alu_l(in->op, a, b, flags);
	default:
		return alu_q(in->op, a, b, flags);
	}
}
#else
uint64_t mmio_alu(const struct mmio_insn *in, uint64_t a, uint64_t b, uint64_t *flags)
{
	(void)in;
	(void)b;
	(void)flags;
	return a;
}
#endif
