// SPDX-License-Identifier: MIT
/*
 * bar-mmap.c - mmap of edu's BAR0 through the mock, as vfio-pci answers it
 * (vfio_pci_core_mmap() of Linux 7.3): the region's flags, the refusals and
 * their errno, and a mapping whose loads and stores reach the device with
 * their side effects (the shim traps them: kmod-mock/transport/shim/mmio.c),
 * compared with pread/pwrite of the same registers. Then what the mapping
 * does across munmap, fork and close of the device fd, how the program's own
 * SIGSEGV handler still sees its faults, SIGBUS where vfio-pci's fault
 * handler refuses (memory decoding off) or the mock cannot emulate, and
 * IOMMU_IOAS_MAP / VFIO_IOMMU_MAP_DMA of the mapping: EFAULT, as iommufd
 * cannot pin a VM_PFNMAP range.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "iommufd-uapi.h"

#define PG 4096UL
#define BAR0_SIZE 0x100000UL
#define EDU_ID 0x010000edu

struct dev {
	int iommufd, fd;
	uint32_t ioas_id;
	uint64_t cfg;
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* errno of mmap(2) of the device, 0 if it mapped (and then unmapped it) */
static int map_errno(int fd, size_t len, int prot, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static void dev_up(struct dev *d, bool bind)
{
	struct iommu_ioas_alloc al = { .size = sizeof(al) };
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };

	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	assert_true(d->iommufd >= 0);
	assert_int_equal(xioctl(d->iommufd, IOMMU_IOAS_ALLOC, &al), 0);
	d->ioas_id = al.out_ioas_id;
	d->fd = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	assert_true(d->fd >= 0);
	if (!bind)
		return;
	b.iommufd = d->iommufd;
	assert_int_equal(xioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	at.pt_id = d->ioas_id;
	assert_int_equal(xioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	assert_int_equal(xioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	d->cfg = ri.offset;
}

static void dev_down(struct dev *d)
{
	close(d->fd);
	close(d->iommufd);
}

static uint32_t rd32(struct dev *d, uint64_t reg)
{
	uint32_t v = 0;

	assert_int_equal(pread(d->fd, &v, 4, (off_t)reg), 4);
	return v;
}

static uint64_t rd64(struct dev *d, uint64_t reg)
{
	uint64_t v = 0;

	assert_int_equal(pread(d->fd, &v, 8, (off_t)reg), 8);
	return v;
}

static void memory_decoding(struct dev *d, bool on)
{
	uint16_t cmd;

	assert_int_equal(pread(d->fd, &cmd, 2, (off_t)(d->cfg + 4)), 2);
	cmd = on ? (uint16_t)(cmd | 0x2) : (uint16_t)(cmd & ~0x2);
	assert_int_equal(pwrite(d->fd, &cmd, 2, (off_t)(d->cfg + 4)), 2);
}

static void *map_bar0(struct dev *d, int prot)
{
	void *p = mmap(NULL, BAR0_SIZE, prot, MAP_SHARED, d->fd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* ------------------------------------------------ the program's handlers ---- */

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig, got_code;
static volatile uintptr_t got_addr;

static void catcher(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

static volatile sig_atomic_t plain_sig;

static void plain_catcher(int sig)
{
	plain_sig = sig;
	siglongjmp(jb, 1);
}

static void catch(int sig, struct sigaction *old)
{
	struct sigaction sa = { .sa_sigaction = catcher, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, old), 0);
	got_sig = got_code = 0;
	got_addr = 0;
}

/* ------------------------------------------------------------- tests ---- */

/* REGION_INFO of BAR0: readable, writable, mmap-able, no caps (edu has no MSI-X table). */
static void test_region_info(void **state)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct dev d;

	(void)state;
	dev_up(&d, true);
	assert_int_equal(xioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
					   VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(ri.size, BAR0_SIZE);
	assert_int_equal(ri.offset, 0);
	assert_int_equal(ri.cap_offset, 0);
	/* BAR1..5 are empty: no flags */
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = VFIO_PCI_BAR2_REGION_INDEX };
	assert_int_equal(xioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.flags, 0);
	dev_down(&d);
}

/* vfio_pci_core_mmap()'s refusals: all EINVAL. */
static void test_mmap_errnos(void **state)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct dev d;

	(void)state;
	dev_up(&d, false);
	/* before the bind: no access yet */
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 0), EINVAL);
	dev_down(&d);

	dev_up(&d, true);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 0), 0);
	assert_int_equal(map_errno(d.fd, BAR0_SIZE, rw, MAP_SHARED, 0), 0);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED_VALIDATE, BAR0_SIZE - PG), 0);
	/* no PROT_* check: read-only, write-only and inaccessible mappings are made */
	assert_int_equal(map_errno(d.fd, PG, PROT_READ, MAP_SHARED, 0), 0);
	assert_int_equal(map_errno(d.fd, PG, PROT_WRITE, MAP_SHARED, 0), 0);
	assert_int_equal(map_errno(d.fd, PG, PROT_NONE, MAP_SHARED, 0), 0);
	/* a private mapping */
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_PRIVATE, 0), EINVAL);
	/* past the BAR's end */
	assert_int_equal(map_errno(d.fd, BAR0_SIZE + PG, rw, MAP_SHARED, 0), EINVAL);
	assert_int_equal(map_errno(d.fd, 2 * PG, rw, MAP_SHARED, BAR0_SIZE - PG), EINVAL);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, BAR0_SIZE), EINVAL);
	/* not page-aligned: mmap(2) itself */
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 0x100), EINVAL);
	/* an empty BAR, the ROM, config space, VGA, no region at all */
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 1ULL << 40), EINVAL);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 6ULL << 40), EINVAL);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 7ULL << 40), EINVAL);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 8ULL << 40), EINVAL);
	assert_int_equal(map_errno(d.fd, PG, rw, MAP_SHARED, 9ULL << 40), EINVAL);
	dev_down(&d);
}

/* Loads and stores of the mapping are edu's registers, side effects included. */
static void test_registers(void **state)
{
	struct dev d;
	volatile uint32_t *r32;
	volatile uint64_t *r64;
	volatile uint16_t *r16;
	volatile uint8_t *r8;
	uint32_t v;
	void *p;

	(void)state;
	dev_up(&d, true);
	p = map_bar0(&d, PROT_READ | PROT_WRITE);
	r32 = p;
	r64 = p;
	r16 = p;
	r8 = p;
	assert_int_equal(r32[0], EDU_ID);
	assert_int_equal(r32[0], rd32(&d, 0));
	/* liveness: reads back the complement */
	r32[1] = 0x12345678;
	assert_int_equal(r32[1], ~0x12345678u);
	assert_int_equal(rd32(&d, 4), ~0x12345678u);
	v = 0xa5a5a5a5;
	assert_int_equal(pwrite(d.fd, &v, 4, 4), 4);
	assert_int_equal(r32[1], ~0xa5a5a5a5u);
	/* factorial: status bit 0 clear once done */
	r32[0x08 / 4] = 5;
	assert_int_equal(r32[0x20 / 4] & 1, 0);
	assert_int_equal(r32[0x08 / 4], 120);
	assert_int_equal(rd32(&d, 0x08), 120);
	r32[0x08 / 4] = 10;
	assert_int_equal(r32[0x08 / 4], 3628800);
	/* raise an interrupt: the status register shows it until acknowledged */
	r32[0x60 / 4] = 0x10;
	assert_int_equal(r32[0x24 / 4], 0x10);
	assert_int_equal(rd32(&d, 0x24), 0x10);
	r32[0x64 / 4] = 0x10;
	assert_int_equal(r32[0x24 / 4], 0);
	/* the DMA registers take 8-byte accesses */
	r64[0x80 / 8] = 0x123456789abcULL;
	assert_int_equal(r64[0x80 / 8], 0x123456789abcULL);
	assert_int_equal(rd64(&d, 0x80), 0x123456789abcULL);
	/* edu takes only 4-byte accesses below 0x80: 1 and 2 bytes read all ones, as pread says */
	assert_int_equal(r16[0], 0xffff);
	assert_int_equal(r8[0], 0xff);
	{
		uint16_t h;

		assert_int_equal(pread(d.fd, &h, 2, 0), 2);
		assert_int_equal(r16[0], h);
	}
	/* a mapping at an offset into the BAR */
	munmap(p, BAR0_SIZE);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, d.fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(((volatile uint32_t *)p)[0], EDU_ID);
	munmap(p, PG);
	dev_down(&d);
}

#if defined(__x86_64__)
/*
 * What compilers fold a volatile load or read-modify-write into: cmp, test,
 * add with a memory source; or, inc on a register (one read, one write).
 * Written in assembly so that every compiler runs the same instructions.
 */
static void test_alu_forms(void **state)
{
	struct dev d;
	volatile uint32_t *r;
	uint64_t q = 0;
	uint32_t v;
	uint8_t eq = 0;

	(void)state;
	dev_up(&d, true);
	r = map_bar0(&d, PROT_READ | PROT_WRITE);
	__asm__ volatile("cmpl $0x010000ed, (%[p])\n\tsete %[eq]"
			 : [eq] "=q"(eq)
			 : [p] "r"(r)
			 : "cc", "memory");
	assert_int_equal(eq, 1);
	__asm__ volatile("cmpl $0x010000ee, (%[p])\n\tsetb %[eq]"
			 : [eq] "=q"(eq)
			 : [p] "r"(r)
			 : "cc", "memory");
	assert_int_equal(eq, 1); /* 0x010000ed < 0x010000ee: CF */
	v = 1;
	__asm__ volatile("addl (%[p]), %[v]" : [v] "+r"(v) : [p] "r"(r) : "cc", "memory");
	assert_int_equal(v, EDU_ID + 1);
	r[0x08 / 4] = 5;
	q = 0;
	__asm__ volatile("testl $1, 0x20(%[p])\n\tsetz %b[q]"
			 : [q] "+q"(q)
			 : [p] "r"(r)
			 : "cc", "memory");
	assert_int_equal(q & 0xff, 1); /* not computing */
	/* liveness 0x04 reads the complement of what was written */
	r[1] = 0x0f;
	__asm__ volatile("orl $0xf00, 4(%[p])" : : [p] "r"(r) : "cc", "memory");
	/* read ~0x0f = 0xfffffff0, or 0xf00 -> 0xfffffff0 written: reads back 0xf */
	assert_int_equal(rd32(&d, 4), 0xf);
	r[1] = 5;
	__asm__ volatile("incl 4(%[p])" : : [p] "r"(r) : "cc", "memory");
	assert_int_equal(r[1], 4); /* wrote ~5 + 1 = 0xfffffffb */
	munmap((void *)r, BAR0_SIZE);
	dev_down(&d);
}
#endif

/* The program's SIGSEGV handler still gets its own faults, and the mapping's PROT_* holds. */
static void test_program_sigsegv(void **state)
{
	struct sigaction old, cur;
	struct dev d;
	volatile uint32_t *volatile ro;
	volatile uint32_t *none;
	char *hole;
	void *p;

	(void)state;
	dev_up(&d, true);
	p = map_bar0(&d, PROT_READ | PROT_WRITE);
	catch(SIGSEGV, &old);
	/* what sigaction reports is the program's own */
	assert_int_equal(sigaction(SIGSEGV, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_sigaction, catcher);

	hole = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)hole = 1;
	assert_int_equal(got_sig, SIGSEGV);
	assert_int_equal(got_code, SEGV_ACCERR);
	assert_int_equal(got_addr, (uintptr_t)hole);
	munmap(hole, PG);

	/* a store to a read-only register mapping */
	ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, d.fd, 0);
	assert_true(ro != MAP_FAILED);
	assert_int_equal(ro[0], EDU_ID);
	catch(SIGSEGV, NULL);
	if (!sigsetjmp(jb, 1))
		ro[1] = 1;
	assert_int_equal(got_sig, SIGSEGV);
	assert_int_equal(got_addr, (uintptr_t)&ro[1]);
	munmap((void *)ro, PG);

	/* mprotect: the new PROT_* holds, and the range still traps */
	ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, d.fd, 0);
	assert_true(ro != MAP_FAILED);
	assert_int_equal(mprotect((void *)ro, PG, PROT_READ | PROT_WRITE), 0);
	ro[1] = 0x1234;
	assert_int_equal(ro[1], ~0x1234u);
	assert_int_equal(mprotect((void *)ro, PG, PROT_READ), 0);
	catch(SIGSEGV, NULL);
	if (!sigsetjmp(jb, 1))
		ro[1] = 1;
	assert_int_equal(got_sig, SIGSEGV);
	assert_int_equal(ro[1], ~0x1234u);
	munmap((void *)ro, PG);

	/* PROT_NONE: every access faults */
	none = mmap(NULL, PG, PROT_NONE, MAP_SHARED, d.fd, 0);
	assert_true(none != MAP_FAILED);
	catch(SIGSEGV, NULL);
	if (!sigsetjmp(jb, 1))
		(void)none[0];
	assert_int_equal(got_sig, SIGSEGV);
	munmap((void *)none, PG);

	/* after munmap the range is nobody's: the program's handler gets the fault */
	munmap(p, BAR0_SIZE);
	catch(SIGSEGV, NULL);
	if (!sigsetjmp(jb, 1))
		(void)((volatile uint32_t *)p)[0];
	assert_int_equal(got_sig, SIGSEGV);
	assert_int_equal(got_code, SEGV_MAPERR);

	/* a handler installed with signal() is the program's too */
	assert_true(signal(SIGSEGV, plain_catcher) != SIG_ERR);
	plain_sig = 0;
	hole = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)hole = 1;
	assert_int_equal(plain_sig, SIGSEGV);
	munmap(hole, PG);
	assert_int_equal(sigaction(SIGSEGV, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, plain_catcher);
	/* and the old one comes back */
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	assert_int_equal(sigaction(SIGSEGV, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, old.sa_handler);
	dev_down(&d);
}

/*
 * SIGBUS where vfio-pci's fault handler refuses (memory decoding off), and
 * for what the mock cannot emulate (a locked read-modify-write).
 */
static void test_sigbus(void **state)
{
	struct sigaction old;
	struct dev d;
	volatile uint32_t *r;

	(void)state;
	dev_up(&d, true);
	r = map_bar0(&d, PROT_READ | PROT_WRITE);
	catch(SIGBUS, &old);
	memory_decoding(&d, false);
	if (!sigsetjmp(jb, 1))
		(void)r[0];
	assert_int_equal(got_sig, SIGBUS);
	assert_int_equal(got_code, BUS_ADRERR);
	assert_int_equal(got_addr, (uintptr_t)r);
	memory_decoding(&d, true);
	assert_int_equal(r[0], EDU_ID);

#if defined(__x86_64__)
	catch(SIGBUS, NULL);
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("lock addl $1, %0" : "+m"(r[1]));
	assert_int_equal(got_sig, SIGBUS);
	assert_int_equal(got_addr, (uintptr_t)&r[1]);
#endif
	assert_int_equal(sigaction(SIGBUS, &old, NULL), 0);
	munmap((void *)r, BAR0_SIZE);
	dev_down(&d);
}

/* Without a handler of the program's: the default actions kill, SIGSEGV and SIGBUS. */
static int child_dies(volatile uint32_t *r, int how)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		if (how == 0)
			r[1] = 1; /* a store to a read-only mapping */
#if defined(__x86_64__)
		else
			__asm__ volatile("lock incl %0" : "+m"(r[1]));
#endif
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -WEXITSTATUS(st);
}

static void test_default_actions(void **state)
{
	struct dev d;
	volatile uint32_t *ro, *rw;

	(void)state;
	dev_up(&d, true);
	ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, d.fd, 0);
	rw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd, 0);
	assert_true(ro != MAP_FAILED && rw != MAP_FAILED);
	assert_int_equal(child_dies(ro, 0), SIGSEGV);
#if defined(__x86_64__)
	assert_int_equal(child_dies(rw, 1), SIGBUS);
#endif
	/* the parent's mappings are unaffected */
	assert_int_equal(rw[0], EDU_ID);
	munmap((void *)ro, PG);
	munmap((void *)rw, PG);
	dev_down(&d);
}

/* edu's DMA engine driven through the mapping: source, destination, count, command. */
static void test_dma_through_mapping(void **state)
{
	const uint64_t iova = 0x100000, edu_buf = 0x40000;
	struct dev d;
	volatile uint64_t *r64;
	uint8_t *a, *b;
	struct iommu_ioas_map map = { .size = sizeof(map),
				      .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_WRITEABLE,
				      .length = 2 * PG,
				      .iova = iova };
	uint16_t cmd;
	int i;

	(void)state;
	dev_up(&d, true);
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(a != MAP_FAILED);
	b = a + PG;
	for (i = 0; i < (int)PG; i++)
		a[i] = (uint8_t)(i * 7 + 3);
	memset(b, 0, PG);
	map.ioas_id = d.ioas_id;
	map.user_va = (uintptr_t)a;
	assert_int_equal(xioctl(d.iommufd, IOMMU_IOAS_MAP, &map), 0);
	assert_int_equal(pread(d.fd, &cmd, 2, (off_t)(d.cfg + 4)), 2);
	cmd |= 0x4; /* bus master */
	assert_int_equal(pwrite(d.fd, &cmd, 2, (off_t)(d.cfg + 4)), 2);
	r64 = map_bar0(&d, PROT_READ | PROT_WRITE);
	/* RAM -> edu's buffer, then edu's buffer -> RAM, each finished when RUN clears */
	r64[0x80 / 8] = iova;
	r64[0x88 / 8] = edu_buf;
	r64[0x90 / 8] = PG;
	r64[0x98 / 8] = 0x1;
	for (i = 0; i < 1000000 && (r64[0x98 / 8] & 1); i++)
		;
	assert_int_equal(r64[0x98 / 8] & 1, 0);
	r64[0x80 / 8] = edu_buf;
	r64[0x88 / 8] = iova + PG;
	r64[0x90 / 8] = PG;
	r64[0x98 / 8] = 0x1 | 0x2;
	for (i = 0; i < 1000000 && (r64[0x98 / 8] & 1); i++)
		;
	assert_int_equal(r64[0x98 / 8] & 1, 0);
	assert_memory_equal(a, b, PG);
	munmap((void *)r64, BAR0_SIZE);
	munmap(a, 2 * PG);
	dev_down(&d);
}

/* Threads trapping at once: each access is its own round trip on its thread's connection. */
static void *reader(void *arg)
{
	volatile uint32_t *r = arg;
	uintptr_t bad = 0;

	for (int i = 0; i < 2000; i++)
		if (r[0] != EDU_ID || (r[0x20 / 4] & ~0x81u))
			bad++;
	return (void *)bad;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	struct dev d;
	volatile uint32_t *r;
	void *bad;

	(void)state;
	dev_up(&d, true);
	r = map_bar0(&d, PROT_READ | PROT_WRITE);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, (void *)r), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_ptr_equal(bad, NULL);
	}
	munmap((void *)r, BAR0_SIZE);
	dev_down(&d);
}

/* A fork child inherits the mapping (vfio-pci sets no VM_DONTCOPY); it outlives close(fd). */
static void test_fork_and_close(void **state)
{
	struct dev d;
	volatile uint32_t *r;
	pid_t pid;
	int st;

	(void)state;
	dev_up(&d, true);
	r = map_bar0(&d, PROT_READ | PROT_WRITE);
	r[1] = 0;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (r[0] != EDU_ID)
			_exit(1);
		r[1] = 0x55;
		_exit(r[1] == ~0x55u ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the child's store reached the one device */
	assert_int_equal(r[1], ~0x55u);

	/* the mapping holds the device file: it stays usable after close */
	close(d.fd);
	assert_int_equal(r[0], EDU_ID);
	r[0x08 / 4] = 4;
	assert_int_equal(r[0x08 / 4], 24);
	munmap((void *)r, BAR0_SIZE);
	close(d.iommufd);
}

/* iommufd pins with pin_user_pages(): a VM_PFNMAP range is EFAULT, through both APIs. */
static void test_dma_map_of_bar(void **state)
{
	struct dev d;
	void *p;
	struct iommu_ioas_map map = { .size = sizeof(map),
				      .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
					       IOMMU_IOAS_MAP_WRITEABLE,
				      .length = PG,
				      .iova = 0x100000 };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi), .op = IOMMU_VFIO_IOAS_SET };
	struct vfio_iommu_type1_dma_map dm = { .argsz = sizeof(dm),
					       .flags = VFIO_DMA_MAP_FLAG_READ |
							VFIO_DMA_MAP_FLAG_WRITE,
					       .size = PG,
					       .iova = 0x200000 };

	(void)state;
	dev_up(&d, true);
	p = map_bar0(&d, PROT_READ | PROT_WRITE);
	map.ioas_id = d.ioas_id;
	map.user_va = (uintptr_t)p;
	assert_int_equal(xioctl(d.iommufd, IOMMU_IOAS_MAP, &map), EFAULT);
	/* the type1 map of iommufd's container emulation (IOMMUFD_VFIO_CONTAINER) */
	vi.ioas_id = d.ioas_id;
	assert_int_equal(xioctl(d.iommufd, IOMMU_VFIO_IOAS, &vi), 0);
	assert_int_equal(ioctl(d.iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	dm.vaddr = (uintptr_t)p;
	assert_int_equal(xioctl(d.iommufd, VFIO_IOMMU_MAP_DMA, &dm), EFAULT);
	munmap(p, BAR0_SIZE);
	dev_down(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_info),
		cmocka_unit_test(test_mmap_errnos),
		cmocka_unit_test(test_registers),
#if defined(__x86_64__)
		cmocka_unit_test(test_alu_forms),
#endif
		cmocka_unit_test(test_program_sigsegv),
		cmocka_unit_test(test_sigbus),
		cmocka_unit_test(test_default_actions),
		cmocka_unit_test(test_dma_through_mapping),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fork_and_close),
		cmocka_unit_test(test_dma_map_of_bar),
	};

	return cmocka_run_group_tests_name("mock-bar-mmap", tests, NULL, NULL);
}
