// SPDX-License-Identifier: MIT
/*
 * test-drv-smmuv3.c - <iommufd/arm_smmuv3.h> end to end against the mock's
 * SMMUv3 (machine "edu,hwinfo=smmuv3,nesting,pasid=8"): the ID register
 * fields of the hw_info, nested STEs made by the STE builders, a stage-1 DMA
 * through a CD built with the CD fields, vEVENT records decoded with the
 * event fields, and every command builder taken by the vIOMMU's
 * invalidation (and the bad ones refused, with entry_num at the bad one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/arm_smmuv3.h>

#include "iommufd-uapi.h"
#include "drv-helpers.h"

#define VSID 0x42
#define S1_IOVA 0x5000000ULL
/* VMSAv8-64 stage-1 descriptors, 4 KiB granule */
#define LPAE_TABLE 0x3ULL
#define LPAE_PAGE (0x3ULL | (1ULL << 10)) /* valid page, access flag set */

/* The STE of @ste (CPU order) as the kernel takes it: little-endian words. */
static int ste_alloc(struct drv_machine *m, uint32_t viommu, const uint64_t ste[2], uint32_t *id)
{
	struct iommu_hwpt_arm_smmuv3 data = {
		.ste = { iommufd_smmuv3_le64(ste[0]), iommufd_smmuv3_le64(ste[1]) },
	};

	return drv_hwpt_alloc(m, 0, viommu, IOMMU_HWPT_DATA_ARM_SMMUV3, &data, sizeof(data), id);
}

static int inv(struct drv_machine *m, uint32_t viommu, const struct iommufd_smmuv3_cmd *cmds,
	       uint32_t *num)
{
	return drv_invalidate(m, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds,
			      sizeof(*cmds), num);
}

/* The layouts and encodings, against the architecture's bit positions. */
static void test_encodings(void **state)
{
	struct iommufd_smmuv3_cmd c;
	uint64_t ste[2];

	(void)state;
	assert_int_equal(sizeof(struct iommufd_smmuv3_cmd), 16);
	assert_int_equal(sizeof(struct iommufd_smmuv3_cmd),
			 sizeof(struct iommu_viommu_arm_smmuv3_invalidate));
	c = iommufd_smmuv3_cmd_tlbi_nh_asid(0x1234);
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[0]), 0x11 | (0x1234ULL << 48));
	assert_int_equal(c.cmd[1], 0);
	c = iommufd_smmuv3_cmd_tlbi_nh_va(0xbeef, 0x12345678abcULL, true);
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[0]), 0x12 | (0xbeefULL << 48));
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[1]), 0x12345678000ULL | 1);
	c = iommufd_smmuv3_cmd_cfgi_cd(0x42, 7, true);
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[0]), 0x05 | (7ULL << 12) | (0x42ULL << 32));
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[1]), 1);
	c = iommufd_smmuv3_cmd_atc_inv(0x42, 0x7000, IOMMUFD_SMMUV3_ATC_SIZE_ALL);
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[0]), 0x40 | (0x42ULL << 32));
	assert_int_equal(iommufd_smmuv3_le64(c.cmd[1]), 0x7000 | 52);
	/* a field's value is cut to its width */
	assert_int_equal(iommufd_field_prep(IOMMUFD_SMMUV3_STE0_CFG, 0xd), 0xaULL);
	assert_int_equal(iommufd_field_get(0xaULL, IOMMUFD_SMMUV3_STE0_CFG), 5);

	iommufd_smmuv3_ste_s1(ste, 0x8765432140ULL, IOMMUFD_SMMUV3_STE_S1FMT_64K_L2, 3,
			      IOMMUFD_SMMUV3_STE_S1DSS_SSID0);
	assert_int_equal(ste[0], 0x1 | (5 << 1) | (2 << 4) | 0x8765432140ULL | (3ULL << 59));
	assert_int_equal(ste[1], 2 | (1 << 2) | (1 << 4));
	assert_int_equal(ste[0] & ~IOMMUFD_SMMUV3_STE0_GUEST, 0);
	assert_int_equal(ste[1] & ~IOMMUFD_SMMUV3_STE1_GUEST, 0);
	iommufd_smmuv3_ste_bypass(ste);
	assert_int_equal(ste[0], 0x9);
	iommufd_smmuv3_ste_abort(ste);
	assert_int_equal(ste[0], 0x1);
}

static void test_hw_info(void **state)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct drv_machine m;
	uint32_t type;

	(void)state;
	drv_up(&m);
	assert_int_equal(drv_hw_info(&m, &info, sizeof(info), &type), 0);
	assert_int_equal(type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	assert_true(info.idr[0] & IOMMUFD_SMMUV3_IDR0_S1P);
	assert_true(info.idr[0] & IOMMUFD_SMMUV3_IDR0_ASID16);
	assert_true(info.idr[0] & IOMMUFD_SMMUV3_IDR0_ATS);
	assert_int_equal(iommufd_field_get(info.idr[0], IOMMUFD_SMMUV3_IDR0_TTF), 2);
	assert_int_equal(iommufd_field_get(info.idr[1], IOMMUFD_SMMUV3_IDR1_SSIDSIZE), 8);
	assert_true(info.idr[3] & IOMMUFD_SMMUV3_IDR3_RIL);
	assert_true(info.idr[5] & IOMMUFD_SMMUV3_IDR5_GRAN4K);
	assert_false(info.idr[5] & IOMMUFD_SMMUV3_IDR5_GRAN64K);
	assert_int_equal(iommufd_field_get(info.idr[5], IOMMUFD_SMMUV3_IDR5_OAS), 5);
	drv_down(&m);
}

struct vsmmu {
	struct drv_machine m;
	uint32_t parent, viommu, vdev;
};

static void vsmmu_up(struct vsmmu *v)
{
	drv_up(&v->m);
	assert_int_equal(drv_hwpt_alloc(&v->m, IOMMU_HWPT_ALLOC_NEST_PARENT, v->m.ioas_id, 0,
					NULL, 0, &v->parent), 0);
	assert_int_equal(drv_viommu_alloc(&v->m, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, v->parent,
					  &v->viommu), 0);
	assert_int_equal(drv_vdevice_alloc(&v->m, v->viommu, VSID, &v->vdev), 0);
}

/*
 * The command array is allocated as the kernel allocates it (kzalloc): a fault
 * point, so fail-nth can fail the call with ENOMEM before any command is
 * taken. Each fault point of the call is failed in turn until it succeeds.
 */
static void test_invalidate_fault(void **state)
{
	struct iommufd_smmuv3_cmd cmd = iommufd_smmuv3_cmd_tlbi_nh_all();
	bool enomem = false;
	char path[64], v[16];
	struct vsmmu vs;
	unsigned int n;
	uint32_t num;
	int fd, rc;

	(void)state;
	vsmmu_up(&vs);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)gettid());
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (n = 1; n < 64; n++) {
		int len = snprintf(v, sizeof(v), "%u", n);

		assert_int_equal(pwrite(fd, v, (size_t)len, 0), len);
		num = 1;
		rc = inv(&vs.m, vs.viommu, &cmd, &num);
		if (!rc)
			break;
		/* the vIOMMU lookup fails as ENOENT, the allocation as ENOMEM */
		assert_true(rc == ENOENT || rc == ENOMEM);
		assert_int_equal(num, 0);
		enomem |= rc == ENOMEM;
	}
	assert_int_equal(pwrite(fd, "0", 1, 0), 1);
	close(fd);
	assert_int_equal(rc, 0);
	assert_int_equal(num, 1);
	assert_true(enomem);
}

/* Every builder's command goes through the vIOMMU; the bad ones stop it where they are. */
static void test_invalidate(void **state)
{
	struct iommufd_smmuv3_cmd cmds[9];
	struct vsmmu v;
	uint32_t num;

	(void)state;
	vsmmu_up(&v);
	cmds[0] = iommufd_smmuv3_cmd_tlbi_nh_asid(0x1234);
	cmds[1] = iommufd_smmuv3_cmd_tlbi_nh_va(0x1234, S1_IOVA, true);
	cmds[2] = iommufd_smmuv3_cmd_tlbi_nh_vaa(S1_IOVA, false);
	cmds[3] = iommufd_smmuv3_cmd_tlbi_nh_all();
	cmds[4] = iommufd_smmuv3_cmd_tlbi_nsnh_all();
	cmds[5] = iommufd_smmuv3_cmd_cfgi_cd(VSID, 3, true);
	cmds[6] = iommufd_smmuv3_cmd_cfgi_cd_all(VSID);
	cmds[7] = iommufd_smmuv3_cmd_atc_inv(VSID, S1_IOVA, 0);
	cmds[8] = iommufd_smmuv3_cmd_atc_inv(VSID, 0, IOMMUFD_SMMUV3_ATC_SIZE_ALL);
	num = 9;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), 0);
	assert_int_equal(num, 9);

	/* CMD_TLBI_NH_ASID alone, with the largest 16-bit ASID */
	cmds[0] = iommufd_smmuv3_cmd_tlbi_nh_asid(0xffff);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), 0);
	assert_int_equal(num, 1);

	/* a stream without a vDEVICE: the third command fails, two were taken */
	cmds[0] = iommufd_smmuv3_cmd_tlbi_nh_asid(1);
	cmds[1] = iommufd_smmuv3_cmd_cfgi_cd_all(VSID);
	cmds[2] = iommufd_smmuv3_cmd_cfgi_cd_all(VSID + 1);
	num = 3;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), EIO);
	assert_int_equal(num, 2);
	/* an ATC size beyond "everything" */
	cmds[0] = iommufd_smmuv3_cmd_atc_inv(VSID, 0, IOMMUFD_SMMUV3_ATC_SIZE_ALL + 1);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), EIO);
	assert_int_equal(num, 0);
	/* a field the opcode does not have: TLBI_NH_ALL with an ASID */
	cmds[0] = iommufd_smmuv3_cmd_make(IOMMUFD_SMMUV3_OP_TLBI_NH_ALL |
						  iommufd_field_prep(IOMMUFD_SMMUV3_TLBI0_ASID, 1),
					  0);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), EIO);
	assert_int_equal(num, 0);
	/* an opcode of the host's, not the guest's (TLBI_S12_VMALL) */
	cmds[0] = iommufd_smmuv3_cmd_make(0x28, 0);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, cmds, &num), EIO);
	assert_int_equal(num, 0);
	/* the commands are SMMUv3 invalidation data, not VT-d's */
	cmds[0] = iommufd_smmuv3_cmd_tlbi_nh_all();
	num = 1;
	assert_int_equal(drv_invalidate(&v.m, v.viommu, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, cmds,
					sizeof(cmds[0]), &num), EINVAL);
	assert_int_equal(num, 0);

	assert_int_equal(drv_destroy(&v.m, v.vdev), 0);
	assert_int_equal(drv_destroy(&v.m, v.viommu), 0);
	assert_int_equal(drv_destroy(&v.m, v.parent), 0);
	drv_down(&v.m);
}

/* The guest STEs the builders make are the ones the kernel takes; others get -EIO. */
static void test_ste(void **state)
{
	uint32_t abort_pt, bypass, s1;
	uint64_t ste[2];
	struct vsmmu v;

	(void)state;
	vsmmu_up(&v);
	iommufd_smmuv3_ste_abort(ste);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, &abort_pt), 0);
	iommufd_smmuv3_ste_bypass(ste);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, &bypass), 0);
	iommufd_smmuv3_ste_s1(ste, DRV_IOVA_T, IOMMUFD_SMMUV3_STE_S1FMT_LINEAR, 4,
			      IOMMUFD_SMMUV3_STE_S1DSS_BYPASS);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, &s1), 0);
	/* Config S2 translate (6) is not a guest's */
	ste[0] = (ste[0] & ~IOMMUFD_SMMUV3_STE0_CFG) |
		 iommufd_field_prep(IOMMUFD_SMMUV3_STE0_CFG, 6);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, NULL), EIO);
	/* a word-1 field outside the guest's set (bit 19, MEV) */
	iommufd_smmuv3_ste_bypass(ste);
	ste[1] |= 1ULL << 19;
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, NULL), EIO);
	/* EATS 2 (S1CHK, a host's setting) */
	iommufd_smmuv3_ste_bypass(ste);
	ste[1] |= iommufd_field_prep(IOMMUFD_SMMUV3_STE1_EATS, 2);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, NULL), EIO);
	assert_int_equal(drv_destroy(&v.m, s1), 0);
	assert_int_equal(drv_destroy(&v.m, bypass), 0);
	assert_int_equal(drv_destroy(&v.m, abort_pt), 0);
	drv_down(&v.m);
}

/* Reads one SMMUv3 vEVENT's record, in CPU order. */
static void read_event(int fd, uint64_t evt[4])
{
	struct {
		struct iommufd_vevent_header hdr;
		struct iommu_vevent_arm_smmuv3 ev;
	} rec;

	assert_int_equal(read(fd, &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	for (int i = 0; i < 4; i++)
		evt[i] = iommufd_smmuv3_le64(rec.ev.evt[i]);
}

/*
 * A guest's stage 1 as a VMM's guest builds it: a linear CD table of one CD
 * (made with the CD fields) and a 4-level table, both in guest memory at
 * DRV_IOVA_T; the STE from iommufd_smmuv3_ste_s1(). Then a fault, as a
 * vEVENT record, decoded with the event fields.
 */
static void test_nested_dma(void **state)
{
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq), .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 8,
	};
	uint64_t *t, *l0, *l1, *l2, *l3, ste[2], evt[4];
	struct iommufd_smmuv3_cmd cmd;
	uint32_t s1, num;
	struct vsmmu v;

	(void)state;
	vsmmu_up(&v);
	t = mmap(NULL, 5 * DRV_PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t != MAP_FAILED);
	memset(t, 0, 5 * DRV_PG);
	l0 = t + 512;
	l1 = t + 1024;
	l2 = t + 1536;
	l3 = t + 2048;
	/* CD 0: 48-bit input, 4 KiB granule, TTB1 walks off, 48-bit IPA, AArch64, ASID 1 */
	t[0] = iommufd_field_prep(IOMMUFD_SMMUV3_CD0_T0SZ, 64 - 48) |
	       iommufd_field_prep(IOMMUFD_SMMUV3_CD0_TG0, 0) | IOMMUFD_SMMUV3_CD0_EPD1 |
	       IOMMUFD_SMMUV3_CD0_V | iommufd_field_prep(IOMMUFD_SMMUV3_CD0_IPS, 5) |
	       IOMMUFD_SMMUV3_CD0_AA64 | iommufd_field_prep(IOMMUFD_SMMUV3_CD0_ASID, 1);
	t[1] = (DRV_IOVA_T + DRV_PG) & IOMMUFD_SMMUV3_CD1_TTB0;
	l0[(S1_IOVA >> 39) & 511] = (DRV_IOVA_T + 2 * DRV_PG) | LPAE_TABLE;
	l1[(S1_IOVA >> 30) & 511] = (DRV_IOVA_T + 3 * DRV_PG) | LPAE_TABLE;
	l2[(S1_IOVA >> 21) & 511] = (DRV_IOVA_T + 4 * DRV_PG) | LPAE_TABLE;
	l3[(S1_IOVA >> 12) & 511] = DRV_IOVA_B | LPAE_PAGE;
	l3[((S1_IOVA + DRV_PG) >> 12) & 511] = DRV_IOVA_A | LPAE_PAGE;
	assert_int_equal(drv_map(&v.m, t, 5 * DRV_PG, DRV_IOVA_T, false), 0);
	vq.viommu_id = v.viommu;
	assert_int_equal(drv_ioctl(v.m.iommufd, IOMMU_VEVENTQ_ALLOC, &vq), 0);

	iommufd_smmuv3_ste_s1(ste, DRV_IOVA_T, IOMMUFD_SMMUV3_STE_S1FMT_LINEAR, 0,
			      IOMMUFD_SMMUV3_STE_S1DSS_TERMINATE);
	assert_int_equal(ste_alloc(&v.m, v.viommu, ste, &s1), 0);
	assert_int_equal(drv_attach(&v.m, s1), 0);
	drv_bus_master(&v.m);
	memset(v.m.a, 0x5a, DRV_PG);
	memset(v.m.b, 0, DRV_PG);
	drv_edu_dma(&v.m, S1_IOVA + DRV_PG, false); /* A -> edu */
	drv_edu_dma(&v.m, S1_IOVA, true);           /* edu -> B */
	assert_memory_equal(v.m.a, v.m.b, DRV_PG);

	/* the guest unmaps its page and invalidates it, as it would on hardware */
	l3[(S1_IOVA >> 12) & 511] = 0;
	cmd = iommufd_smmuv3_cmd_tlbi_nh_va(1, S1_IOVA, true);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, &cmd, &num), 0);
	assert_int_equal(num, 1);
	memset(v.m.b, 0x33, DRV_PG);
	drv_edu_dma(&v.m, S1_IOVA, true);
	assert_int_equal(v.m.b[0], 0x33);
	read_event(vq.out_veventq_fd, evt);
	assert_int_equal(iommufd_field_get(evt[0], IOMMUFD_SMMUV3_EVT0_ID),
			 IOMMUFD_SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(iommufd_field_get(evt[0], IOMMUFD_SMMUV3_EVT0_SID), VSID);
	assert_int_equal(evt[1] & IOMMUFD_SMMUV3_EVT1_RNW, 0); /* a write */
	assert_int_equal(evt[1] & IOMMUFD_SMMUV3_EVT1_S2, 0);  /* of stage 1 */
	assert_int_equal(evt[2] & IOMMUFD_SMMUV3_EVT2_ADDR, S1_IOVA);
	/* the CD made invalid: C_BAD_CD */
	t[0] &= ~IOMMUFD_SMMUV3_CD0_V;
	cmd = iommufd_smmuv3_cmd_cfgi_cd(VSID, 0, true);
	num = 1;
	assert_int_equal(inv(&v.m, v.viommu, &cmd, &num), 0);
	drv_edu_dma(&v.m, S1_IOVA + DRV_PG, false);
	read_event(vq.out_veventq_fd, evt);
	assert_int_equal(iommufd_field_get(evt[0], IOMMUFD_SMMUV3_EVT0_ID),
			 IOMMUFD_SMMUV3_EVT_C_BAD_CD);
	assert_int_equal(evt[1] & IOMMUFD_SMMUV3_EVT1_RNW, IOMMUFD_SMMUV3_EVT1_RNW); /* a read */

	assert_int_equal(drv_attach(&v.m, v.m.ioas_id), 0);
	assert_int_equal(drv_destroy(&v.m, s1), 0);
	close(vq.out_veventq_fd);
	drv_down(&v.m);
	munmap(t, 5 * DRV_PG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_encodings, drv_teardown),
		cmocka_unit_test_teardown(test_hw_info, drv_teardown),
		cmocka_unit_test_teardown(test_invalidate, drv_teardown),
		cmocka_unit_test_teardown(test_invalidate_fault, drv_teardown),
		cmocka_unit_test_teardown(test_ste, drv_teardown),
		cmocka_unit_test_teardown(test_nested_dma, drv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
