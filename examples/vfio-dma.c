// SPDX-License-Identifier: MIT
/*
 * vfio-dma.c - a device doing DMA through the IOMMU with libiommufd: bind a
 * VFIO device cdev to an iommufd context, attach it to an IOAS, show what its
 * IOMMU is, map two buffers and let QEMU's edu device copy one into the other
 * by DMA; then unmap the target and show that the IOMMU blocks the device's
 * writes to it, remap it and see DMA reach it again.
 *
 * Usage: vfio-dma [/dev/vfio/devices/vfioN]
 * Without an argument: $RK_VFIO_DEV or $KT_VFIO_DEV, else the first VFIO
 * device. Exit 0 on success, 1 on failure, 77 when there is no VFIO device
 * (or no iommufd, or the device is not an edu).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#include "edu.h"

#define PROG "vfio-dma"
#define PAGE 4096UL
#define EXIT_SKIP 77

/* Low IOVAs: edu reaches 28 bits only. */
#define IOVA_A 0x100000ULL
#define IOVA_B 0x200000ULL

/* A few fields of the VT-d Capability and Extended Capability registers (VT-d spec 11.4.2-3). */
static void print_vtd(const struct iommufd_hw_info_vtd *vtd)
{
	uint64_t cap = vtd->cap_reg, ecap = vtd->ecap_reg;

	/* the fields of <iommufd/intel_vtd.h> */
#define YN(reg, f) (iommufd_field_get(reg, IOMMUFD_VTD_##f) ? "yes" : "no")
	uint64_t sagaw = iommufd_field_get(cap, IOMMUFD_VTD_CAP_SAGAW);
	uint64_t sslps = iommufd_field_get(cap, IOMMUFD_VTD_CAP_SSLPS);

	printf("  Intel VT-d: flags %#" PRIx32 "%s, cap_reg %#" PRIx64 ", ecap_reg %#" PRIx64 "\n",
	       vtd->flags,
	       vtd->flags & IOMMUFD_VTD_HW_INFO_ERRATA_772415_SPR17 ? " (erratum 772415)" : "", cap,
	       ecap);
	printf("    cap:  %" PRIu64 " domains, guest address width %" PRIu64 " bits, "
	       "page-table levels%s%s%s, page sizes 4K%s%s, %" PRIu64 " fault record(s)%s\n",
	       (uint64_t)1 << (4 + 2 * iommufd_field_get(cap, IOMMUFD_VTD_CAP_ND)),
	       iommufd_field_get(cap, IOMMUFD_VTD_CAP_MGAW) + 1, sagaw & 2 ? " 3" : "",
	       sagaw & 4 ? " 4" : "", sagaw & 8 ? " 5" : "", sslps & 1 ? " 2M" : "",
	       sslps & 2 ? " 1G" : "", iommufd_field_get(cap, IOMMUFD_VTD_CAP_NFR) + 1,
	       cap & IOMMUFD_VTD_CAP_PSI ? ", page-selective invalidation" : "");
	printf("    ecap: queued invalidation %s, interrupt remapping %s, pass-through %s, "
	       "snoop control %s\n",
	       YN(ecap, ECAP_QI), YN(ecap, ECAP_IR), YN(ecap, ECAP_PT), YN(ecap, ECAP_SC));
	/* PASIDs, first-level tables and dirty bits exist in scalable mode only */
	if (!(ecap & IOMMUFD_VTD_ECAP_SMTS)) {
		printf("          legacy mode (no scalable mode): no PASID, nesting or dirty "
		       "tracking\n");
		return;
	}
	printf("          scalable mode: first-level %s, second-level %s, nesting %s, "
	       "PASID %s (%" PRIu64 " bits), dirty tracking (SLADS) %s\n",
	       YN(ecap, ECAP_FSTS), YN(ecap, ECAP_SSTS), YN(ecap, ECAP_NEST), YN(ecap, ECAP_PASID),
	       ecap & IOMMUFD_VTD_ECAP_PASID ? iommufd_field_get(ecap, IOMMUFD_VTD_ECAP_PSS) + 1 : 0,
	       YN(ecap, ECAP_SSADS));
#undef YN
}

static int print_hw_info(struct iommufd_device *dev)
{
	static const char *const types[] = { "none", "Intel VT-d", "ARM SMMUv3",
					     "NVIDIA Tegra241 CMDQV", "AMD" };
	uint64_t data[32];
	struct iommufd_hw_info info;
	union {
		struct iommufd_hw_info_vtd vtd;
		struct iommufd_hw_info_arm_smmuv3 smmu;
		struct iommufd_hw_info_amd amd;
	} u;
	int ret;

	ret = iommufd_device_get_hw_info(dev, NULL, &info, data, sizeof(data));
	if (ret == -ENOTTY) {
		printf("IOMMU: this kernel has no IOMMU_GET_HW_INFO (older than 6.6)\n");
		return 0;
	}
	if (ret)
		return edu_fail(PROG, "IOMMU_GET_HW_INFO", ret);
	printf("IOMMU: %s (data type %" PRIu32 ", %" PRIu32 " bytes), PASID bits %u, "
	       "capabilities %#" PRIx64 "%s%s%s%s%s\n",
	       info.data_type < sizeof(types) / sizeof(types[0]) ? types[info.data_type] :
								   "unknown",
	       info.data_type, info.data_len, info.max_pasid_log2, info.capabilities,
	       info.capabilities ? ":" : " (none)",
	       info.capabilities & IOMMUFD_HW_CAP_DIRTY_TRACKING ? " dirty-tracking" : "",
	       info.capabilities & IOMMUFD_HW_CAP_PCI_PASID_EXEC ? " pasid-exec" : "",
	       info.capabilities & IOMMUFD_HW_CAP_PCI_PASID_PRIV ? " pasid-priv" : "",
	       info.capabilities & IOMMUFD_HW_CAP_PCI_ATS_NOT_SUPPORTED ? " no-ats" : "");
	if (!iommufd_hw_info_decode_vtd(&info, data, sizeof(data), &u.vtd)) {
		print_vtd(&u.vtd);
	} else if (!iommufd_hw_info_decode_arm_smmuv3(&info, data, sizeof(data), &u.smmu)) {
		printf("  ARM SMMUv3: IDR0 %#" PRIx32 " IDR1 %#" PRIx32 " IDR3 %#" PRIx32
		       " IDR5 %#" PRIx32 " IIDR %#" PRIx32 " AIDR %#" PRIx32 "\n",
		       u.smmu.idr[0], u.smmu.idr[1], u.smmu.idr[3], u.smmu.idr[5], u.smmu.iidr,
		       u.smmu.aidr);
	} else if (!iommufd_hw_info_decode_amd(&info, data, sizeof(data), &u.amd)) {
		printf("  AMD: EFR %#" PRIx64 ", EFR2 %#" PRIx64 "\n", u.amd.efr, u.amd.efr2);
	}
	return 0;
}

/* Prints the usable IOVA ranges and checks that @iova .. @iova + @len - 1 lies in one. */
static int print_ranges(struct iommufd_ioas *ioas, const uint64_t *iovas, unsigned int n,
			uint64_t len)
{
	struct iommufd_iova_range *r;
	uint64_t alignment;
	uint32_t i, num;
	unsigned int k;
	int ret;

	ret = iommufd_ioas_get_iova_ranges_alloc(ioas, &r, &num, &alignment);
	if (ret)
		return edu_fail(PROG, "reading the IOVA ranges", ret);
	printf("IOAS %" PRIu32 ": %" PRIu32 " usable IOVA range(s), alignment %#" PRIx64 "\n",
	       iommufd_ioas_get_id(ioas), num, alignment);
	for (i = 0; i < num; i++)
		printf("  [0x%016" PRIx64 " - 0x%016" PRIx64 "]\n", r[i].start, r[i].last);
	for (k = 0; k < n; k++) {
		for (i = 0; i < num; i++)
			if (iovas[k] >= r[i].start && iovas[k] <= r[i].last &&
			    r[i].last - iovas[k] >= len - 1)
				break;
		if (i == num || iovas[k] % alignment) {
			fprintf(stderr, PROG ": IOVA %#" PRIx64 " is not usable here\n", iovas[k]);
			ret = -ERANGE;
		}
	}
	free(r);
	return ret;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Lets edu copy EDU_XFER bytes from @from to @to through its buffer. */
static int edu_copy(struct edu *e, uint64_t from, uint64_t to)
{
	int ret = edu_dma(e, from, EDU_XFER, false);

	return ret ? ret : edu_dma(e, to, EDU_XFER, true);
}

static int map_fixed(struct iommufd_ioas *ioas, void *buf, uint64_t iova, uint32_t flags,
		     const char *name)
{
	IOMMUFD_OPTS(iommufd_ioas_map_opts, opts, .flags = IOMMUFD_MAP_FIXED_IOVA | flags);
	int ret = iommufd_ioas_map(ioas, buf, PAGE, &iova, &opts);

	if (ret) {
		fprintf(stderr, PROG ": mapping %s failed: %s (%s)\n", name, iommufd_strerror(ret),
			strerror(-ret));
		return ret;
	}
	printf("mapped %s at IOVA %#" PRIx64 " (%s)\n", name, iova,
	       flags & IOMMUFD_MAP_WRITEABLE ? "device may read and write" :
					       "device may only read");
	return 0;
}

static int run(struct iommufd_ctx *ctx, struct iommufd_device *dev, uint8_t *a, uint8_t *b)
{
	const uint64_t iovas[] = { IOVA_A, IOVA_B };
	struct iommufd_ioas *ioas = NULL;
	uint64_t unmapped = 0;
	uint32_t hwpt_id = 0;
	unsigned int i;
	struct edu e;
	int ret, rc = 1;

	ret = print_hw_info(dev);
	if (ret)
		return 1;
	ret = iommufd_ioas_create(ctx, &ioas);
	if (ret) {
		edu_fail(PROG, "creating an IOAS", ret);
		return 1;
	}
	ret = iommufd_device_attach(dev, iommufd_ioas_as_pt(ioas), &hwpt_id);
	if (ret) {
		edu_fail(PROG, "attaching the device to the IOAS", ret);
		goto out_ioas;
	}
	printf("attached device %" PRIu32 " to IOAS %" PRIu32 " through HWPT %" PRIu32 "\n",
	       iommufd_device_get_id(dev), iommufd_ioas_get_id(ioas), hwpt_id);
	/* the reserved ranges of the attached device's IOMMU are excluded now */
	if (print_ranges(ioas, iovas, 2, PAGE))
		goto out_detach;

	ret = edu_open(&e, dev, PROG);
	if (ret == -ENODEV) {
		rc = EXIT_SKIP;
		goto out_detach;
	}
	if (ret)
		goto out_detach;

	for (i = 0; i < PAGE; i++)
		a[i] = (uint8_t)(i * 7 + 3);
	memset(b, 0, PAGE);
	if (map_fixed(ioas, a, IOVA_A, IOMMUFD_MAP_READABLE, "buffer A") ||
	    map_fixed(ioas, b, IOVA_B, IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE,
		      "buffer B"))
		goto out_detach;

	if (edu_copy(&e, IOVA_A, IOVA_B))
		goto out_detach;
	if (memcmp(a, b, EDU_XFER) || !all_bytes(b + EDU_XFER, PAGE - EDU_XFER, 0)) {
		fprintf(stderr, PROG ": FAIL: buffer B does not hold A's %u bytes\n", EDU_XFER);
		goto out_detach;
	}
	printf("DMA A -> edu -> B: %u bytes copied through the IOMMU, verified byte for byte\n",
	       EDU_XFER);

	ret = iommufd_ioas_unmap(ioas, IOVA_B, PAGE, &unmapped);
	if (ret) {
		edu_fail(PROG, "unmapping buffer B", ret);
		goto out_detach;
	}
	printf("unmapped %" PRIu64 " bytes at IOVA %#llx (buffer B)\n", unmapped, IOVA_B);
	/* edu's buffer still holds A's bytes: a write that got through would show them */
	memset(b, 0x5a, PAGE);
	if (edu_dma(&e, IOVA_B, EDU_XFER, true))
		goto out_detach;
	if (!all_bytes(b, PAGE, 0x5a)) {
		fprintf(stderr, PROG ": FAIL: DMA to the unmapped IOVA changed buffer B\n");
		goto out_detach;
	}
	printf("DMA edu -> unmapped IOVA %#llx: the device reports it done, "
	       "the IOMMU blocked it (B unchanged)\n", IOVA_B);

	memset(b, 0, PAGE);
	if (map_fixed(ioas, b, IOVA_B, IOMMUFD_MAP_READABLE | IOMMUFD_MAP_WRITEABLE,
		      "buffer B again"))
		goto out_detach;
	if (edu_copy(&e, IOVA_A, IOVA_B))
		goto out_detach;
	if (memcmp(a, b, EDU_XFER)) {
		fprintf(stderr, PROG ": FAIL: after remapping, B does not hold A's bytes\n");
		goto out_detach;
	}
	printf("DMA A -> edu -> B after remapping: verified\n");
	rc = 0;

out_detach:
	ret = iommufd_device_detach(dev);
	if (ret) {
		edu_fail(PROG, "detaching the device", ret);
		rc = 1;
	}
out_ioas:
	/* its mappings go with it */
	ret = iommufd_ioas_destroy(ioas);
	if (ret) {
		edu_fail(PROG, "destroying the IOAS", ret);
		rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct iommufd_device *dev = NULL;
	struct iommufd_ctx *ctx = NULL;
	const char *path;
	uint8_t *a, *b;
	int ret, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: %s [/dev/vfio/devices/vfioN]\n", argv[0]);
		return 1;
	}
	printf("libiommufd %s\n", iommufd_version());
	path = edu_find_device(argc > 1 ? argv[1] : NULL);
	if (!path) {
		printf(PROG ": SKIP: no VFIO device (/dev/vfio/devices/vfioN)\n");
		return EXIT_SKIP;
	}

	ret = iommufd_ctx_open(NULL, &ctx);
	if (ret) {
		edu_fail(PROG, "opening /dev/iommu", ret);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	ret = iommufd_device_bind_path(ctx, path, NULL, &dev);
	if (ret) {
		edu_fail(PROG, path, ret);
		iommufd_ctx_close(ctx);
		return ret == -ENOENT ? EXIT_SKIP : 1;
	}
	printf("bound %s: device id %" PRIu32 "\n", path, iommufd_device_get_id(dev));

	/* page-aligned, like the guest RAM a VMM maps */
	a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		perror(PROG ": mmap");
		rc = 1;
	} else {
		rc = run(ctx, dev, a, b);
	}

	/* closing the VFIO fd unbinds the device */
	iommufd_device_unbind(dev);
	iommufd_ctx_close(ctx);
	if (a != MAP_FAILED)
		munmap(a, PAGE);
	if (b != MAP_FAILED)
		munmap(b, PAGE);
	printf(PROG ": %s\n", rc == 0 ? "PASS" : rc == EXIT_SKIP ? "SKIP" : "FAIL");
	return rc;
}
