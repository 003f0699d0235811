/* SPDX-License-Identifier: MIT */
/*
 * mmio_decode.h - the x86-64 instructions a trapped access to a mock BAR
 * mapping may be (mmio.c): the MOV forms compilers emit for volatile 1, 2, 4
 * and 8-byte loads and stores. Pure functions, no state: unit-tested on a
 * table of encodings (mmio_decode_test.c).
 */
#ifndef KMOD_MOCK_MMIO_DECODE_H
#define KMOD_MOCK_MMIO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest x86 instruction. */
#define MMIO_INSN_MAX 15

enum mmio_ext {
	MMIO_EXT_NONE, /* mov: the destination is as wide as the access */
	MMIO_EXT_ZERO, /* movzx */
	MMIO_EXT_SIGN, /* movsx, movsxd */
};

/* An arithmetic instruction with a memory operand (MMIO_ALU). */
enum mmio_alu_op {
	MMIO_ADD, MMIO_OR, MMIO_ADC, MMIO_SBB, MMIO_AND, MMIO_SUB, MMIO_XOR, MMIO_CMP, /* as /n */
	MMIO_TEST, MMIO_INC, MMIO_DEC,
};

struct mmio_insn {
	bool alu;              /* else a MOV form */
	enum mmio_alu_op op;   /* alu: the operation, on the access size */
	bool mem_dst;          /* alu: memory is the first operand (op reg, mem otherwise) */
	unsigned int len;      /* bytes of the instruction: RIP advances by this */
	unsigned int size;     /* bytes accessed: 1, 2, 4 or 8 */
	bool store;            /* else a load */
	bool has_imm;          /* a store of imm (C6, C7), not of a register */
	uint64_t imm;          /* sign-extended to the access size */
	unsigned int reg;      /* the register operand, 0 (rax) .. 15 (r15) */
	bool high8;            /* ah, ch, dh, bh: bits 8..15 of reg - 4 (reg is 0..3 then) */
	enum mmio_ext ext;
	unsigned int dst_size; /* loads: the width written to reg (1, 2, 4 or 8) */
};

/*
 * Decode the instruction at @code (@avail bytes readable there). 0 and @out
 * filled; -EAGAIN when the instruction goes on past @avail bytes (avail <
 * MMIO_INSN_MAX); -EINVAL for anything but the supported forms, with @why set
 * to a short reason.
 */
int mmio_decode(const uint8_t *code, size_t avail, struct mmio_insn *out, const char **why);

/* Whether an ALU instruction writes its result (all but CMP and TEST). */
bool mmio_alu_writes(const struct mmio_insn *in);

/*
 * Perform @in's operation at its size: a OP b, with @flags the caller's
 * RFLAGS (CF is an input of ADC and SBB), updated in its status bits (CF, PF,
 * AF, ZF, SF, OF) as the CPU would. Returns the result (meaningless for CMP
 * and TEST). x86-64 only.
 */
uint64_t mmio_alu(const struct mmio_insn *in, uint64_t a, uint64_t b, uint64_t *flags);

/* A load's new register value: @old as it was, @val the @size bytes read. */
uint64_t mmio_load_result(const struct mmio_insn *in, uint64_t old, uint64_t val);

/* A store's value (the low in->size bytes count) given the register's value. */
uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t regval);

#endif /* KMOD_MOCK_MMIO_DECODE_H */
