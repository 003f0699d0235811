// SPDX-License-Identifier: MIT
/*
 * mmio.c - mappings of device registers (a vfio-pci BAR) whose loads and
 * stores reach the device model with their side effects.
 *
 * mappings.c reserves such a mapping PROT_NONE. Every access to it faults;
 * the SIGSEGV handler here finds the mapping, decodes the faulting
 * instruction (mmio_decode.c: the MOV forms of 1, 2, 4 and 8 bytes), performs
 * it as a pread/pwrite of the device file at the mapped offset through the
 * daemon, puts a load's value into the register in the ucontext and steps
 * RIP past the instruction. One round trip to the daemon per access. An
 * integer ALU instruction with a memory operand (cmp, test, add, or, ...) is
 * one read, the operation on the CPU with the program's flags, and for a
 * memory destination one write of the result: what the CPU does with MMIO.
 *
 * What the kernel would do otherwise:
 *  - a store to a mapping without PROT_WRITE, any access to a PROT_NONE one,
 *    and every fault outside these mappings: SIGSEGV, passed on to the
 *    program's own handler (or its default action);
 *  - an access the driver's fault handler refuses (vfio-pci: memory decoding
 *    off, low power entered; the request says it is a fault,
 *    MOCK_RW_MMIO_FAULT): SIGBUS, BUS_ADRERR at the address;
 *  - an instruction the decoder does not take (LOCK, XCHG, string moves,
 *    SSE/AVX, x87, not/neg/mul/div, bit tests): a message on stderr and
 *    SIGBUS as above - the kernel would perform it, the mock cannot.
 *
 * The program's SIGSEGV handler. Once the first mapping is made the shim's
 * handler stays installed: sigaction() and signal() for SIGSEGV record the
 * program's action here (and report it back) instead of replacing the
 * shim's, which calls it for every fault it does not take, with the
 * program's sa_mask, SA_SIGINFO and SA_RESETHAND. Before that the calls go
 * straight to libc. Not interposed: sigvec, sysv_signal, bsd_signal, the raw
 * rt_sigaction syscall.
 *
 * mprotect() of a register mapping changes what a trapped access may do (a
 * store to a PROT_READ mapping is SIGSEGV) and leaves the range PROT_NONE;
 * mremap() is not followed (the moved range would stop being known).
 */
/* Define open/open64, pread/pread64, fcntl/fcntl64 as the distinct symbols they are. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ucontext.h>

#include "mmio_decode.h"
#include "shim-internal.h"

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef sighandler_t (*signal_fn)(int, sighandler_t);
typedef int (*mprotect_fn)(void *, size_t, int);

static pthread_mutex_t arm_lock = PTHREAD_MUTEX_INITIALIZER;
static bool armed;              /* the shim's handler is SIGSEGV's */
static struct sigaction app_segv; /* the program's action for SIGSEGV meanwhile */

static sigaction_fn real_sigaction(void)
{
	static sigaction_fn fn;

	if (!fn)
		fn = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	return fn;
}

static signal_fn real_signal(void)
{
	static signal_fn fn;

	if (!fn)
		fn = (signal_fn)dlsym(RTLD_NEXT, "signal");
	return fn;
}

/* ------------------------------------------------------------ messages ---- */

static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_hex(char *buf, size_t at, size_t cap, uint64_t v)
{
	char tmp[19] = "0x";
	int n = 2;

	for (int sh = 60; sh >= 0; sh -= 4)
		if ((v >> sh) || sh == 0 || n > 2)
			tmp[n++] = "0123456789abcdef"[(v >> sh) & 0xf];
	tmp[n] = 0;
	return put_str(buf, at, cap, tmp);
}

/* Say on stderr why an access to a register mapping becomes SIGBUS (async-signal-safe). */
static void complain(uintptr_t addr, uintptr_t rip, const uint8_t *code, size_t n,
		     const char *why)
{
	char buf[256];
	size_t at = 0;
	ssize_t w;

	at = put_str(buf, at, sizeof(buf), "iommufd-mock: access to a device register mapping at ");
	at = put_hex(buf, at, sizeof(buf), addr);
	at = put_str(buf, at, sizeof(buf), " by the instruction at ");
	at = put_hex(buf, at, sizeof(buf), rip);
	at = put_str(buf, at, sizeof(buf), " (");
	for (size_t i = 0; i < n && i < 8; i++) {
		char h[4] = { "0123456789abcdef"[code[i] >> 4], "0123456789abcdef"[code[i] & 15],
			      i + 1 < n && i < 7 ? ' ' : 0, 0 };

		at = put_str(buf, at, sizeof(buf), h);
	}
	at = put_str(buf, at, sizeof(buf), "): ");
	at = put_str(buf, at, sizeof(buf), why);
	at = put_str(buf, at, sizeof(buf), "; the mock cannot emulate it: SIGBUS\n");
	w = write(STDERR_FILENO, buf, at);
	(void)w;
}

/* ------------------------------------------------------ the access itself ---- */

enum outcome { DONE, PASS_SEGV, RAISE_BUS };

/* One region access of @size bytes through the daemon: 0, or -errno. */
static long mmio_xfer(const struct shim_mmio_at *at, void *buf, unsigned int size, bool store)
{
	struct mock_req req = { .op = store ? MOCK_OP_PWRITE : MOCK_OP_PREAD, .ino = at->ino,
				.cmd = MOCK_RW_MMIO_FAULT, .arg = (uintptr_t)buf, .len = size,
				.off = at->off };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	long r = shim_transact(&req, NULL, 0, false, at->hold_fd, &rep, fds);

	if (r)
		return r;
	if (rep.flags & MOCK_REPLY_NOT_MINE)
		return -EBADF;
	if (rep.flags & MOCK_REPLY_DRAIN)
		shim_drain_one(at->hold_fd, at->ino);
	r = shim_finish(&rep, fds);
	if (r < 0)
		return r;
	return r == (long)size ? 0 : -EIO;
}

#if defined(__x86_64__)
static const int gpr_index[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static enum outcome emulate(ucontext_t *uc, uintptr_t addr, const struct shim_mmio_at *at)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t rip = (uintptr_t)g[REG_RIP];
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t avail = ps - (rip & (ps - 1));
	uint8_t code[MMIO_INSN_MAX];
	struct mmio_insn in;
	const char *why = "";
	uint64_t val = 0;
	int rc;

	if (!(at->prot & (PROT_READ | PROT_WRITE)))
		return PASS_SEGV; /* PROT_NONE: the program asked for the fault */
	if (avail > MMIO_INSN_MAX)
		avail = MMIO_INSN_MAX;
	/* the code bytes up to the page end; the instruction spans the next one only if mapped */
	memcpy(code, (const void *)rip, avail);
	rc = mmio_decode(code, avail, &in, &why);
	if (rc == -EAGAIN) {
		memcpy(code, (const void *)rip, MMIO_INSN_MAX);
		avail = MMIO_INSN_MAX;
		rc = mmio_decode(code, avail, &in, &why);
	}
	if (rc) {
		complain(addr, rip, code, avail, why);
		return RAISE_BUS;
	}
	if ((in.store || mmio_alu_writes(&in)) && !(at->prot & PROT_WRITE))
		return PASS_SEGV;
	if (addr + in.size > at->end) {
		complain(addr, rip, code, in.len, "the access runs past the end of the mapping");
		return RAISE_BUS;
	}
	if (in.alu) {
		/* one read, the operation, one write of the result (unless CMP/TEST) */
		uint64_t fl = (uint64_t)g[REG_EFL], *reg = (uint64_t *)&g[gpr_index[in.reg]];
		uint64_t other = mmio_store_value(&in, *reg), res;

		if (mmio_xfer(at, &val, in.size, false))
			return RAISE_BUS;
		res = in.mem_dst ? mmio_alu(&in, val, other, &fl) : mmio_alu(&in, other, val, &fl);
		if (mmio_alu_writes(&in)) {
			if (in.mem_dst) {
				if (mmio_xfer(at, &res, in.size, true))
					return RAISE_BUS;
			} else {
				*reg = mmio_load_result(&in, *reg, res);
			}
		}
		g[REG_EFL] = (greg_t)fl;
	} else if (in.store) {
		val = mmio_store_value(&in, (uint64_t)g[gpr_index[in.reg]]);
		if (mmio_xfer(at, &val, in.size, true))
			return RAISE_BUS;
	} else {
		if (mmio_xfer(at, &val, in.size, false))
			return RAISE_BUS;
		g[gpr_index[in.reg]] =
			(greg_t)mmio_load_result(&in, (uint64_t)g[gpr_index[in.reg]], val);
	}
	g[REG_RIP] = (greg_t)(rip + in.len);
	return DONE;
}
#else
/* Only x86-64 is decoded: shim_mmio_arm() refuses the mapping elsewhere. */
static enum outcome emulate(ucontext_t *uc, uintptr_t addr, const struct shim_mmio_at *at)
{
	(void)uc;
	(void)addr;
	(void)at;
	return PASS_SEGV;
}
#endif

/* SIGBUS for @addr, as the kernel sends for a fault its handler refused. */
static void raise_bus(uintptr_t addr)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGBUS;
	si.si_code = BUS_ADRERR;
	si.si_addr = (void *)addr;
	syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGBUS, &si);
}

/* A fault the shim does not take: the program's action for SIGSEGV. */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
	struct sigaction app = app_segv;
	sigset_t old;

	if (app.sa_handler == SIG_DFL || app.sa_handler == SIG_IGN) {
		/*
		 * The default action: a fault comes back when we return and
		 * kills (a synchronous SIGSEGV cannot be ignored); a sent one
		 * is re-sent, blocked until we return.
		 */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		if (si->si_code <= 0 && app.sa_handler == SIG_IGN)
			return;
		sigemptyset(&dfl.sa_mask);
		real_sigaction()(sig, &dfl, NULL);
		armed = false;
		if (si->si_code <= 0)
			syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
		return;
	}
	if (app.sa_flags & SA_RESETHAND) {
		app_segv.sa_handler = SIG_DFL;
		app_segv.sa_flags &= ~SA_SIGINFO;
	}
	pthread_sigmask(SIG_BLOCK, &app.sa_mask, &old);
	if (app.sa_flags & SA_SIGINFO)
		app.sa_sigaction(sig, si, uc);
	else
		app.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void mmio_sigsegv(int sig, siginfo_t *si, void *uctx)
{
	int saved_errno = errno;
	uintptr_t addr = (uintptr_t)si->si_addr;
	struct shim_mmio_at at;

	if (si->si_code == SEGV_ACCERR && shim_maps_mmio_find(addr, &at)) {
		switch (emulate(uctx, addr, &at)) {
		case DONE:
			errno = saved_errno;
			return;
		case RAISE_BUS:
			raise_bus(addr);
			errno = saved_errno;
			return;
		case PASS_SEGV:
			break;
		}
	}
	errno = saved_errno;
	pass_on(sig, si, uctx);
}

int shim_mmio_arm(void)
{
	struct sigaction sa = { .sa_sigaction = mmio_sigsegv,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART };
	int err = 0;

#if !defined(__x86_64__)
	return -ENODEV; /* no decoder of this architecture's loads and stores */
#endif
	if (__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return 0;
	if (!real_sigaction())
		return -ENOSYS;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&arm_lock);
	if (!armed) {
		if (real_sigaction()(SIGSEGV, &sa, &app_segv))
			err = -errno;
		else
			__atomic_store_n(&armed, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&arm_lock);
	return err;
}

/* --------------------------------------- the program's SIGSEGV handler ---- */

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	int r;

	if (!real_sigaction()) {
		errno = ENOSYS;
		return -1;
	}
	if (sig != SIGSEGV || !__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return real_sigaction()(sig, act, oldact);
	pthread_mutex_lock(&arm_lock);
	if (!armed) { /* pass_on() gave SIGSEGV back to its default meanwhile */
		pthread_mutex_unlock(&arm_lock);
		return real_sigaction()(sig, act, oldact);
	}
	if (oldact)
		*oldact = app_segv;
	if (act)
		app_segv = *act;
	r = 0;
	pthread_mutex_unlock(&arm_lock);
	return r;
}

EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;

	if (sig != SIGSEGV || !__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return real_signal()(sig, handler);
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}

/* ------------------------------------------------------------ mprotect ---- */

static mprotect_fn real_mprotect(void)
{
	static mprotect_fn fn;

	if (!fn)
		fn = (mprotect_fn)dlsym(RTLD_NEXT, "mprotect");
	return fn;
}

void shim_mmio_reprotect(void *addr, size_t len)
{
	real_mprotect()(addr, len, PROT_NONE);
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	int r;

	if (!real_mprotect()) {
		errno = ENOSYS;
		return -1;
	}
	r = real_mprotect()(addr, len, prot);
	if (r == 0 && len && __atomic_load_n(&armed, __ATOMIC_ACQUIRE)) {
		size_t ps = (size_t)sysconf(_SC_PAGESIZE);
		uintptr_t start = (uintptr_t)addr;

		shim_maps_mmio_protect(start, start + ((len + ps - 1) & ~(ps - 1)), prot);
	}
	return r;
}
