// SPDX-License-Identifier: MIT
/*
 * mmio_decode_test.c - the shim's x86-64 decoder of trapped BAR accesses
 * (mmio_decode.c) on a table of encodings, as
 * gcc/clang and an assembler emit them, and on what it must refuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmio_decode.h"

struct enc {
	const char *text;
	uint8_t code[MMIO_INSN_MAX];
	unsigned int len, size;
	bool store, has_imm, high8;
	uint64_t imm;
	unsigned int reg;
	enum mmio_ext ext;
	unsigned int dst_size;
};

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

static const struct enc good[] = {
	{ "mov (%rdi),%eax", { 0x8b, 0x07 }, 2, 4, false, false, false, 0, RAX, MMIO_EXT_NONE, 4 },
	{ "mov 0x4(%rdi),%eax", { 0x8b, 0x47, 0x04 }, 3, 4, false, false, false, 0, RAX,
	  MMIO_EXT_NONE, 4 },
	{ "mov 0x100(%rdi),%r9d", { 0x44, 0x8b, 0x8f, 0x00, 0x01, 0x00, 0x00 }, 7, 4, false, false,
	  false, 0, R9, MMIO_EXT_NONE, 4 },
	{ "mov (%rdi),%rax", { 0x48, 0x8b, 0x07 }, 3, 8, false, false, false, 0, RAX, MMIO_EXT_NONE,
	  8 },
	{ "mov (%r12),%r15", { 0x4d, 0x8b, 0x3c, 0x24 }, 4, 8, false, false, false, 0, R15,
	  MMIO_EXT_NONE, 8 },
	{ "mov (%rdi),%ax", { 0x66, 0x8b, 0x07 }, 3, 2, false, false, false, 0, RAX, MMIO_EXT_NONE,
	  2 },
	{ "mov (%rdi),%al", { 0x8a, 0x07 }, 2, 1, false, false, false, 0, RAX, MMIO_EXT_NONE, 1 },
	{ "mov (%rdi),%bh", { 0x8a, 0x3f }, 2, 1, false, false, true, 0, RBX, MMIO_EXT_NONE, 1 },
	{ "mov (%rdi),%dil", { 0x40, 0x8a, 0x3f }, 3, 1, false, false, false, 0, RDI,
	  MMIO_EXT_NONE, 1 },
	{ "mov 0x10(%rax,%rcx,4),%edx", { 0x8b, 0x54, 0x88, 0x10 }, 4, 4, false, false, false, 0,
	  RDX, MMIO_EXT_NONE, 4 },
	{ "mov 0x12345678(,%rcx,8),%edx", { 0x8b, 0x14, 0xcd, 0x78, 0x56, 0x34, 0x12 }, 7, 4, false,
	  false, false, 0, RDX, MMIO_EXT_NONE, 4 },
	{ "mov 0x0(%rip),%esi", { 0x8b, 0x35, 0x00, 0x00, 0x00, 0x00 }, 6, 4, false, false, false, 0,
	  RSI, MMIO_EXT_NONE, 4 },
	{ "mov 0x8(%rsp),%rbp", { 0x48, 0x8b, 0x6c, 0x24, 0x08 }, 5, 8, false, false, false, 0, RBP,
	  MMIO_EXT_NONE, 8 },
	{ "mov %fs:(%rax),%eax", { 0x64, 0x8b, 0x00 }, 3, 4, false, false, false, 0, RAX,
	  MMIO_EXT_NONE, 4 },
	{ "mov (%eax),%eax (addr32)", { 0x67, 0x8b, 0x00 }, 3, 4, false, false, false, 0, RAX,
	  MMIO_EXT_NONE, 4 },
	{ "mov %eax,(%rdi)", { 0x89, 0x07 }, 2, 4, true, false, false, 0, RAX, MMIO_EXT_NONE, 4 },
	{ "mov %rdx,0x8(%rdi)", { 0x48, 0x89, 0x57, 0x08 }, 4, 8, true, false, false, 0, RDX,
	  MMIO_EXT_NONE, 8 },
	{ "mov %r8w,(%rdi)", { 0x66, 0x44, 0x89, 0x07 }, 4, 2, true, false, false, 0, R8,
	  MMIO_EXT_NONE, 2 },
	{ "mov %cl,(%rdi)", { 0x88, 0x0f }, 2, 1, true, false, false, 0, RCX, MMIO_EXT_NONE, 1 },
	{ "mov %ah,(%rdi)", { 0x88, 0x27 }, 2, 1, true, false, true, 0, RAX, MMIO_EXT_NONE, 1 },
	{ "mov %spl,(%rdi)", { 0x40, 0x88, 0x27 }, 3, 1, true, false, false, 0, RSP, MMIO_EXT_NONE,
	  1 },
	{ "movb $0x81,(%rdi)", { 0xc6, 0x07, 0x81 }, 3, 1, true, true, false, 0xffffffffffffff81ULL,
	  0, MMIO_EXT_NONE, 1 },
	{ "movw $0x1234,0x2(%rdi)", { 0x66, 0xc7, 0x47, 0x02, 0x34, 0x12 }, 6, 2, true, true, false,
	  0x1234, 0, MMIO_EXT_NONE, 2 },
	{ "movl $0x80,0x20(%rdi)", { 0xc7, 0x47, 0x20, 0x80, 0x00, 0x00, 0x00 }, 7, 4, true, true,
	  false, 0x80, 0, MMIO_EXT_NONE, 4 },
	{ "movq $-1,(%rdi)", { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, 8, true, true, false,
	  ~0ULL, 0, MMIO_EXT_NONE, 8 },
	{ "movl $0x5,0x0(%rip)", { 0xc7, 0x05, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00 }, 10,
	  4, true, true, false, 5, 0, MMIO_EXT_NONE, 4 },
	{ "movzbl (%rdi),%eax", { 0x0f, 0xb6, 0x07 }, 3, 1, false, false, false, 0, RAX,
	  MMIO_EXT_ZERO, 4 },
	{ "movzwl 0x2(%rdi),%r10d", { 0x44, 0x0f, 0xb7, 0x57, 0x02 }, 5, 2, false, false, false, 0,
	  R10, MMIO_EXT_ZERO, 4 },
	{ "movzbw (%rdi),%ax", { 0x66, 0x0f, 0xb6, 0x07 }, 4, 1, false, false, false, 0, RAX,
	  MMIO_EXT_ZERO, 2 },
	{ "movzbq (%rdi),%rax", { 0x48, 0x0f, 0xb6, 0x07 }, 4, 1, false, false, false, 0, RAX,
	  MMIO_EXT_ZERO, 8 },
	{ "movsbl (%rdi),%eax", { 0x0f, 0xbe, 0x07 }, 3, 1, false, false, false, 0, RAX,
	  MMIO_EXT_SIGN, 4 },
	{ "movswq (%rdi),%rax", { 0x48, 0x0f, 0xbf, 0x07 }, 4, 2, false, false, false, 0, RAX,
	  MMIO_EXT_SIGN, 8 },
	{ "movslq (%rdi),%rax", { 0x48, 0x63, 0x07 }, 3, 4, false, false, false, 0, RAX,
	  MMIO_EXT_SIGN, 8 },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct enc *e = &good[i];
		struct mmio_insn in;
		const char *why = NULL;
		uint8_t buf[MMIO_INSN_MAX + 8];

		/* trailing bytes are the next instruction's: never taken */
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, e->code, e->len);
		print_message("%s\n", e->text);
		assert_int_equal(mmio_decode(buf, sizeof(buf), &in, &why), 0);
		assert_int_equal(in.len, e->len);
		assert_int_equal(in.size, e->size);
		assert_int_equal(in.store, e->store);
		assert_int_equal(in.has_imm, e->has_imm);
		if (e->has_imm)
			assert_int_equal(in.imm, e->imm);
		assert_int_equal(in.high8, e->high8);
		assert_int_equal(in.reg, e->reg);
		assert_int_equal(in.ext, e->ext);
		if (!e->store)
			assert_int_equal(in.dst_size, e->dst_size);
		/* every prefix of it is too short to tell, if fewer than 15 bytes are readable */
		for (unsigned int n = 0; n < e->len; n++)
			assert_int_equal(mmio_decode(buf, n, &in, &why), -EAGAIN);
	}
}

static const struct {
	const char *text;
	uint8_t code[MMIO_INSN_MAX];
	unsigned int len;
} bad[] = {
	{ "lock xadd %eax,(%rdi)", { 0xf0, 0x0f, 0xc1, 0x07 }, 4 },
	{ "rep movsb", { 0xf3, 0xa4 }, 2 },
	{ "movdqa (%rdi),%xmm0", { 0x66, 0x0f, 0x6f, 0x07 }, 4 },
	{ "vmovdqu (%rdi),%ymm0", { 0xc5, 0xfe, 0x6f, 0x07 }, 4 },
	{ "notl (%rdi)", { 0xf7, 0x17 }, 2 },
	{ "btl $1,(%rdi)", { 0x0f, 0xba, 0x27, 0x01 }, 4 },
	{ "call *(%rdi)", { 0xff, 0x17 }, 2 },
	{ "add %eax,%ecx (register)", { 0x01, 0xc1 }, 2 },
	{ "xchg %eax,(%rdi)", { 0x87, 0x07 }, 2 },
	{ "mov %eax,%ecx (register)", { 0x89, 0xc1 }, 2 },
	{ "movabs 0x1000,%eax (moffs)", { 0xa1, 0, 0x10, 0, 0, 0, 0, 0, 0 }, 9 },
	{ "movl $1 with /1", { 0xc7, 0x0f, 1, 0, 0, 0 }, 6 },
	{ "movslq without REX.W", { 0x63, 0x07 }, 2 },
	{ "fldl (%rdi)", { 0xdd, 0x07 }, 2 },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmio_insn in;
		const char *why = NULL;
		uint8_t buf[MMIO_INSN_MAX];

		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, bad[i].code, bad[i].len);
		print_message("%s\n", bad[i].text);
		assert_int_equal(mmio_decode(buf, sizeof(buf), &in, &why), -EINVAL);
		assert_non_null(why);
	}
	/* 15 prefixes and still no opcode */
	{
		uint8_t buf[MMIO_INSN_MAX];
		struct mmio_insn in;
		const char *why = NULL;

		memset(buf, 0x66, sizeof(buf));
		assert_int_equal(mmio_decode(buf, sizeof(buf), &in, &why), -EINVAL);
		assert_non_null(why);
	}
}

static void test_results(void **state)
{
	struct mmio_insn in;
	const char *why;
	const uint64_t old = 0x1122334455667788ULL;

	(void)state;
	/* mov (%rdi),%eax: the upper half is cleared */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x8b, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0xdeadbeefcafef00dULL), 0xcafef00dULL);
	/* mov (%rdi),%ax: only the low 16 bits change */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x66, 0x8b, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0xabcd), 0x112233445566abcdULL);
	/* mov (%rdi),%bh */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x8a, 0x3f }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0xee), 0x112233445566ee88ULL);
	/* mov (%rdi),%al */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x8a, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0x1ee), 0x11223344556677eeULL);
	/* movzbw (%rdi),%ax */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x66, 0x0f, 0xb6, 0x07 }, 15, &in, &why),
			 0);
	assert_int_equal(mmio_load_result(&in, old, 0xfe), 0x11223344556600feULL);
	/* movsbl (%rdi),%eax */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x0f, 0xbe, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0xfe), 0xfffffffeULL);
	/* movswq (%rdi),%rax */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x48, 0x0f, 0xbf, 0x07 }, 15, &in, &why),
			 0);
	assert_int_equal(mmio_load_result(&in, old, 0x8000), 0xffffffffffff8000ULL);
	/* movslq (%rdi),%rax */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x48, 0x63, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0x80000000), 0xffffffff80000000ULL);
	/* mov (%rdi),%rax */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x48, 0x8b, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_load_result(&in, old, 0xdeadbeefcafef00dULL), 0xdeadbeefcafef00dULL);
	/* stores */
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x88, 0x27 }, 15, &in, &why), 0);
	assert_int_equal(mmio_store_value(&in, old), 0x77);
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x66, 0x89, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_store_value(&in, old), 0x7788);
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x89, 0x07 }, 15, &in, &why), 0);
	assert_int_equal(mmio_store_value(&in, old), 0x55667788);
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0xc6, 0x07, 0x81 }, 15, &in, &why), 0);
	assert_int_equal(mmio_store_value(&in, old), 0x81);
	assert_int_equal(mmio_decode((const uint8_t[15]){ 0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff },
				     15, &in, &why),
			 0);
	assert_int_equal(mmio_store_value(&in, old), 0xfffffffffffffffeULL);
}

static const struct {
	const char *text;
	uint8_t code[MMIO_INSN_MAX];
	unsigned int len, size;
	enum mmio_alu_op op;
	bool mem_dst, has_imm, high8;
	uint64_t imm;
	unsigned int reg;
} alu[] = {
	{ "testq $1,0x98(%rbp)", { 0x48, 0xf7, 0x85, 0x98, 0, 0, 0, 1, 0, 0, 0 }, 11, 8, MMIO_TEST,
	  true, true, false, 1, 0 },
	{ "cmpl $0x10000ed,(%rax)", { 0x81, 0x38, 0xed, 0x00, 0x00, 0x01 }, 6, 4, MMIO_CMP, true,
	  true, false, 0x10000ed, 0 },
	{ "addl (%rdi),%eax", { 0x03, 0x07 }, 2, 4, MMIO_ADD, false, false, false, 0, RAX },
	{ "orl $1,(%rdi)", { 0x83, 0x0f, 0x01 }, 3, 4, MMIO_OR, true, true, false, 1, 0 },
	{ "cmpb %bh,(%rdi)", { 0x38, 0x3f }, 2, 1, MMIO_CMP, true, false, true, 0, RBX },
	{ "incl 0x4(%rdi)", { 0xff, 0x47, 0x04 }, 3, 4, MMIO_INC, true, false, false, 0, 0 },
	{ "decb (%rdi)", { 0xfe, 0x0f }, 2, 1, MMIO_DEC, true, false, false, 0, 0 },
	{ "testb $0x80,(%rdi)", { 0xf6, 0x07, 0x80 }, 3, 1, MMIO_TEST, true, true, false,
	  0xffffffffffffff80ULL, 0 },
	{ "andw $0xff00,(%rdi)", { 0x66, 0x81, 0x27, 0x00, 0xff }, 5, 2, MMIO_AND, true, true, false,
	  0xffffffffffffff00ULL, 0 },
	{ "sub (%rsi),%r8", { 0x4c, 0x2b, 0x06 }, 3, 8, MMIO_SUB, false, false, false, 0, R8 },
	{ "xorl %ecx,(%rdi)", { 0x31, 0x0f }, 2, 4, MMIO_XOR, true, false, false, 0, RCX },
	{ "testl %esi,(%rdi)", { 0x85, 0x37 }, 2, 4, MMIO_TEST, true, false, false, 0, RSI },
};

static void test_alu_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(alu) / sizeof(alu[0]); i++) {
		struct mmio_insn in;
		const char *why = NULL;
		uint8_t buf[MMIO_INSN_MAX + 8];

		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, alu[i].code, alu[i].len);
		print_message("%s\n", alu[i].text);
		assert_int_equal(mmio_decode(buf, sizeof(buf), &in, &why), 0);
		assert_true(in.alu);
		assert_int_equal(in.len, alu[i].len);
		assert_int_equal(in.size, alu[i].size);
		assert_int_equal(in.op, alu[i].op);
		assert_int_equal(in.mem_dst, alu[i].mem_dst);
		assert_int_equal(in.has_imm, alu[i].has_imm);
		if (alu[i].has_imm)
			assert_int_equal(in.imm, alu[i].imm);
		else if (alu[i].op != MMIO_INC && alu[i].op != MMIO_DEC)
			assert_int_equal(in.reg, alu[i].reg);
		assert_int_equal(in.high8, alu[i].high8);
		assert_int_equal(mmio_alu_writes(&in), alu[i].op != MMIO_CMP && alu[i].op != MMIO_TEST);
		for (unsigned int n = 0; n < alu[i].len; n++)
			assert_int_equal(mmio_decode(buf, n, &in, &why), -EAGAIN);
	}
}

#define CF 0x1ULL
#define ZF 0x40ULL
#define SF 0x80ULL
#define OF 0x800ULL

static uint64_t run(enum mmio_alu_op op, unsigned int size, uint64_t a, uint64_t b, uint64_t *fl)
{
	struct mmio_insn in = { .alu = true, .op = op, .size = size };

	return mmio_alu(&in, a, b, fl);
}

static void test_alu_results(void **state)
{
	uint64_t fl;

	(void)state;
	fl = 0x202; /* IF and the reserved bit stay as they were */
	run(MMIO_CMP, 4, 5, 5, &fl);
	assert_int_equal(fl & (CF | ZF | SF), ZF);
	assert_int_equal(fl & 0x202, 0x202);
	fl = 0;
	assert_int_equal(run(MMIO_SUB, 4, 0, 1, &fl), 0xffffffffULL);
	assert_int_equal(fl & (CF | ZF | SF), CF | SF);
	fl = CF;
	assert_int_equal(run(MMIO_ADC, 8, 1, 1, &fl), 3);
	fl = 0;
	assert_int_equal(run(MMIO_ADD, 1, 0xff, 1, &fl), 0);
	assert_int_equal(fl & (CF | ZF), CF | ZF);
	fl = CF; /* inc keeps CF */
	assert_int_equal(run(MMIO_INC, 4, 0xffffffff, 0, &fl), 0);
	assert_int_equal(fl & (CF | ZF), CF | ZF);
	fl = 0;
	run(MMIO_TEST, 1, 0x80, 0x80, &fl);
	assert_int_equal(fl & (ZF | SF), SF);
	fl = 0;
	assert_int_equal(run(MMIO_ADD, 2, 0x7fff, 1, &fl), 0x8000);
	assert_int_equal(fl & (OF | SF), OF | SF);
	fl = 0;
	assert_int_equal(run(MMIO_OR, 8, 0xf0, 0x0f, &fl), 0xff);
	assert_int_equal(run(MMIO_XOR, 8, 0xff, 0x0f, &fl), 0xf0);
	assert_int_equal(run(MMIO_AND, 2, 0x1234, 0xff00, &fl), 0x1200);
	fl = 0;
	assert_int_equal(run(MMIO_DEC, 1, 0, 0, &fl), 0xff);
	assert_int_equal(fl & SF, SF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_alu_decode),
		cmocka_unit_test(test_alu_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
