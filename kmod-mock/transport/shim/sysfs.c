// SPDX-License-Identifier: MIT
/*
 * sysfs.c - the mock devices' sysfs, as a kernel shows a PCI device bound to
 * vfio-pci (compared with Debian's 6.12 under QEMU: tests/mock-devices/sysfs.c).
 *
 * On the first look at one of the mock's names, the shim builds a tree of
 * plain files, directories and relative symlinks that mirrors /sys for the
 * machine's devices in a private directory (mkdtemp: mode 0700, this user's,
 * removed when the process that made it exits; iommufd-mock-run's directory
 * for the run, MOCK_ENV_SYSFS_DIR, also goes when a killed program could not
 * remove it), and the interposed path
 * calls (open, stat, readlink, opendir, access, realpath: shim.c, stat.c)
 * use the tree's copy of the paths below. Everything else, the host's own
 * PCI devices and IOMMU groups included, stays the kernel's:
 *
 *   /sys/devices/pci00ed:BB/...               the devices, in their own domain
 *                                              (behind a bridge: .../00ed:BB:SS.0/00ed:01:01.0)
 *   /sys/bus/pci/devices/00ed:BB:DD.F         -> ../../../devices/pci00ed:BB/...
 *   /sys/class/vfio-dev[/vfioN]               (the whole directory when the
 *                                              host has none, else the mock's vfioN)
 *   /sys/kernel/iommu_groups/G                G after the host's own groups (the daemon's pick)
 *   /sys/dev/char/244:N, /dev/char/244:N      the vfio-dev nodes
 *
 * Addresses and group numbers are the machine's (MOCK_OP_PCI_IDENT: the same
 * the kernel's VFIO groups, device names and hot reset answer with); the
 * identity comes from the device's config space (MOCK_OP_PCI_CONFIG);
 * config is read again from the device at every open, as the kernel's file
 * reads the hardware. The tree is the program's to look at, never the
 * daemon's: nothing in it is trusted by anyone.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ftw.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "shim-internal.h"
#include "sysfs.h"

#define MAX_DEVS 64
#define CFG_SIZE 256

static struct {
	pthread_mutex_t lock;
	int state; /* 0: not built, 1: built, -1: cannot be (no daemon) */
	pid_t owner;
	char root[PATH_MAX - 128];
	unsigned int nr;
	bool class_whole;
	struct timespec born;
	/* each device's name, its directory under sys/ and its IOMMU group */
	struct sdev {
		char bdf[16];
		char dir[96];
		unsigned int depth; /* of dir: how far up sys/ is */
		unsigned int group;
	} dev[MAX_DEVS];
} sy = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ the daemon ---- */

static long pci_query(unsigned int op, unsigned int index, unsigned int off, unsigned int cmd)
{
	struct mock_req req = { .op = op, .arg = index, .off = off, .cmd = cmd };
	struct mock_reply rep;
	int fds[MOCK_PROTO_MAX_NEWFD];
	int err = shim_transact(&req, NULL, 0, true, -1, &rep, fds);

	if (err == -ENODEV) /* idle exit since the last call: once more starts one */
		err = shim_transact(&req, NULL, 0, true, -1, &rep, fds);
	if (err) /* no daemon: not "no such device" */
		return err == -ENODEV ? -ECONNREFUSED : err;
	return shim_finish(&rep, fds);
}

static long pci_config(unsigned int index, unsigned int off)
{
	return pci_query(MOCK_OP_PCI_CONFIG, index, off, 0);
}

static int read_config(unsigned int index, uint8_t cfg[CFG_SIZE])
{
	for (unsigned int off = 0; off < CFG_SIZE; off += 4) {
		long v = pci_config(index, off);

		if (v < 0)
			return (int)v;
		cfg[off] = (uint8_t)v;
		cfg[off + 1] = (uint8_t)(v >> 8);
		cfg[off + 2] = (uint8_t)(v >> 16);
		cfg[off + 3] = (uint8_t)(v >> 24);
	}
	return 0;
}

/* ------------------------------------------------------------- the tree ---- */

/* "SSSS:BB:DD.F" of an address as MOCK_OP_PCI_IDENT gives it. */
static void bdf_name(long addr, char *buf, size_t len)
{
	snprintf(buf, len, "%04lx:%02lx:%02lx.%lu", (addr >> 16) & 0xffff, (addr >> 8) & 0xff,
		 (addr >> 3) & 0x1f, addr & 7);
}

/* "../" @n times. */
static const char *up(unsigned int n)
{
	static const char ups[] = "../../../../../../../../";

	return n * 3 < sizeof(ups) ? ups + sizeof(ups) - 1 - n * 3 : ups;
}

/*
 * Where the machine put device @i: its name, its directory (its bridge's
 * below the root bus's, if it has one) and its group. The shim's names are
 * those of its own domain: a device elsewhere is an error.
 */
static int learn_dev(unsigned int i, char bridge[16])
{
	struct sdev *d = &sy.dev[i];
	long addr = pci_query(MOCK_OP_PCI_IDENT, i, 0, MOCK_PCI_IDENT_ADDR);
	long br = pci_query(MOCK_OP_PCI_IDENT, i, 0, MOCK_PCI_IDENT_BRIDGE);
	long group = pci_query(MOCK_OP_PCI_IDENT, i, 0, MOCK_PCI_IDENT_GROUP);

	if (addr < 0 || group < 0 || (br < 0 && br != -ENOENT))
		return (int)(addr < 0 ? addr : group < 0 ? group : br);
	if (addr >> 16 != SHIM_PCI_DOMAIN || (br >= 0 && br >> 16 != SHIM_PCI_DOMAIN))
		return -EPROTO;
	bdf_name(addr, d->bdf, sizeof(d->bdf));
	d->group = (unsigned int)group;
	bridge[0] = 0;
	if (br >= 0) {
		bdf_name(br, bridge, 16);
		snprintf(d->dir, sizeof(d->dir), "devices/pci%04x:%02lx/%s/%s", SHIM_PCI_DOMAIN,
			 (br >> 8) & 0xff, bridge, d->bdf);
		d->depth = 4;
	} else {
		snprintf(d->dir, sizeof(d->dir), "devices/pci%04x:%02lx/%s", SHIM_PCI_DOMAIN,
			 (addr >> 8) & 0xff, d->bdf);
		d->depth = 3;
	}
	return 0;
}

/* @rel (under root/) as an absolute path in @buf. */
static const char *at(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *at(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s/", sy.root);

	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

static int mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + strlen(sy.root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

static int put(const char *path, mode_t mode, const void *data, size_t len)
{
	int fd = REAL(R_OPEN, open_fn)(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				       0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = REAL(R_WRITE, rw_fn)(fd, (void *)data, len);
	if (n == (ssize_t)len && fchmod(fd, mode))
		n = -1;
	shim_sys_close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int putf(const char *path, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int putf(const char *path, mode_t mode, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	return put(path, mode, text, (size_t)n);
}

static int link_to(const char *target, const char *path)
{
	return symlink(target, path) && errno != EEXIST ? -errno : 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* One device: its directory, the links to it, its vfio-dev node and its group. */
static int build_dev(unsigned int i)
{
	char d[PATH_MAX], p[PATH_MAX], alias[192], bridge[16];
	const char *bdf = sy.dev[i].bdf, *dir = sy.dev[i].dir;
	unsigned int depth = sy.dev[i].depth;
	uint8_t cfg[CFG_SIZE];
	unsigned int group;
	uint32_t bar0;
	int err;

	err = learn_dev(i, bridge);
	err = err ?: read_config(i, cfg);
	if (err)
		return err;
	group = sy.dev[i].group;
	depth = sy.dev[i].depth;
	at(d, sizeof(d), "sys/%s", dir);
	/* the bridge above it: QEMU's pci-bridge, enough to walk past */
	if (bridge[0]) {
		char bdir[96];

		snprintf(bdir, sizeof(bdir), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
		err = mkdirs(at(p, sizeof(p), "sys/%s", bdir));
		err = err ?: putf(at(p, sizeof(p), "sys/%s/vendor", bdir), 0444, "0x1b36\n");
		err = err ?: putf(at(p, sizeof(p), "sys/%s/device", bdir), 0444, "0x0001\n");
		err = err ?: putf(at(p, sizeof(p), "sys/%s/class", bdir), 0444, "0x060400\n");
		err = err ?: link_to("../../../bus/pci", at(p, sizeof(p), "sys/%s/subsystem", bdir));
		snprintf(alias, sizeof(alias), "../../../%s", bdir);
		err = err ?: link_to(alias, at(p, sizeof(p), "sys/bus/pci/devices/%s", bridge));
		if (err)
			return err;
	}
	err = mkdirs(at(p, sizeof(p), "sys/%s/vfio-dev/vfio%u", dir, i));
	if (err)
		return err;
	snprintf(alias, sizeof(alias), "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
		 le16(cfg), le16(cfg + 2), le16(cfg + 0x2c), le16(cfg + 0x2e), cfg[0xb], cfg[0xa],
		 cfg[9]);
	bar0 = le32(cfg + 0x10);
	err = putf(at(p, sizeof(p), "sys/%s/vendor", dir), 0444, "0x%04x\n", le16(cfg));
	err = err ?: putf(at(p, sizeof(p), "sys/%s/device", dir), 0444, "0x%04x\n",
			  le16(cfg + 2));
	err = err ?: putf(at(p, sizeof(p), "sys/%s/subsystem_vendor", dir), 0444,
			  "0x%04x\n", le16(cfg + 0x2c));
	err = err ?: putf(at(p, sizeof(p), "sys/%s/subsystem_device", dir), 0444,
			  "0x%04x\n", le16(cfg + 0x2e));
	err = err ?: putf(at(p, sizeof(p), "sys/%s/class", dir), 0444, "0x%06x\n",
			  le32(cfg + 8) >> 8);
	err = err ?: putf(at(p, sizeof(p), "sys/%s/revision", dir), 0444, "0x%02x\n",
			  cfg[8]);
	/* QEMU's q35 routes slot 1's INTA to IRQ 10 (the 6.12 VM) */
	err = err ?: putf(at(p, sizeof(p), "sys/%s/irq", dir), 0444, "%u\n",
			  cfg[0x3d] ? 10 : 0);
	err = err ?: putf(at(p, sizeof(p), "sys/%s/driver_override", dir), 0644,
			  "vfio-pci\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/modalias", dir), 0444, "%s\n", alias);
	err = err ?: putf(at(p, sizeof(p), "sys/%s/uevent", dir), 0644,
			  "DRIVER=vfio-pci\nPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
			  "PCI_SLOT_NAME=%s\nMODALIAS=%s\n",
			  le32(cfg + 8) >> 8, le16(cfg), le16(cfg + 2), le16(cfg + 0x2c),
			  le16(cfg + 0x2e), bdf, alias);
	/* BAR0: 1 MiB of memory (IORESOURCE_MEM | IORESOURCE_SIZEALIGN), then 12 empty */
	err = err ?: putf(at(p, sizeof(p), "sys/%s/resource", dir), 0444,
			  "0x%016llx 0x%016llx 0x%016llx\n%s%s%s%s%s%s%s%s%s%s%s%s",
			  (unsigned long long)(bar0 & ~0xfu),
			  (unsigned long long)(bar0 & ~0xfu) + (1ull << 20) - 1, 0x40200ull,
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
			  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	err = err ?: put(at(p, sizeof(p), "sys/%s/config", dir), 0644, cfg, sizeof(cfg));
	err = err ?: putf(at(p, sizeof(p), "sys/%s/numa_node", dir), 0644, "-1\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/enable", dir), 0644, "1\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/dma_mask_bits", dir), 0444, "32\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/consistent_dma_mask_bits", dir), 0444,
			  "32\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/msi_bus", dir), 0644, "1\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/power_state", dir), 0444, "D0\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/d3cold_allowed", dir), 0644, "0\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/broken_parity_status", dir), 0644,
			  "0\n");
	err = err ?: putf(at(p, sizeof(p), "sys/%s/ari_enabled", dir), 0444, "0\n");
	if (err)
		return err;

	/* links out of the device's directory, relative as sysfs makes them */
	snprintf(alias, sizeof(alias), "%skernel/iommu_groups/%u", up(depth), group);
	err = link_to(alias, at(p, sizeof(p), "sys/%s/iommu_group", dir));
	snprintf(alias, sizeof(alias), "%sbus/pci/drivers/vfio-pci", up(depth));
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/%s/driver", dir));
	snprintf(alias, sizeof(alias), "%sbus/pci", up(depth));
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/%s/subsystem", dir));

	/* vfio-dev/vfioN */
	err = err ?: putf(at(p, sizeof(p), "sys/%s/vfio-dev/vfio%u/dev", dir, i), 0444,
			  "%u:%u\n", SHIM_VFIO_DEV_MAJOR, i);
	err = err ?: putf(at(p, sizeof(p), "sys/%s/vfio-dev/vfio%u/uevent", dir, i), 0644,
			  "MAJOR=%u\nMINOR=%u\nDEVNAME=vfio/devices/vfio%u\n", SHIM_VFIO_DEV_MAJOR, i,
			  i);
	snprintf(alias, sizeof(alias), "../../../%s", bdf);
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/%s/vfio-dev/vfio%u/device", dir,
				       i));
	snprintf(alias, sizeof(alias), "%sclass/vfio-dev", up(depth + 2));
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/%s/vfio-dev/vfio%u/subsystem", dir, i));

	/* links into it */
	snprintf(alias, sizeof(alias), "../../../%s", dir);
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/bus/pci/devices/%s", bdf));
	snprintf(alias, sizeof(alias), "../../../../%s", dir);
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/bus/pci/drivers/vfio-pci/%s", bdf));
	snprintf(alias, sizeof(alias), "../../%s/vfio-dev/vfio%u", dir, i);
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/class/vfio-dev/vfio%u", i));
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/dev/char/%u:%u", SHIM_VFIO_DEV_MAJOR, i));
	snprintf(p, sizeof(p), "../vfio/devices/vfio%u", i);
	err = err ?: link_to(p, at(d, sizeof(d), "dev/char/%u:%u", SHIM_VFIO_DEV_MAJOR, i));
	/* a stand-in, so that paths through /dev/char resolve in the tree (realpath) */
	err = err ?: put(at(p, sizeof(p), "dev/vfio/devices/vfio%u", i), 0600, "", 0);

	/* its IOMMU group */
	err = err ?: mkdirs(at(p, sizeof(p), "sys/kernel/iommu_groups/%u/devices", group));
	snprintf(alias, sizeof(alias), "../../../../%s", dir);
	err = err ?: link_to(alias, at(p, sizeof(p), "sys/kernel/iommu_groups/%u/devices/%s",
				       group, bdf));
	err = err ?: putf(at(p, sizeof(p), "sys/kernel/iommu_groups/%u/type", group), 0644,
			  "DMA-FQ\n");
	err = err ?: putf(at(p, sizeof(p), "sys/kernel/iommu_groups/%u/reserved_regions", group),
			  0444, "0x00000000fee00000 0x00000000feefffff msi\n");
	return err;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void tree_remove(void)
{
	if (sy.root[0])
		nftw(sy.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is there a file at @path on the host (the kernel's answer, not ours)? */
static bool host_has(const char *path)
{
	return !syscall(SYS_faccessat, AT_FDCWD, path, F_OK);
}

static int build(void)
{
	static const char *const bases[] = { MOCK_ENV_SYSFS_DIR, "XDG_RUNTIME_DIR", "TMPDIR" };
	const char *base = NULL;
	char p[PATH_MAX];
	int err = 0;

	/* How many devices: the first config dword of each until the machine ends. */
	for (sy.nr = 0; sy.nr < MAX_DEVS; sy.nr++) {
		long v = pci_config(sy.nr, 0);

		if (v == -ENODEV)
			break;
		if (v < 0)
			return (int)v;
	}
	/* iommufd-mock-run's directory for the run (it removes it), else the usual places */
	for (unsigned int k = 0; k < sizeof(bases) / sizeof(bases[0]) && !base; k++) {
		base = getenv(bases[k]);
		if (base && (base[0] != '/' || strlen(base) > sizeof(sy.root) - 64 ||
			     !host_has(base)))
			base = NULL;
	}
	if (!base)
		base = "/tmp";
	snprintf(sy.root, sizeof(sy.root), "%s/iommufd-mock-sysfs.XXXXXX", base);
	if (!mkdtemp(sy.root)) {
		sy.root[0] = 0;
		return -errno;
	}
	sy.owner = getpid();
	clock_gettime(CLOCK_REALTIME, &sy.born);
	sy.class_whole = !host_has("/sys/class/vfio-dev");
	err = mkdirs(at(p, sizeof(p), "sys/bus/pci/drivers/vfio-pci"));
	err = err ?: mkdirs(at(p, sizeof(p), "sys/bus/pci/devices"));
	err = err ?: mkdirs(at(p, sizeof(p), "sys/class/vfio-dev"));
	err = err ?: mkdirs(at(p, sizeof(p), "sys/dev/char"));
	err = err ?: mkdirs(at(p, sizeof(p), "dev/char"));
	err = err ?: mkdirs(at(p, sizeof(p), "dev/vfio/devices"));
	for (unsigned int i = 0; !err && i < sy.nr; i++)
		err = build_dev(i);
	if (err)
		tree_remove();
	return err;
}

/* The tree, built on first use; false when there is none (no daemon). */
static bool built(void)
{
	int state = __atomic_load_n(&sy.state, __ATOMIC_ACQUIRE);
	int saved = errno;

	if (state)
		return state > 0;
	pthread_mutex_lock(&sy.lock);
	if (!sy.state)
		__atomic_store_n(&sy.state, build() ? -1 : 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sy.lock);
	errno = saved;
	return sy.state > 0;
}

__attribute__((destructor)) static void sysfs_fini(void)
{
	int saved = errno;

	if (__atomic_load_n(&sy.state, __ATOMIC_ACQUIRE) > 0 && sy.owner == getpid())
		tree_remove();
	errno = saved;
}

/* ------------------------------------------------------------ the names ---- */

/* @s starts with @prefix: the rest of @s, else NULL. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) ? NULL : s + n;
}

/* A decimal number below @limit at @s, followed by the end or '/'. */
static bool number_below(const char *s, unsigned int lo, unsigned int limit, bool slash_ok,
			 unsigned int *out)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9')
		return false;
	n = strtoul(s, &end, 10);
	if (!(*end == 0 || (slash_ok && *end == '/')) || n < lo || n >= limit)
		return false;
	if (out)
		*out = (unsigned int)n;
	return true;
}

static bool vfio_dev_node(const char *rest, bool slash_ok, unsigned int *index)
{
	char maj[16];
	const char *r;

	snprintf(maj, sizeof(maj), "%u:", SHIM_VFIO_DEV_MAJOR);
	r = after(rest, maj);
	return r && built() && number_below(r, 0, sy.nr, slash_ok, index);
}

/* Is @r ("N" or "N/...") the IOMMU group of one of the devices? */
static bool group_known(const char *r)
{
	unsigned int g;

	if (!number_below(r, 0, 1u << 20, true, &g) || (r[0] == '0' && r[1] >= '0' && r[1] <= '9'))
		return false;
	for (unsigned int i = 0; i < sy.nr; i++)
		if (sy.dev[i].group == g)
			return true;
	return false;
}

/* Is @path one of the mock's names (the tree has, or lacks, the file)? */
static bool ours(const char *path)
{
	char dom[32];
	const char *r;

	if ((r = after(path, "/sys/"))) {
		snprintf(dom, sizeof(dom), "devices/pci%04x:", SHIM_PCI_DOMAIN);
		if (after(r, dom))
			return built();
		snprintf(dom, sizeof(dom), "bus/pci/devices/%04x:", SHIM_PCI_DOMAIN);
		if (after(r, dom))
			return built();
		if ((r = after(path, "/sys/class/vfio-dev")) && (!*r || *r == '/')) {
			if (!built())
				return false;
			if (sy.class_whole)
				return true;
			return (r = after(r, "/vfio")) && number_below(r, 0, sy.nr, true, NULL);
		}
		if ((r = after(path, "/sys/kernel/iommu_groups/")))
			return *r >= '0' && *r <= '9' && built() && group_known(r);
		if ((r = after(path, "/sys/dev/char/")))
			return vfio_dev_node(r, true, NULL);
		return false;
	}
	if ((r = after(path, "/dev/char/")))
		return vfio_dev_node(r, false, NULL);
	return false;
}

/* Open of a config file: read the device's config space again. */
static void refresh_config(const char *path)
{
	uint8_t cfg[CFG_SIZE];
	char p[PATH_MAX];

	for (unsigned int i = 0; i < sy.nr; i++) {
		const struct sdev *d = &sy.dev[i];

		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", d->bdf);
		if (strcmp(path, p)) {
			snprintf(p, sizeof(p), "/sys/%s/config", d->dir);
			if (strcmp(path, p))
				continue;
		}
		if (!read_config(i, cfg))
			put(at(p, sizeof(p), "sys/%s/config", d->dir), 0644, cfg, sizeof(cfg));
		return;
	}
}

const char *shim_sysfs_redirect(const char *path, char *buf, size_t len, bool for_open)
{
	if (!path || path[0] != '/' || (strncmp(path, "/sys/", 5) && strncmp(path, "/dev/char/", 10)))
		return NULL;
	if (!ours(path))
		return NULL;
	if ((size_t)snprintf(buf, len, "%s%s", sy.root, path) >= len)
		return NULL;
	if (for_open)
		refresh_config(path);
	return buf;
}

const char *shim_sysfs_dev_char(const char *path, char *buf, size_t len)
{
	const char *r = path ? after(path, "/dev/char/") : NULL;
	unsigned int i;

	if (!r || !vfio_dev_node(r, false, &i))
		return NULL;
	snprintf(buf, len, "/dev/vfio/devices/vfio%u", i);
	return buf;
}

/* -------------------------------------------------------- device nodes ---- */

static void node(struct stat *st, mode_t mode, unsigned int maj, unsigned int min,
		 ino_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 6); /* devtmpfs's on the 6.12 VM */
	st->st_ino = ino;
	st->st_mode = S_IFCHR | mode;
	st->st_nlink = 1;
	st->st_uid = geteuid();
	st->st_gid = getegid();
	st->st_rdev = makedev(maj, min);
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = sy.born;
}

int shim_sysfs_node_stat(const char *path, bool follow, struct stat *st)
{
	const char *r;
	unsigned int i;

	if (!path || strncmp(path, "/dev/", 5))
		return 0;
	if (!strcmp(path, "/dev/iommu")) {
		node(st, 0660, SHIM_MISC_MAJOR, SHIM_IOMMU_MINOR, 101);
		return 1;
	}
	if (!strcmp(path, "/dev/vfio/vfio")) {
		node(st, 0666, SHIM_MISC_MAJOR, SHIM_VFIO_MINOR, 102);
		return 1;
	}
	if ((r = after(path, "/dev/vfio/devices/")) && *r) {
		if (!built())
			return 0;
		r = after(r, "vfio");
		if (!r || !number_below(r, 0, sy.nr, false, &i) || (r[0] == '0' && r[1]))
			return -ENOENT;
		node(st, 0600, SHIM_VFIO_DEV_MAJOR, i, 106 + i);
		return 1;
	}
	if (follow && (r = after(path, "/dev/char/")) && vfio_dev_node(r, false, &i)) {
		node(st, 0600, SHIM_VFIO_DEV_MAJOR, i, 106 + i);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------ fds of the nodes ---- */

#define MAX_OPENED 256

static struct opened {
	uint64_t ino;
	uint32_t which; /* 1 iommu, 2 vfio, 3 + N vfioN */
} opened[MAX_OPENED];
static unsigned int nr_opened_next;
static pthread_mutex_t opened_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_sysfs_opened(uint64_t ino, const char *path)
{
	uint32_t which = 0;
	unsigned int slot;
	const char *r;
	unsigned int i;

	if (!strcmp(path, "/dev/iommu"))
		which = 1;
	else if (!strcmp(path, "/dev/vfio/vfio"))
		which = 2;
	else if ((r = after(path, "/dev/vfio/devices/vfio")) && number_below(r, 0, MAX_DEVS, false, &i))
		which = 3 + i;
	if (!which || !ino)
		return;
	pthread_mutex_lock(&opened_lock);
	slot = nr_opened_next % MAX_OPENED;
	for (unsigned int k = 0; k < MAX_OPENED; k++)
		if (opened[k].ino == ino)
			slot = k;
	if (slot == nr_opened_next % MAX_OPENED)
		nr_opened_next++;
	opened[slot] = (struct opened){ ino, which };
	pthread_mutex_unlock(&opened_lock);
}

int shim_sysfs_fd_stat(uint64_t ino, struct stat *st)
{
	uint32_t which = 0;

	pthread_mutex_lock(&opened_lock);
	for (unsigned int k = 0; k < MAX_OPENED && !which; k++)
		if (opened[k].ino == ino)
			which = opened[k].which;
	pthread_mutex_unlock(&opened_lock);
	/* st_ino stays the open file's own (the kernel's is the node's): one per open */
	if (which == 1)
		node(st, 0660, SHIM_MISC_MAJOR, SHIM_IOMMU_MINOR, (ino_t)ino);
	else if (which == 2)
		node(st, 0666, SHIM_MISC_MAJOR, SHIM_VFIO_MINOR, (ino_t)ino);
	else if (which)
		node(st, 0600, SHIM_VFIO_DEV_MAJOR, which - 3, (ino_t)ino);
	return which != 0;
}
