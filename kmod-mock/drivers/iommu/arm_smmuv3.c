// SPDX-License-Identifier: MIT
/*
 * arm_smmuv3.c - the ARM SMMUv3 driver's vIOMMU (vSMMU) in the mock, as
 * Linux 7.3's arm-smmu-v3-iommufd.c shows it to user space: which guest STE
 * a nested domain takes (EIO for STE data the driver refuses), and which
 * guest command queue entries IOMMU_HWPT_INVALIDATE takes on the vIOMMU
 * (EIO for a command the driver would not forward, entry_num = how many
 * were accepted). The SMMU's features come from the ID registers the device
 * reports through GET_HW_INFO. Nothing is cached by the mock, so accepted
 * commands have no further effect. Its ops: hw_info, paging domains of the
 * generic page table, nested domains only on the vSMMU, and the stage-1
 * walk of a DMA through a nested STE.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arm_smmuv3.h"
#include "uaccess.h"

/* Bit fields of the architecture, written as (shift, width) masks. */
#define FIELD(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

/* STE dword 0 / 1 */
#define STE0_V (1ULL << 0)
#define STE0_CFG FIELD(3, 1)
#define STE0_S1FMT FIELD(5, 4)
#define STE0_S1CTXPTR FIELD(51, 6)
#define STE0_S1CDMAX FIELD(63, 59)
#define STE1_S1DSS FIELD(1, 0)
#define STE1_S1CIR FIELD(3, 2)
#define STE1_S1COR FIELD(5, 4)
#define STE1_S1CSH FIELD(7, 6)
#define STE1_S1STALLD (1ULL << 27)
#define STE1_EATS FIELD(29, 28)
#define STE1_EATS_ABT 0
#define STE1_EATS_TRANS 1

/* what a guest may set in a nested STE */
#define STE0_GUEST (STE0_V | STE0_CFG | STE0_S1FMT | STE0_S1CTXPTR | STE0_S1CDMAX)
#define STE1_GUEST (STE1_S1DSS | STE1_S1CIR | STE1_S1COR | STE1_S1CSH | STE1_S1STALLD | STE1_EATS)

/* command queue entries */
#define CMD_OP FIELD(7, 0)
#define CMD_SSV (1ULL << 11)
#define CMD_ATC_GLOBAL (1ULL << 9)
#define CMD_SSID FIELD(31, 12)
#define CMD_SID FIELD(63, 32)
#define CMD_TLBI_NUM FIELD(16, 12)
#define CMD_TLBI_SCALE FIELD(25, 20)
#define CMD_TLBI_VMID FIELD(47, 32)
#define CMD_TLBI_ASID_SHIFT 48
#define CMD1_LEAF (1ULL << 0)
#define CMD1_TLBI_TTL FIELD(9, 8)
#define CMD1_TLBI_TG FIELD(11, 10)
#define CMD1_ADDR FIELD(63, 12)
#define CMD1_ATC_SIZE FIELD(5, 0)
#define ATC_SIZE_ALL 52

enum {
	OP_CFGI_CD = 0x05,
	OP_CFGI_CD_ALL = 0x06,
	OP_TLBI_NH_ALL = 0x10,
	OP_TLBI_NH_ASID = 0x11,
	OP_TLBI_NH_VA = 0x12,
	OP_TLBI_NH_VAA = 0x13,
	OP_TLBI_NSNH_ALL = 0x30,
	OP_ATC_INV = 0x40,
};

/* ID register bits the driver derives its features from */
#define IDR0_ATS (1U << 10)
#define IDR0_ASID16 (1U << 12)
#define IDR1_SSIDSIZE_SHIFT 6
#define IDR3_RIL (1U << 10)
#define IDR5_DS (1U << 7)

struct vsmmu_features {
	unsigned int asid_bits, ssid_bits;
	bool ats, range_inv, ds;
};

static void vsmmu_features(const struct arm_vsmmu *vsmmu, struct vsmmu_features *f)
{
	f->asid_bits = (vsmmu->idr[0] & IDR0_ASID16) ? 16 : 8;
	f->ssid_bits = (vsmmu->idr[1] >> IDR1_SSIDSIZE_SHIFT) & 0x1f;
	f->ats = vsmmu->idr[0] & IDR0_ATS;
	f->range_inv = vsmmu->idr[3] & IDR3_RIL;
	f->ds = vsmmu->idr[5] & IDR5_DS;
}

static uint64_t get_field(uint64_t v, uint64_t mask)
{
	return (v & mask) >> __builtin_ctzll(mask);
}

/*
 * A guest STE for a nested domain: V clear means abort (the STE is zeroed);
 * otherwise only the stage-1 fields, Config abort / bypass / S1 translate and
 * EATS abort or full ATS are taken. EATS is dropped: the host sets it.
 */
int arm_vsmmu_validate_ste(struct iommu_hwpt_arm_smmuv3 *ste)
{
	uint64_t s0 = le64toh(ste->ste[0]), s1 = le64toh(ste->ste[1]);
	uint64_t cfg, eats;

	if (!(s0 & STE0_V)) {
		memset(ste->ste, 0, sizeof(ste->ste));
		return 0;
	}
	if ((s0 & ~STE0_GUEST) || (s1 & ~STE1_GUEST))
		return -EIO;
	cfg = get_field(s0, STE0_CFG);
	if (cfg != ARM_STE_CFG_ABORT && cfg != ARM_STE_CFG_BYPASS && cfg != ARM_STE_CFG_S1_TRANS)
		return -EIO;
	eats = get_field(s1, STE1_EATS);
	if (eats != STE1_EATS_ABT && eats != STE1_EATS_TRANS)
		return -EIO;
	ste->ste[1] = htole64(s1 & ~STE1_EATS);
	return 0;
}

unsigned int arm_vsmmu_ste_cfg(const struct iommu_hwpt_arm_smmuv3 *ste)
{
	uint64_t s0 = le64toh(ste->ste[0]);

	if (!(s0 & STE0_V))
		return ARM_STE_CFG_ABORT;
	return (unsigned int)get_field(s0, STE0_CFG);
}

/* Range TLBI fields: TG 0 means no range; some combinations are reserved. */
static int check_tlbi_range(const struct vsmmu_features *f, const uint64_t d[2])
{
	bool range = d[0] & (CMD_TLBI_NUM | CMD_TLBI_SCALE);
	uint64_t ttl = get_field(d[1], CMD1_TLBI_TTL), tg = get_field(d[1], CMD1_TLBI_TG);

	if (!tg)
		return (range || ttl) ? -EIO : 0;
	if (tg == 2 && ttl == 1 && !f->ds)
		return -EIO;
	if (!range && !ttl)
		return -EIO;
	return 0;
}

/* Which opcodes a guest may queue, and which fields each may set. */
static int check_guest_cmd(const struct vsmmu_features *f, const uint64_t d[2])
{
	uint64_t allowed0 = CMD_OP, allowed1 = 0;
	uint64_t asid = ((1ULL << f->asid_bits) - 1) << CMD_TLBI_ASID_SHIFT;

	switch (d[0] & CMD_OP) {
	case OP_TLBI_NSNH_ALL:
		break;
	case OP_TLBI_NH_VA:
		allowed0 |= asid;
		/* fall through */
	case OP_TLBI_NH_VAA:
		if (f->range_inv) {
			if (check_tlbi_range(f, d))
				return -EIO;
			allowed0 |= CMD_TLBI_NUM | CMD_TLBI_SCALE;
			allowed1 |= CMD1_TLBI_TG | CMD1_TLBI_TTL;
			/* the top SCALE bit needs DS */
			if (!f->ds)
				allowed0 &= ~(1ULL << 25);
		}
		allowed0 |= CMD_TLBI_VMID;
		allowed1 |= CMD1_LEAF | CMD1_ADDR;
		break;
	case OP_TLBI_NH_ASID:
		allowed0 |= asid;
		/* fall through */
	case OP_TLBI_NH_ALL:
		allowed0 |= CMD_TLBI_VMID;
		break;
	case OP_ATC_INV:
		if (!f->ats || get_field(d[1], CMD1_ATC_SIZE) > ATC_SIZE_ALL)
			return -EIO;
		if (f->ssid_bits)
			allowed0 |= CMD_SSV | CMD_SSID | CMD_ATC_GLOBAL;
		allowed0 |= CMD_SID;
		allowed1 |= CMD1_ATC_SIZE | CMD1_ADDR;
		break;
	case OP_CFGI_CD:
		if (f->ssid_bits)
			allowed0 |= CMD_SSID;
		allowed1 |= CMD1_LEAF;
		/* fall through */
	case OP_CFGI_CD_ALL:
		allowed0 |= CMD_SID;
		break;
	default:
		return -EIO;
	}
	if ((d[0] & ~allowed0) || (d[1] & ~allowed1))
		return -EIO;
	return 0;
}

/*
 * HWPT_INVALIDATE on an SMMUv3 vIOMMU: the whole array is read first (an
 * empty array or another data type is EINVAL), then each command is checked
 * in order; commands naming a stream (ATC_INV, CFGI_CD*) need a vDEVICE
 * whose virt_id is that vSID. entry_num says how many were taken.
 */
int arm_vsmmu_cache_invalidate(struct iommufd_viommu *viommu, const struct mock_task *task,
			       struct iommu_hwpt_invalidate *cmd)
{
	struct iommu_viommu_arm_smmuv3_invalidate *cmds = NULL;
	uint32_t i = 0, n = cmd->entry_num;
	struct vsmmu_features f;
	int rc = 0;

	vsmmu_features((struct arm_vsmmu *)viommu, &f);
	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 || !n) {
		rc = -EINVAL;
		goto out;
	}
	rc = mock_memdup_user_array(task, (void **)&cmds, n, sizeof(*cmds), cmd->data_uptr,
				    cmd->entry_len);
	if (rc)
		goto out;
	for (; i != n; i++) {
		uint64_t d[2] = { le64toh(cmds[i].cmd[0]), le64toh(cmds[i].cmd[1]) };
		uint64_t op = d[0] & CMD_OP;

		rc = check_guest_cmd(&f, d);
		if (rc)
			break;
		if ((op == OP_ATC_INV || op == OP_CFGI_CD || op == OP_CFGI_CD_ALL) &&
		    !iommufd_viommu_find_dev(viommu, get_field(d[0], CMD_SID))) {
			rc = -EIO;
			break;
		}
	}
out:
	cmd->entry_num = i;
	free(cmds);
	return rc;
}

/* ---------------- stage 1: the guest's context descriptor and tables ---------------- */

/* context descriptor dwords 0 and 1 */
#define CD0_T0SZ FIELD(5, 0)
#define CD0_TG0 FIELD(7, 6)
#define CD0_EPD0 (1ULL << 14)
#define CD0_V (1ULL << 31)
#define CD0_IPS FIELD(34, 32)
#define CD0_AA64 (1ULL << 41)
#define CD0_HA (1ULL << 43)
#define CD1_TTB0 FIELD(51, 4)
#define CD_BYTES 64
/* level-1 CD table descriptor */
#define L1CD_V (1ULL << 0)
#define L1CD_L2PTR FIELD(51, 12)
#define S1FMT_LINEAR 0
#define S1FMT_4K_L2 1
#define S1FMT_64K_L2 2
#define S1DSS_BYPASS 1
#define S1DSS_SSID0 2
/* VMSAv8-64 stage-1 descriptors, 4 KiB granule */
#define PTE_VALID (1ULL << 0)
#define PTE_TABLE (1ULL << 1) /* a table at levels 0-2, a page at level 3 */
#define PTE_AP_RDONLY (1ULL << 7)
#define PTE_AF (1ULL << 10)
#define PTE_ADDR FIELD(47, 12)
#define PTE_APTABLE_RDONLY (1ULL << 62)
/* event record dwords 0 and 1 */
#define EVT0_ID FIELD(7, 0)
#define EVT1_RNW (1ULL << 35)
#define EVT1_S2 (1ULL << 39)
#define EVT1_CLASS_SHIFT 40
#define EVT_CLASS_CD 0
#define EVT_CLASS_TT 1
#define EVT_CLASS_IN 2

static int s1_fault(uint64_t *evt, unsigned int id, unsigned int cls, bool s2, uint64_t iova,
		    bool write, int rc)
{
	evt[0] = id;
	evt[1] = ((uint64_t)cls << EVT1_CLASS_SHIFT) | (s2 ? EVT1_S2 : 0) | (write ? 0 : EVT1_RNW);
	evt[2] = iova;
	evt[3] = 0;
	return rc;
}

/* The context descriptor for substream 0 (the device's requests without PASID). */
static int s1_fetch_cd(const struct iommu_hwpt_arm_smmuv3 *ste, arm_vsmmu_read_fn read,
		       void *priv, uint64_t cd[2])
{
	uint64_t s0 = le64toh(ste->ste[0]), table = s0 & STE0_S1CTXPTR, desc;
	int rc;

	/* with substreams the L1 entry of SSID 0 comes first; linear: CD 0 */
	if (get_field(s0, STE0_S1CDMAX) &&
	    (get_field(s0, STE0_S1FMT) == S1FMT_4K_L2 ||
	     get_field(s0, STE0_S1FMT) == S1FMT_64K_L2)) {
		rc = read(priv, table, &desc);
		if (rc)
			return rc;
		if (!(desc & L1CD_V))
			return -EINVAL;
		table = desc & L1CD_L2PTR;
	}
	rc = read(priv, table, &cd[0]);
	if (!rc)
		rc = read(priv, table + 8, &cd[1]);
	return rc;
}

int arm_vsmmu_s1_translate(const struct iommu_hwpt_arm_smmuv3 *ste, uint64_t iova, bool write,
			   arm_vsmmu_read_fn read, void *priv, uint64_t *ipa, uint64_t evt[4])
{
	static const unsigned int ips_bits[] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	uint64_t s1 = le64toh(ste->ste[1]), cd[2], table, desc, mask;
	unsigned int ia_bits, oa_bits, level, bits, shift;
	bool rdonly = false;
	int rc;

	memset(evt, 0, 4 * sizeof(*evt));
	if (get_field(le64toh(ste->ste[0]), STE0_S1CDMAX)) {
		/* substreams on: untagged DMA follows S1DSS */
		if (get_field(s1, STE1_S1DSS) == S1DSS_BYPASS) {
			*ipa = iova;
			return 0;
		}
		if (get_field(s1, STE1_S1DSS) != S1DSS_SSID0)
			return s1_fault(evt, 0x08 /* C_BAD_SUBSTREAMID */, EVT_CLASS_CD, false, iova,
					write, -EPERM);
	}
	rc = s1_fetch_cd(ste, read, priv, cd);
	if (rc == -EINVAL)
		return s1_fault(evt, 0x0a /* C_BAD_CD */, EVT_CLASS_CD, false, iova, write, -ENOENT);
	if (rc)
		/* a CD fetch that stage 2 refuses: F_CD_FETCH, the host's business */
		return s1_fault(evt, 0x09, EVT_CLASS_CD, true, iova, write, -ENOENT);
	if (!(cd[0] & CD0_V) || get_field(cd[0], CD0_T0SZ) < 16 || get_field(cd[0], CD0_T0SZ) > 39)
		return s1_fault(evt, 0x0a /* C_BAD_CD */, EVT_CLASS_CD, false, iova, write, -ENOENT);
	/* AArch32 tables and the 16/64 KiB granules are not modelled */
	if (!(cd[0] & CD0_AA64) || get_field(cd[0], CD0_TG0) != 0)
		return -EOPNOTSUPP;

	ia_bits = 64 - (unsigned int)get_field(cd[0], CD0_T0SZ);
	oa_bits = ips_bits[get_field(cd[0], CD0_IPS)];
	if ((cd[0] & CD0_EPD0) || (iova >> ia_bits))
		return s1_fault(evt, 0x10 /* F_TRANSLATION */, EVT_CLASS_IN, false, iova, write,
				-ENOENT);

	/* 9 bits per level below the start level, the rest at the start */
	level = 4 - (ia_bits - 12 + 8) / 9;
	bits = ia_bits - 12 - 9 * (3 - level);
	table = cd[1] & CD1_TTB0;
	for (;; level++, bits = 9) {
		shift = 12 + 9 * (3 - level);
		rc = read(priv, (table & ~7ULL) + ((iova >> shift) & ((1ULL << bits) - 1)) * 8,
			  &desc);
		if (rc)
			return s1_fault(evt, 0x10, EVT_CLASS_TT, true, iova, write, -ENOENT);
		if (!(desc & PTE_VALID) || (level == 3 && !(desc & PTE_TABLE)) ||
		    (level == 0 && !(desc & PTE_TABLE)))
			return s1_fault(evt, 0x10, EVT_CLASS_IN, false, iova, write, -ENOENT);
		if (level == 3 || !(desc & PTE_TABLE))
			break;
		rdonly |= desc & PTE_APTABLE_RDONLY;
		table = desc & PTE_ADDR;
	}
	if (!(desc & PTE_AF) && !(cd[0] & CD0_HA))
		return s1_fault(evt, 0x12 /* F_ACCESS */, EVT_CLASS_IN, false, iova, write, -EACCES);
	if (write && (rdonly || (desc & PTE_AP_RDONLY)))
		return s1_fault(evt, 0x13 /* F_PERMISSION */, EVT_CLASS_IN, false, iova, write,
				-EACCES);
	mask = (1ULL << shift) - 1;
	*ipa = ((desc & PTE_ADDR) & ~mask) | (iova & mask);
	if (oa_bits < 64 && (*ipa >> oa_bits))
		return s1_fault(evt, 0x11 /* F_ADDR_SIZE */, EVT_CLASS_IN, false, iova, write,
				-ENOENT);
	return 0;
}

bool arm_vsmmu_event_forwarded(const uint64_t evt[4])
{
	/* what arm_smmu_handle_event() hands a vmaster: stage-1 events it knows */
	switch (evt[0] & EVT0_ID) {
	case 0x04: case 0x06: case 0x08: case 0x0a: case 0x10: case 0x11: case 0x12: case 0x13:
		return !(evt[1] & EVT1_S2);
	default:
		return false;
	}
}

/* ---- the driver's ops ---- */

static uint32_t arm_smmu_hw_info(const struct mock_dev *mdev, void *buf)
{
	struct iommu_hw_info_arm_smmuv3 info = { .flags = mdev->hw_info_flags };

	memcpy(info.idr, mdev->smmu_idr, sizeof(info.idr));
	info.iidr = 0x43b;
	info.aidr = 0x2;
	memcpy(buf, &info, sizeof(info));
	return sizeof(info);
}

/* arm_vsmmu_alloc_domain_nested(): a guest STE, reached only via a vIOMMU. */
static int arm_vsmmu_alloc_domain_nested(struct mock_nested_domain *nd,
					 const struct mock_domain *parent,
					 const struct mock_dev *mdev, uint32_t flags,
					 const struct mock_task *task,
					 const struct iommu_hwpt_alloc *cmd)
{
	struct iommu_hwpt_arm_smmuv3 *ste = &nd->data.smmu;
	int rc;

	(void)parent;
	(void)mdev;
	if (flags)
		return -EOPNOTSUPP;
	rc = mock_copy_struct_from_user(task, ste, sizeof(*ste),
					offsetofend(struct iommu_hwpt_arm_smmuv3, ste),
					IOMMU_HWPT_DATA_ARM_SMMUV3, cmd->data_type,
					cmd->data_uptr, cmd->data_len);
	if (rc)
		return rc;
	return arm_vsmmu_validate_ste(ste);
}

static int smmu_s2_read(void *priv, uint64_t ipa, uint64_t *val)
{
	int rc = mock_domain_read_u64(priv, ipa, val);

	if (!rc)
		*val = le64toh(*val);
	return rc;
}

/* A nested STE: bypass leaves stage 2 alone, abort blocks, S1 walks the guest's CD. */
static int arm_smmu_s1_translate(const struct mock_nested_domain *nd, struct mock_domain *s2,
				 uint64_t iova, bool write, uint64_t *s2_iova, uint64_t evt[4])
{
	switch (arm_vsmmu_ste_cfg(&nd->data.smmu)) {
	case ARM_STE_CFG_BYPASS:
		*s2_iova = iova;
		return 0;
	case ARM_STE_CFG_S1_TRANS:
		return arm_vsmmu_s1_translate(&nd->data.smmu, iova, write, smmu_s2_read, s2,
					      s2_iova, evt);
	default:
		return -EPERM;
	}
}


/* A nesting-capable SMMU has a vSMMU of its own type. */
static size_t arm_vsmmu_size(const struct mock_dev *mdev, uint32_t type)
{
	if (!mdev->nesting || type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
		return 0;
	return sizeof(struct arm_vsmmu);
}

static int arm_vsmmu_init(struct iommufd_viommu *viommu, struct iommufd_device *idev,
			  struct iommufd_ucmd *ucmd, const struct iommu_viommu_alloc *cmd)
{
	int rc = mock_viommu_init_parent(viommu);

	(void)ucmd;
	(void)cmd;
	if (rc)
		return rc;
	memcpy(((struct arm_vsmmu *)viommu)->idr, iommufd_device_mdev(idev)->smmu_idr,
	       sizeof(iommufd_device_mdev(idev)->smmu_idr));
	return 0;
}

/* The SMMU's stage-1 event, its StreamID replaced by the vSID. */
static void arm_vsmmu_report_fault(struct iommufd_viommu *viommu, uint64_t vdev_id,
				   const uint64_t *smmu_evt)
{
	struct iommu_vevent_arm_smmuv3 ev;

	if (!smmu_evt || !arm_vsmmu_event_forwarded(smmu_evt))
		return;
	ev.evt[0] = htole64((smmu_evt[0] & 0xffffffffULL) | (vdev_id << 32));
	for (unsigned int i = 1; i < 4; i++)
		ev.evt[i] = htole64(smmu_evt[i]);
	(void)iommufd_viommu_report_event(viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, &ev, sizeof(ev));
}

/* Without its vDEVICE only an STE that translates nothing (abort, bypass) is installed. */
static bool arm_vsmmu_attach_no_vdev(const struct mock_nested_domain *nd)
{
	unsigned int cfg = arm_vsmmu_ste_cfg(&nd->data.smmu);

	return cfg == ARM_STE_CFG_ABORT || cfg == ARM_STE_CFG_BYPASS;
}

static const struct mock_viommu_ops arm_vsmmu_ops = {
	.alloc_domain_nested = true,
	.cache_invalidate = arm_vsmmu_cache_invalidate,
	.report_fault = arm_vsmmu_report_fault,
};

/* The software MSI window of the SMMUv3 driver (MSI_IOVA_BASE, MSI_IOVA_LENGTH). */
#define ARM_SW_MSI_START 0x8000000ULL
#define ARM_SW_MSI_LAST 0x80fffffULL

static void arm_smmu_dev_defaults(struct mock_dev *mdev, const struct mock_dev_config *set)
{
	if (!mdev->aperture_bits)
		mdev->aperture_bits = 48;
	if (!set->resv)
		(void)mock_dev_add_resv(mdev, ARM_SW_MSI_START, ARM_SW_MSI_LAST);
	/*
	 * IDR0: S2P, S1P, AArch64 tables, HTTU (access+dirty) with dirty
	 * tracking, ATS unless no-ats, 16-bit ASIDs (the vSMMU's TLBI checks
	 * read these, as QEMU's SMMU sets them)
	 */
	mdev->smmu_idr[0] = 0x1 | 0x2 | (0x2 << 2) | (mdev->dirty ? 0x2u << 6 : 0) |
			    (mdev->no_ats ? 0 : 1u << 10) | (1u << 12);
	/* IDR1: SSIDSIZE; IDR3: RIL (range invalidation); IDR5: 4K granule, 48-bit OAS */
	mdev->smmu_idr[1] = mdev->pasid_log2 << 6;
	mdev->smmu_idr[3] = 1u << 10;
	mdev->smmu_idr[5] = (1 << 4) | 0x5;
}

static const char *const arm_smmu_names[] = { "smmuv3", "arm-smmuv3", NULL };

const struct mock_iommu_ops mock_arm_smmu_v3_ops = {
	.names = arm_smmu_names,
	/* drivers report their GET_HW_INFO type from a release on */
	.desc = "SMMUv3",
	.since_desc = "Linux 6.14 or later",
	.since_kv = MOCK_KV(6, 14),
	.dev_defaults = arm_smmu_dev_defaults,
	.hw_info_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
	.hw_info = arm_smmu_hw_info,
	.domain_alloc_paging = mock_domain_alloc_paging_generic,
	.nested_domain_init = arm_vsmmu_alloc_domain_nested,
	.s1_translate = arm_smmu_s1_translate,
	.get_viommu_size = arm_vsmmu_size,
	.viommu_init = arm_vsmmu_init,
	.viommu_ops = &arm_vsmmu_ops,
	.nested_attach_no_vdev = arm_vsmmu_attach_no_vdev,
};
