// SPDX-License-Identifier: MIT
/*
 * machine.c - the mock machine's devices: parses the device list of struct
 * mock_kernel_config (the syntax of doc/mock-devices.md, given to the daemon
 * as IOMMUFD_MOCK_DEVICES or by iommufd-mock-run --device) into VFIO PCI
 * devices /dev/vfio/devices/vfio0, vfio1, ... and gives each its power-on
 * state. This plays the firmware and the PCI/IOMMU probe of a real kernel.
 *
 * The default machine is one edu device behind an IOMMU that reports what
 * Linux 6.12 reports for QEMU 7.2's intel-iommu (legacy mode).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio.h"

#define MOCK_MACHINE_DEFAULT "edu"
/* The IOMMU of edu and plain devices, and of selftest devices (hwinfo= names). */
#define MOCK_MACHINE_IOMMU "vtd"
#define MOCK_SELFTEST_IOMMU "selftest"
#define MOCK_MAX_PCI_DEVS 64

/*
 * The machine's PCI segment: a domain of its own, so that no BDF of the
 * host's is shadowed under the shim (its sysfs.c knows the number too).
 */
#define MOCK_PCI_SEGMENT 0x00ed
#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))

struct dev_opts {
	bool has_model, has_iommu, has_dirty, has_nesting;
	struct mock_dev_config set; /* what the IOMMU driver's defaults leave alone */
};

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* Apply one "key[=value]" to @pdev. */
static int parse_opt(struct mock_pci_dev *pdev, struct dev_opts *o, char *opt, char *err,
		     size_t err_len)
{
	struct mock_dev *mdev = &pdev->mdev;
	char *val = strchr(opt, '=');
	uint64_t n;

	if (val)
		*val++ = '\0';
	if (!o->has_model) {
		if (val)
			return fail(err, err_len, "device model expected before '%s='", opt);
		if (!strcmp(opt, "edu"))
			pdev->model = MOCK_PCI_EDU;
		else if (!strcmp(opt, "plain") || !strcmp(opt, "selftest"))
			pdev->model = MOCK_PCI_PLAIN;
		else
			return fail(err, err_len, "unknown device model '%s' (edu, plain)", opt);
		/* "selftest" also chooses the selftest IOMMU */
		mdev->iommu = mock_iommu_find(!strcmp(opt, "edu") || !strcmp(opt, "plain") ?
						      MOCK_MACHINE_IOMMU :
						      MOCK_SELFTEST_IOMMU);
		o->has_model = true;
		return 0;
	}
	if (!strcmp(opt, "hwinfo") || !strcmp(opt, "iommu")) {
		const struct mock_iommu_ops *ops = val ? mock_iommu_find(val) : NULL;

		if (!ops) {
			char names[128];

			mock_iommu_names(names, sizeof(names));
			return fail(err, err_len, "%s= takes %s", opt, names);
		}
		mdev->iommu = ops;
		o->has_iommu = true;
	} else if (!strcmp(opt, "dirty") || !strcmp(opt, "nodirty")) {
		if (val)
			return fail(err, err_len, "%s takes no value", opt);
		mdev->dirty = opt[0] == 'd';
		o->has_dirty = true;
	} else if (!strcmp(opt, "nesting") || !strcmp(opt, "nonesting")) {
		if (val)
			return fail(err, err_len, "%s takes no value", opt);
		mdev->nesting = opt[0] == 'n' && opt[1] == 'e';
		o->has_nesting = true;
	} else if (!strcmp(opt, "pasid")) {
		if (!val || !parse_u64(val, &n) || n > 20)
			return fail(err, err_len, "pasid= takes a width in bits, 0 to 20");
		mdev->pasid_log2 = (unsigned int)n;
	} else if (!strcmp(opt, "aperture")) {
		if (!val || !parse_u64(val, &n) || n < 32 || n > 64)
			return fail(err, err_len, "aperture= takes address bits, 32 to 64");
		mdev->aperture_bits = (unsigned int)n;
	} else if (!strcmp(opt, "resv")) {
		char *dash;
		uint64_t last;

		if (!o->set.resv)
			mdev->nr_resv = 0;
		o->set.resv = true;
		if (val && !strcmp(val, "none"))
			return 0;
		dash = val ? strchr(val, '-') : NULL;
		if (!dash)
			return fail(err, err_len, "resv= takes START-LAST or none");
		*dash = '\0';
		if (!parse_u64(val, &n) || !parse_u64(dash + 1, &last) ||
		    mock_dev_add_resv(mdev, n, last))
			return fail(err, err_len, "bad resv=%s-%s (at most %d regions)", val,
				    dash + 1, MOCK_MAX_RESV);
	} else if (!strcmp(opt, "cap") || !strcmp(opt, "efr") || !strcmp(opt, "ecap") ||
		   !strcmp(opt, "efr2")) {
		int i = !strcmp(opt, "ecap") || !strcmp(opt, "efr2");

		if (!val || !parse_u64(val, &n))
			return fail(err, err_len, "%s= takes a number", opt);
		mdev->hw_info_reg[i] = n;
		o->set.hw_info_reg[i] = true;
	} else if (!strcmp(opt, "hwinfo-flags")) {
		if (!val || !parse_u64(val, &n) || n > UINT32_MAX)
			return fail(err, err_len, "hwinfo-flags= takes a 32-bit number");
		mdev->hw_info_flags = (uint32_t)n;
		o->set.hw_info_flags = true;
	} else if (!strcmp(opt, "reset")) {
		pdev->reset_works = true;
	} else if (!strcmp(opt, "bridge")) {
		pdev->behind_bridge = true;
	} else if (!strcmp(opt, "no-ats")) {
		mdev->no_ats = true;
	} else if (!strcmp(opt, "ats")) {
		mdev->ats = true;
	} else if (!strcmp(opt, "noiommu")) {
		/* VFIO no-IOMMU mode: a software page table, IOAS_NOIOMMU_GET_PA */
		mdev->no_iommu = true;
	} else if (!strcmp(opt, "dma-bits")) {
		if (!val || !parse_u64(val, &n) || n < 12 || n > 64)
			return fail(err, err_len, "dma-bits= takes 12 to 64");
		pdev->dma_bits = (unsigned int)n;
	} else {
		return fail(err, err_len, "unknown device option '%s'", opt);
	}
	return 0;
}

/* What the chosen IOMMU reports unless the configuration says otherwise. */
static void apply_iommu_defaults(struct mock_pci_dev *pdev, const struct dev_opts *o)
{
	struct mock_dev *mdev = &pdev->mdev;
	const struct mock_iommu_ops *ops = dev_iommu_ops(mdev);

	if (!o->has_dirty)
		mdev->dirty = ops->default_dirty;
	if (!o->has_nesting)
		mdev->nesting = ops->default_nesting;
	if (ops->dev_defaults)
		ops->dev_defaults(mdev, &o->set);
}

static void pci_config_init(struct mock_pci_dev *pdev)
{
	uint8_t *c = pdev->config;
	uint16_t vendor = 0x1234, device = 0x11e8;

	if (pdev->model == MOCK_PCI_PLAIN) {
		vendor = 0x1b36; /* QEMU's PCI test device */
		device = 0x0005;
	}
	memset(c, 0, MOCK_PCI_CFG_SIZE);
	c[0x00] = (uint8_t)vendor;
	c[0x01] = (uint8_t)(vendor >> 8);
	c[0x02] = (uint8_t)device;
	c[0x03] = (uint8_t)(device >> 8);
	/* vfio-pci enables the device when it is opened: memory decoding on, bus master off */
	c[PCI_COMMAND] = PCI_COMMAND_MEMORY;
	c[0x06] = 0x10; /* status: capability list */
	c[0x08] = 0x10; /* revision */
	c[0x0a] = 0xff; /* class 0x00ff00 (unclassified, other), as QEMU's edu */
	pdev->bar0_addr = 0xfea00000u - pdev->index * (uint32_t)MOCK_PCI_BAR0_SIZE;
	memcpy(&c[PCI_BASE_ADDRESS_0], &pdev->bar0_addr, 4); /* 32-bit memory BAR */
	c[0x2c] = 0xf4; /* subsystem 1af4:1100 */
	c[0x2d] = 0x1a;
	c[0x2e] = 0x00;
	c[0x2f] = 0x11;
	c[0x34] = 0x40; /* MSI capability, 64-bit */
	c[0x3d] = 0x01; /* INTA */
	c[0x40] = 0x05;
	c[0x42] = 0x80;
}

void mock_pci_dev_reset(struct mock_pci_dev *pdev)
{
	pci_config_init(pdev);
	pdev->bar0_sizing = false;
	edu_reset(pdev);
}

static int parse_device(struct mock_kernel *k, char *spec, char *err, size_t err_len)
{
	struct mock_pci_dev *pdev, **devs;
	struct dev_opts o = { 0 };
	char *save = NULL, *opt;
	int rc = 0;

	if (k->nr_pci_devs == MOCK_MAX_PCI_DEVS)
		return fail(err, err_len, "at most %d devices", MOCK_MAX_PCI_DEVS);
	pdev = calloc(1, sizeof(*pdev));
	if (!pdev)
		return -ENOMEM;
	pdev->k = k;
	pdev->index = k->nr_pci_devs;
	pdev->dma_bits = 28; /* QEMU's edu default dma_mask */
	for (opt = strtok_r(spec, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		size_t len;

		while (*opt == ' ')
			opt++;
		len = strlen(opt);
		while (len && opt[len - 1] == ' ')
			opt[--len] = '\0';
		rc = parse_opt(pdev, &o, opt, err, err_len);
		if (rc)
			goto out_free;
	}
	if (!o.has_model) {
		rc = fail(err, err_len, "empty device description");
		goto out_free;
	}
	apply_iommu_defaults(pdev, &o);
	/* drivers report their GET_HW_INFO type from a release on */
	if (mock_dev_probe_iommu(&pdev->mdev, k->kv)) {
		rc = fail(err, err_len, "an %s IOMMU needs %s (%s presented)",
			  dev_iommu_ops(&pdev->mdev)->desc, dev_iommu_ops(&pdev->mdev)->since_desc,
			  mock_release_name(k->kv));
		goto out_free;
	}
	pdev->mdev.id = pdev->index;
	for (unsigned int i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		pdev->mdev.cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	vfio_pci_irqs_init(pdev);
	mock_pci_dev_reset(pdev);

	devs = realloc(k->pci_devs, (k->nr_pci_devs + 1) * sizeof(*devs));
	if (!devs) {
		rc = -ENOMEM;
		goto out_free;
	}
	k->pci_devs = devs;
	k->pci_devs[k->nr_pci_devs++] = pdev;
	return 0;

out_free:
	free(pdev);
	return rc;
}

/* The host's own IOMMU groups come first: the mock's follow its highest number. */
static unsigned int host_first_free_group(void)
{
	unsigned int next = 1; /* group 0: the host bridge on q35 */
	DIR *d = opendir("/sys/kernel/iommu_groups");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *end;
		unsigned long n = strtoul(de->d_name, &end, 10);

		if (!*end && end != de->d_name && n + 1 > next && n < 1u << 20)
			next = (unsigned int)n + 1;
	}
	if (d)
		closedir(d);
	return next;
}

/*
 * The firmware's enumeration: devices in order take the slots 1 to 31 of the
 * root bus (slot 0 is q35's host bridge, which the mock has not); a device
 * with "bridge" takes its slot for a PCI bridge and sits at slot 1 of the
 * bridge's secondary bus, the next bus number free (1 for the first, as QEMU
 * numbers `-device pci-bridge`). A full root bus continues on another root
 * bus, the next bus number free. Device <index> is alone in IOMMU group
 * <group_base + index>.
 */
static void machine_enumerate(struct mock_kernel *k, unsigned int group_base)
{
	unsigned int root_bus = 0, slot = 1, next_bus = 1;

	for (unsigned int i = 0; i != k->nr_pci_devs; i++) {
		struct mock_pci_dev *pdev = k->pci_devs[i];

		if (slot == 32) {
			root_bus = next_bus++;
			slot = 1;
		}
		pdev->segment = MOCK_PCI_SEGMENT;
		if (pdev->behind_bridge) {
			pdev->bridge_bus = (uint8_t)root_bus;
			pdev->bridge_devfn = PCI_DEVFN(slot, 0);
			pdev->bus = (uint8_t)next_bus++;
			pdev->devfn = PCI_DEVFN(1, 0);
		} else {
			pdev->bus = (uint8_t)root_bus;
			pdev->devfn = PCI_DEVFN(slot, 0);
		}
		slot++;
		pdev->iommu_group = group_base + i;
	}
}

int mock_machine_init(struct mock_kernel *k, const char *spec, unsigned int group_base, char *err,
		      size_t err_len)
{
	char *copy, *save = NULL, *dev;
	int rc = 0;

	if (!spec)
		spec = MOCK_MACHINE_DEFAULT;
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (dev = strtok_r(copy, ";", &save); dev; dev = strtok_r(NULL, ";", &save)) {
		if (!dev[strspn(dev, " ")])
			continue;
		rc = parse_device(k, dev, err, err_len);
		if (rc)
			break;
	}
	free(copy);
	if (rc)
		mock_machine_free(k);
	else
		machine_enumerate(k, group_base ? group_base : host_first_free_group());
	return rc;
}

void mock_machine_free(struct mock_kernel *k)
{
	unsigned int i;

	for (i = 0; i != k->nr_pci_devs; i++) {
		vfio_pci_irqs_release(k->pci_devs[i]);
		free(k->pci_devs[i]);
	}
	free(k->pci_devs);
	k->pci_devs = NULL;
	k->nr_pci_devs = 0;
}
