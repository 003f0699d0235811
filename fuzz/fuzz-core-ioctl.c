// SPDX-License-Identifier: MIT
/*
 * fuzz-core-ioctl.c - libFuzzer harness of the mock core's file operations.
 *
 * The input is a program: a list of operations (open /dev/iommu or a VFIO
 * device, close, ioctl with a fuzzed argument, read/write/pread/pwrite/poll/
 * mmap, fill the arena) run against one machine with an edu and a selftest
 * device. Ioctl numbers come from a table of the iommufd, IOMMU_TEST_CMD and
 * VFIO commands; each entry names the argument's user-pointer fields, which
 * the harness always points into its arena (or at addresses that fault), and
 * the lengths that go with them, which it bounds so the core's accesses stay
 * in the arena and its fence. Everything else in the argument is raw input.
 * After each input every file is released and the machine freed: libFuzzer's
 * leak check then catches whatever the core did not free.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd-uapi.h"
#include "iommufd_test.h"
#include "arena.h"
#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NO_LEN 0xffff
#define LEN_CLAMP ((1ULL << 36) - 1) /* 64 GiB: well inside the 128 GiB fence */

struct uptr_field {
	uint16_t off;     /* offset of the __u64 user pointer in the argument */
	uint16_t len_off; /* offset of a __u64 length it goes with (clamped), or NO_LEN */
};

struct ioctl_desc {
	unsigned int cmd;
	uint16_t size;
	uint8_t nr_uptr;
	struct uptr_field uptr[2];
};

#define F(type, field) ((uint16_t)offsetof(type, field))
#define IOC0(cmd, type) { cmd, sizeof(type), 0, { { 0, 0 } } }
#define IOC1(cmd, type, p, l) { cmd, sizeof(type), 1, { { F(type, p), l } } }

static const struct ioctl_desc ioctls[] = {
	IOC0(IOMMU_DESTROY, struct iommu_destroy),
	IOC0(IOMMU_IOAS_ALLOC, struct iommu_ioas_alloc),
	IOC1(IOMMU_IOAS_IOVA_RANGES, struct iommu_ioas_iova_ranges, allowed_iovas, NO_LEN),
	IOC1(IOMMU_IOAS_ALLOW_IOVAS, struct iommu_ioas_allow_iovas, allowed_iovas, NO_LEN),
	IOC1(IOMMU_IOAS_MAP, struct iommu_ioas_map, user_va, F(struct iommu_ioas_map, length)),
	IOC0(IOMMU_IOAS_NOIOMMU_GET_PA, struct iommu_ioas_noiommu_get_pa),
	IOC0(IOMMU_IOAS_MAP_FILE, struct iommu_ioas_map_file),
	IOC0(IOMMU_IOAS_COPY, struct iommu_ioas_copy),
	IOC0(IOMMU_IOAS_UNMAP, struct iommu_ioas_unmap),
	IOC0(IOMMU_OPTION, struct iommu_option),
	IOC0(IOMMU_VFIO_IOAS, struct iommu_vfio_ioas),
	IOC1(IOMMU_HWPT_ALLOC, struct iommu_hwpt_alloc, data_uptr, NO_LEN),
	IOC1(IOMMU_GET_HW_INFO, struct iommu_hw_info, data_uptr, NO_LEN),
	IOC0(IOMMU_HWPT_SET_DIRTY_TRACKING, struct iommu_hwpt_set_dirty_tracking),
	IOC1(IOMMU_HWPT_GET_DIRTY_BITMAP, struct iommu_hwpt_get_dirty_bitmap, data,
	     F(struct iommu_hwpt_get_dirty_bitmap, length)),
	IOC1(IOMMU_HWPT_INVALIDATE, struct iommu_hwpt_invalidate, data_uptr, NO_LEN),
	IOC0(IOMMU_FAULT_QUEUE_ALLOC, struct iommu_fault_alloc),
	IOC1(IOMMU_VIOMMU_ALLOC, struct iommu_viommu_alloc, data_uptr, NO_LEN),
	IOC0(IOMMU_VDEVICE_ALLOC, struct iommu_vdevice_alloc),
	IOC0(IOMMU_IOAS_CHANGE_PROCESS, struct iommu_ioas_change_process),
	IOC0(IOMMU_VEVENTQ_ALLOC, struct iommu_veventq_alloc),
	IOC0(IOMMU_HW_QUEUE_ALLOC, struct iommu_hw_queue_alloc),
	IOC0(IOMMU_TEST_CMD, struct iommu_test_cmd), /* pointers: see test_cmd_uptrs() */
	IOC0(VFIO_GET_API_VERSION, uint32_t),
	IOC0(VFIO_CHECK_EXTENSION, uint32_t),
	IOC0(VFIO_SET_IOMMU, uint32_t),
	IOC0(VFIO_IOMMU_GET_INFO, struct vfio_iommu_type1_info),
	IOC1(VFIO_IOMMU_MAP_DMA, struct vfio_iommu_type1_dma_map, vaddr,
	     F(struct vfio_iommu_type1_dma_map, size)),
	IOC0(VFIO_IOMMU_UNMAP_DMA, struct vfio_iommu_type1_dma_unmap),
	IOC0(VFIO_DEVICE_GET_INFO, struct vfio_device_info),
	IOC0(VFIO_DEVICE_GET_REGION_INFO, struct vfio_region_info),
	IOC0(VFIO_DEVICE_RESET, uint32_t),
	IOC0(VFIO_DEVICE_FEATURE, struct vfio_device_feature_dma_buf),
	IOC1(VFIO_DEVICE_BIND_IOMMUFD, struct vfio_device_bind_iommufd, token_uuid_ptr, NO_LEN),
	IOC0(VFIO_DEVICE_ATTACH_IOMMUFD_PT, struct vfio_device_attach_iommufd_pt),
	IOC0(VFIO_DEVICE_DETACH_IOMMUFD_PT, struct vfio_device_detach_iommufd_pt),
};

#define NR_IOCTLS (sizeof(ioctls) / sizeof(ioctls[0]))

/* The argument lives in the arena's first page; the pointers chosen may overlap it. */
#define ARG_MAX 1024

enum op {
	OP_OPEN_IOMMU,
	OP_OPEN_DEV,
	OP_CLOSE,
	OP_IOCTL,
	OP_READ,
	OP_WRITE,
	OP_PREAD,
	OP_PWRITE,
	OP_POLL,
	OP_MMAP,
	OP_FILL,
	OP_SETUP,
	NR_OPS
};

static int pick_fd(struct cursor *c)
{
	return HARNESS_FD_BASE + cur_u8(c) % HARNESS_NFDS;
}

static void clamp_len(uint8_t *arg, size_t size, uint16_t len_off)
{
	uint64_t len;

	if (len_off == NO_LEN || len_off + sizeof(len) > size)
		return;
	memcpy(&len, arg + len_off, sizeof(len));
	len &= LEN_CLAMP;
	memcpy(arg + len_off, &len, sizeof(len));
}

static void set_uptr(struct cursor *c, uint8_t *arg, size_t size, uint16_t off, uint16_t len_off)
{
	uint64_t p = fuzz_uptr(cur_u8(c), cur_u16(c));

	if (off + sizeof(p) > size)
		return;
	memcpy(arg + off, &p, sizeof(p));
	clamp_len(arg, size, len_off);
}

/* IOMMU_TEST_CMD: the pointer fields depend on the op. */
static void test_cmd_uptrs(struct cursor *c, uint8_t *arg, size_t size)
{
	struct iommu_test_cmd *t = (struct iommu_test_cmd *)arg;
	uint32_t op;

#define TC(field) ((uint16_t)offsetof(struct iommu_test_cmd, field))
	memcpy(&op, arg + TC(op), sizeof(op));
	/* mostly a known op */
	if (op & 0x80000000u)
		op = 1 + op % IOMMU_TEST_OP_DMABUF_REVOKE;
	memcpy(arg + TC(op), &op, sizeof(op));
	switch (op) {
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		set_uptr(c, arg, size, TC(check_map.uptr), TC(check_map.length));
		break;
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		set_uptr(c, arg, size, TC(check_refs.uptr), TC(check_refs.length));
		break;
	case IOMMU_TEST_OP_ACCESS_PAGES:
		set_uptr(c, arg, size, TC(access_pages.uptr), TC(access_pages.length));
		break;
	case IOMMU_TEST_OP_ACCESS_RW:
		set_uptr(c, arg, size, TC(access_rw.uptr), TC(access_rw.length));
		break;
	case IOMMU_TEST_OP_DIRTY:
		set_uptr(c, arg, size, TC(dirty.uptr), TC(dirty.length));
		/* the bitmap is length / page_size bits: keep it inside the fence too */
		if (t->dirty.page_size < 1)
			t->dirty.page_size = 1;
		break;
	default:
		break;
	}
#undef TC
}

/* a file of the harness's own for IOAS_MAP_FILE, one per input */
static int memfd = -1;

static void do_ioctl(struct harness *e, struct cursor *c)
{
	int fd = pick_fd(c);
	const struct ioctl_desc *d = &ioctls[cur_u8(c) % NR_IOCTLS];
	uint8_t *arg = fuzz_arena();
	uint8_t mode = cur_u8(c);
	size_t n = d->size;
	uint32_t usize;
	unsigned int i;

	/* Some structs take trailing data (VFIO feature, invalidation entries): a few more bytes. */
	if (mode & 0x40)
		n += cur_u8(c) % 64;
	memset(arg, 0, ARG_MAX);
	cur_bytes(c, arg, n);
	/* the leading size/argsz: mostly right, sometimes short, long or raw */
	switch (mode & 3) {
	case 0:
		usize = (uint32_t)n;
		break;
	case 1:
		usize = d->size - (d->size > 4 ? cur_u8(c) % (d->size - 4) : 0);
		break;
	case 2:
		usize = d->size + cur_u8(c) % 128;
		break;
	default:
		memcpy(&usize, arg, sizeof(usize));
		break;
	}
	if (d->size >= 4)
		memcpy(arg, &usize, sizeof(usize));
	for (i = 0; i != d->nr_uptr; i++)
		set_uptr(c, arg, d->size, d->uptr[i].off, d->uptr[i].len_off);
	if (d->cmd == IOMMU_TEST_CMD)
		test_cmd_uptrs(c, arg, d->size);
	if (d->cmd == IOMMU_IOAS_MAP_FILE && (mode & 4)) {
		/* our memfd instead of a mock fd */
		int32_t mfd = memfd;

		memcpy(arg + offsetof(struct iommu_ioas_map_file, fd), &mfd, sizeof(mfd));
	}
	if (d->size < 4) {
		/* VFIO ioctls with an integer argument, not a pointer */
		harness_ioctl(e, fd, d->cmd, cur_u8(c));
		return;
	}
	harness_ioctl(e, fd, d->cmd, (uintptr_t)arg);
}

static void do_setup(struct harness *e, struct cursor *c)
{
	uint8_t *arena = fuzz_arena();
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_ioas_map map = {
		.size = sizeof(map), .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.length = 4 * 4096,
	};
	int fd = pick_fd(c);

	/* One IOAS with a selftest mock domain and 4 pages mapped: a common starting point. */
	memcpy(arena, &ioas, sizeof(ioas));
	if (harness_ioctl(e, fd, IOMMU_IOAS_ALLOC, (uintptr_t)arena))
		return;
	memcpy(&ioas, arena, sizeof(ioas));
	md.id = ioas.out_ioas_id;
	memcpy(arena, &md, sizeof(md));
	harness_ioctl(e, fd, IOMMU_TEST_CMD, (uintptr_t)arena);
	map.ioas_id = ioas.out_ioas_id;
	map.user_va = (uintptr_t)arena + 16 * 4096;
	memcpy(arena, &map, sizeof(map));
	harness_ioctl(e, fd, IOMMU_IOAS_MAP, (uintptr_t)arena);
}

static const char *const dev_paths[] = {
	"/dev/vfio/devices/vfio0", "/dev/vfio/devices/vfio1", "/dev/vfio/devices/vfio2",
	"/dev/vfio/vfio", "/dev/iommu", "/dev/null", "/dev/vfio/1",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct harness e;
	unsigned int steps = 0;

	if (fuzz_harness_init(&e, "edu;selftest,dirty,nesting,pasid=20"))
		return 0;
	memfd = memfd_create("fuzz-map-file", MFD_CLOEXEC);
	if (memfd >= 0 && ftruncate(memfd, 16 * 4096)) {
		close(memfd);
		memfd = -1;
	}
	while (c.left && steps++ < 64) {
		uint8_t *arena = fuzz_arena();
		int fd;

		switch (cur_u8(&c) % NR_OPS) {
		case OP_OPEN_IOMMU:
			harness_open(&e, "/dev/iommu", O_RDWR);
			break;
		case OP_OPEN_DEV:
			harness_open(&e, dev_paths[cur_u8(&c) % (sizeof(dev_paths) / sizeof(dev_paths[0]))],
				     O_RDWR);
			break;
		case OP_CLOSE:
			harness_close(&e, pick_fd(&c));
			break;
		case OP_IOCTL:
			do_ioctl(&e, &c);
			break;
		case OP_READ:
			fd = pick_fd(&c);
			harness_read(&e, fd, fuzz_uptr(cur_u8(&c), cur_u16(&c)), cur_u16(&c));
			break;
		case OP_WRITE:
			fd = pick_fd(&c);
			harness_write(&e, fd, fuzz_uptr(cur_u8(&c), cur_u16(&c)), cur_u16(&c));
			break;
		case OP_PREAD:
		case OP_PWRITE: {
			bool wr = c.p[-1] % NR_OPS == OP_PWRITE;
			uint8_t sel = cur_u8(&c);
			/* BAR0 at 0, config space at 7 << 40, or anything */
			uint64_t off = (sel & 1) ? (7ULL << 40) + cur_u8(&c) : cur_u32(&c);
			uint64_t ubuf;
			size_t len;

			fd = pick_fd(&c);
			ubuf = fuzz_uptr(cur_u8(&c), cur_u16(&c));
			len = cur_u8(&c) % 17;
			if (sel & 2)
				off = cur_u64(&c);
			if (wr)
				harness_pwrite(&e, fd, ubuf, len, off);
			else
				harness_pread(&e, fd, ubuf, len, off);
			break;
		}
		case OP_POLL:
			fd = pick_fd(&c);
			if (harness_file(&e, fd))
				mock_poll(harness_file(&e, fd));
			break;
		case OP_MMAP:
			fd = pick_fd(&c);
			harness_mmap(&e, fd, (uint64_t)cur_u16(&c) << 12, (uint64_t)(cur_u8(&c) % 8) << 12,
				(int)(cur_u8(&c) & 7), (cur_u8(&c) & 1) ? MAP_SHARED : MAP_PRIVATE);
			break;
		case OP_FILL: {
			uint32_t off = cur_u16(&c) % FUZZ_ARENA_SIZE;
			size_t n = cur_u8(&c);

			if (n > FUZZ_ARENA_SIZE - off)
				n = FUZZ_ARENA_SIZE - off;
			cur_bytes(&c, arena + off, n);
			break;
		}
		case OP_SETUP:
			do_setup(&e, &c);
			break;
		}
	}
	harness_fini(&e);
	if (memfd >= 0)
		close(memfd);
	memfd = -1;
	return 0;
}
