// SPDX-License-Identifier: MIT
/*
 * iommufd-info.c - report what the running kernel's iommufd offers: its
 * commands and features, every VFIO device's IOMMU description (bound
 * through libiommufd and decoded with its decoders), the HWPT flags each
 * device's IOMMU accepts, and the IOVA ranges of an IOAS with all devices
 * attached. Human-readable by default, JSON with --json.
 *
 * Everything is gathered first into a report, then rendered, so both output
 * forms say exactly the same thing. Only public libiommufd API is used: the
 * tool is also a test of what the library lets an outside program learn.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <iommufd/iommufd.h>

#ifndef TOOL_VERSION
#define TOOL_VERSION "unknown"
#endif

/* Exit statuses (documented in iommufd-info(1) and --help). */
enum {
	EXIT_OK = 0,
	EXIT_NO_IOMMUFD = 1,
	EXIT_USAGE = 2,
	EXIT_DEVICE = 3,
};

#define VFIO_DEVICES_DIR "/dev/vfio/devices"
/* Enough for every IOMMU data type the kernel defines today (SMMUv3: 40 bytes). */
#define HW_DATA_MAX 256
/* The kernel selftest's GET_HW_INFO type (not a hardware type, not in the public API). */
#define HW_INFO_TYPE_SELFTEST 0xfeedbeefu

struct name_bit {
	uint64_t bit;
	const char *name;
};

static const struct {
	enum iommufd_cmd cmd;
	const char *name;
} commands[] = {
	{ IOMMUFD_IOCTL_DESTROY, "IOMMU_DESTROY" },
	{ IOMMUFD_IOCTL_IOAS_ALLOC, "IOMMU_IOAS_ALLOC" },
	{ IOMMUFD_IOCTL_IOAS_ALLOW_IOVAS, "IOMMU_IOAS_ALLOW_IOVAS" },
	{ IOMMUFD_IOCTL_IOAS_COPY, "IOMMU_IOAS_COPY" },
	{ IOMMUFD_IOCTL_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES" },
	{ IOMMUFD_IOCTL_IOAS_MAP, "IOMMU_IOAS_MAP" },
	{ IOMMUFD_IOCTL_IOAS_UNMAP, "IOMMU_IOAS_UNMAP" },
	{ IOMMUFD_IOCTL_OPTION, "IOMMU_OPTION" },
	{ IOMMUFD_IOCTL_VFIO_IOAS, "IOMMU_VFIO_IOAS" },
	{ IOMMUFD_IOCTL_HWPT_ALLOC, "IOMMU_HWPT_ALLOC" },
	{ IOMMUFD_IOCTL_GET_HW_INFO, "IOMMU_GET_HW_INFO" },
	{ IOMMUFD_IOCTL_HWPT_SET_DIRTY_TRACKING, "IOMMU_HWPT_SET_DIRTY_TRACKING" },
	{ IOMMUFD_IOCTL_HWPT_GET_DIRTY_BITMAP, "IOMMU_HWPT_GET_DIRTY_BITMAP" },
	{ IOMMUFD_IOCTL_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE" },
	{ IOMMUFD_IOCTL_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC" },
	{ IOMMUFD_IOCTL_IOAS_MAP_FILE, "IOMMU_IOAS_MAP_FILE" },
	{ IOMMUFD_IOCTL_VIOMMU_ALLOC, "IOMMU_VIOMMU_ALLOC" },
	{ IOMMUFD_IOCTL_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC" },
	{ IOMMUFD_IOCTL_IOAS_CHANGE_PROCESS, "IOMMU_IOAS_CHANGE_PROCESS" },
	{ IOMMUFD_IOCTL_VEVENTQ_ALLOC, "IOMMU_VEVENTQ_ALLOC" },
	{ IOMMUFD_IOCTL_HW_QUEUE_ALLOC, "IOMMU_HW_QUEUE_ALLOC" },
	{ IOMMUFD_IOCTL_IOAS_NOIOMMU_GET_PA, "IOMMU_IOAS_NOIOMMU_GET_PA" },
};
#define NUM_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct {
	enum iommufd_feature feature;
	const char *name;
} features[] = {
	{ IOMMUFD_FEATURE_VFIO_COMPAT, "vfio_compat" },
	{ IOMMUFD_FEATURE_SELFTEST, "selftest" },
	{ IOMMUFD_FEATURE_HWPT_DATA, "hwpt_data" },
	{ IOMMUFD_FEATURE_HWPT_FAULT_ID, "hwpt_fault_id" },
	{ IOMMUFD_FEATURE_HW_INFO_CAPABILITIES, "hw_info_capabilities" },
	{ IOMMUFD_FEATURE_HW_INFO_INPUT_TYPE, "hw_info_input_type" },
	{ IOMMUFD_FEATURE_VIOMMU_DATA, "viommu_data" },
};
#define NUM_FEATURES (sizeof(features) / sizeof(features[0]))

/* HWPT allocation flags probed per device; index 0 is a plain paging HWPT. */
static const struct name_bit hwpt_flags[] = {
	{ 0, "paging" },
	{ IOMMUFD_HWPT_ALLOC_NEST_PARENT, "nest_parent" },
	{ IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING, "dirty_tracking" },
	{ IOMMUFD_HWPT_ALLOC_PASID, "pasid" },
};
#define NUM_HWPT_FLAGS (sizeof(hwpt_flags) / sizeof(hwpt_flags[0]))

static const struct name_bit hw_caps[] = {
	{ IOMMUFD_HW_CAP_DIRTY_TRACKING, "dirty_tracking" },
	{ IOMMUFD_HW_CAP_PCI_PASID_EXEC, "pci_pasid_exec" },
	{ IOMMUFD_HW_CAP_PCI_PASID_PRIV, "pci_pasid_priv" },
	{ IOMMUFD_HW_CAP_PCI_ATS_NOT_SUPPORTED, "pci_ats_not_supported" },
	{ 0, NULL },
};

static const struct name_bit vfio_flags[] = {
	{ IOMMUFD_DEVICE_INFO_RESET, "reset" },
	{ IOMMUFD_DEVICE_INFO_PCI, "pci" },
	{ IOMMUFD_DEVICE_INFO_PLATFORM, "platform" },
	{ IOMMUFD_DEVICE_INFO_AMBA, "amba" },
	{ IOMMUFD_DEVICE_INFO_CCW, "ccw" },
	{ IOMMUFD_DEVICE_INFO_AP, "ap" },
	{ IOMMUFD_DEVICE_INFO_FSL_MC, "fsl_mc" },
	{ IOMMUFD_DEVICE_INFO_CAPS, "caps" },
	{ IOMMUFD_DEVICE_INFO_CDX, "cdx" },
	{ 0, NULL },
};

struct dev_report {
	char *path;
	bool named;		/* given with --device */
	int bind_err;		/* 0, or the negative errno of opening/binding */
	uint32_t id;
	/* PCI identity from sysfs, when the cdev there is the one we bound */
	bool have_pci;
	char pci_addr[64];
	unsigned int vendor, device;
	int vinfo_err;
	struct iommufd_device_info vinfo;
	int hw_err;
	struct iommufd_hw_info hw;
	uint8_t hw_data[HW_DATA_MAX];
	int flag_err[NUM_HWPT_FLAGS];	/* 0 accepted, else the errno */
	bool flags_probed;
	int attach_err;
	uint32_t hwpt_id;
	struct iommufd_device *handle;
};

struct report {
	const char *iommu_path;
	int ctx_err;
	bool cmd[NUM_COMMANDS];
	bool feature[NUM_FEATURES];
	int dir_err;		/* listing /dev/vfio/devices failed (informational) */
	struct dev_report *devs;
	size_t ndevs;
	int ioas_err;
	uint32_t ioas_id;
	unsigned int attached;
	int ranges_err;
	struct iommufd_iova_range *ranges;
	uint32_t nranges;
	uint64_t alignment;
};

/* ------------------------------------------------------------ gathering ---- */

static int add_device(struct report *r, const char *path, bool named)
{
	struct dev_report *d;

	for (size_t i = 0; i < r->ndevs; i++)
		if (!strcmp(r->devs[i].path, path))
			return 0;
	d = realloc(r->devs, (r->ndevs + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	r->devs = d;
	d = &r->devs[r->ndevs];
	memset(d, 0, sizeof(*d));
	d->path = strdup(path);
	if (!d->path)
		return -ENOMEM;
	d->named = named;
	r->ndevs++;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* vfioN sorts by N, so the report follows the kernel's numbering. */
static long vfio_index(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "vfio", 4) || name[4] < '0' || name[4] > '9')
		return -1;
	errno = 0;
	n = strtol(name + 4, &end, 10);
	if (errno || *end || n < 0)
		return -1;
	return n;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev_report *x = a, *y = b;
	long i = vfio_index(base_name(x->path)), j = vfio_index(base_name(y->path));

	if (i != j)
		return i < j ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * The cdevs are what the directory lists, plus vfio0, vfio1, ... for as long
 * as they open: a program running under kmod-mock sees its devices only
 * through open(), the directory being the host's.
 */
static int find_devices(struct report *r)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret;

	dir = opendir(VFIO_DEVICES_DIR);
	if (dir) {
		while ((de = readdir(dir))) {
			if (vfio_index(de->d_name) < 0)
				continue;
			snprintf(path, sizeof(path), VFIO_DEVICES_DIR "/%s", de->d_name);
			ret = add_device(r, path, false);
			if (ret) {
				closedir(dir);
				return ret;
			}
		}
		closedir(dir);
	} else {
		r->dir_err = -errno;
	}
	for (int n = 0; n < 4096; n++) {
		int fd;

		snprintf(path, sizeof(path), VFIO_DEVICES_DIR "/vfio%d", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd >= 0)
			close(fd);
		ret = add_device(r, path, false);
		if (ret)
			return ret;
	}
	if (r->ndevs > 1)
		qsort(r->devs, r->ndevs, sizeof(*r->devs), cmp_dev);
	return 0;
}

static bool read_hex_file(const char *path, unsigned int *out)
{
	unsigned int v;
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%x", &v) == 1;
	fclose(f);
	if (ok)
		*out = v;
	return ok;
}

/*
 * PCI address and ids from /sys/class/vfio-dev/vfioN, trusted only when that
 * entry's dev_t is the one of the file we bound (not so under kmod-mock).
 */
static void read_sysfs(struct dev_report *d)
{
	char base[PATH_MAX], p[PATH_MAX + 32], link[PATH_MAX];
	const char *name = base_name(d->path);
	unsigned int maj, min;
	struct stat st;
	ssize_t len;
	FILE *f;
	int fd, n;

	fd = iommufd_device_get_fd(d->handle);
	if (fd < 0 || fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return;
	snprintf(base, sizeof(base), "/sys/class/vfio-dev/%s", name);
	snprintf(p, sizeof(p), "%s/dev", base);
	f = fopen(p, "re");
	if (!f)
		return;
	n = fscanf(f, "%u:%u", &maj, &min);
	fclose(f);
	if (n != 2 || makedev(maj, min) != st.st_rdev)
		return;
	snprintf(p, sizeof(p), "%s/device", base);
	len = readlink(p, link, sizeof(link) - 1);
	if (len <= 0)
		return;
	link[len] = '\0';
	if (strlen(base_name(link)) >= sizeof(d->pci_addr))
		return;
	strcpy(d->pci_addr, base_name(link));
	snprintf(p, sizeof(p), "%s/device/vendor", base);
	if (!read_hex_file(p, &d->vendor))
		return;
	snprintf(p, sizeof(p), "%s/device/device", base);
	if (!read_hex_file(p, &d->device))
		return;
	d->have_pci = true;
}

static void probe_device(struct report *r, struct iommufd_ctx *ctx, struct iommufd_ioas *ioas,
			 struct dev_report *d)
{
	int ret;

	ret = iommufd_device_bind_path(ctx, d->path, NULL, &d->handle);
	if (ret) {
		d->bind_err = ret;
		d->handle = NULL;
		return;
	}
	d->id = iommufd_device_get_id(d->handle);
	read_sysfs(d);
	d->vinfo_err = iommufd_device_get_info(d->handle, &d->vinfo);
	if (iommufd_ctx_has_cmd(ctx, IOMMUFD_IOCTL_GET_HW_INFO))
		d->hw_err = iommufd_device_get_hw_info(d->handle, NULL, &d->hw, d->hw_data,
						       sizeof(d->hw_data));
	else
		d->hw_err = -ENOTTY;

	if (ioas && iommufd_ctx_has_cmd(ctx, IOMMUFD_IOCTL_HWPT_ALLOC)) {
		d->flags_probed = true;
		for (size_t i = 0; i < NUM_HWPT_FLAGS; i++) {
			IOMMUFD_OPTS(iommufd_hwpt_alloc_opts, opts,
				     .flags = (uint32_t)hwpt_flags[i].bit);
			struct iommufd_hwpt *hwpt;

			ret = iommufd_hwpt_alloc_paging(d->handle, ioas, &opts, &hwpt);
			if (!ret)
				ret = iommufd_hwpt_destroy(hwpt);
			d->flag_err[i] = ret;
		}
	}

	if (ioas) {
		d->attach_err = iommufd_device_attach(d->handle, iommufd_ioas_as_pt(ioas),
						       &d->hwpt_id);
		if (!d->attach_err)
			r->attached++;
	} else {
		d->attach_err = r->ioas_err;
	}
}

static int gather(struct report *r, struct iommufd_ctx *ctx)
{
	struct iommufd_ioas *ioas = NULL;

	for (size_t i = 0; i < NUM_COMMANDS; i++)
		r->cmd[i] = iommufd_ctx_has_cmd(ctx, commands[i].cmd);
	for (size_t i = 0; i < NUM_FEATURES; i++)
		r->feature[i] = iommufd_ctx_has_feature(ctx, features[i].feature);

	r->ioas_err = iommufd_ioas_create(ctx, &ioas);
	if (r->ioas_err)
		ioas = NULL;
	else
		r->ioas_id = iommufd_ioas_get_id(ioas);

	for (size_t i = 0; i < r->ndevs; i++)
		probe_device(r, ctx, ioas, &r->devs[i]);

	if (ioas) {
		r->ranges_err = iommufd_ioas_get_iova_ranges_alloc(ioas, &r->ranges, &r->nranges,
								   &r->alignment);
		if (r->ranges_err) {
			r->ranges = NULL;
			r->nranges = 0;
		}
	}

	/* Unbinding detaches; then the IOAS has no users left. */
	for (size_t i = 0; i < r->ndevs; i++) {
		iommufd_device_unbind(r->devs[i].handle);
		r->devs[i].handle = NULL;
	}
	if (ioas && iommufd_ioas_destroy(ioas))
		iommufd_ioas_free(ioas);
	return 0;
}

/* ------------------------------------------------------------ helpers ---- */

static const char *errno_name(int err)
{
	const char *n;

	if (err < 0)
		err = -err;
	n = strerrorname_np(err);
	return n ? n : "E?";
}

static const char *hw_type_name(uint32_t type)
{
	switch (type) {
	case IOMMUFD_HW_INFO_TYPE_NONE:
		return "none";
	case IOMMUFD_HW_INFO_TYPE_INTEL_VTD:
		return "intel_vtd";
	case IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3:
		return "arm_smmuv3";
	case IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV:
		return "tegra241_cmdqv";
	case IOMMUFD_HW_INFO_TYPE_AMD:
		return "amd";
	case HW_INFO_TYPE_SELFTEST:
		return "selftest";
	default:
		return "unknown";
	}
}

static uint32_t hw_data_shown(const struct dev_report *d)
{
	return d->hw.data_len < HW_DATA_MAX ? d->hw.data_len : HW_DATA_MAX;
}

/* ------------------------------------------------------------ JSON ---- */

struct json {
	FILE *f;
	int depth;
	bool first[16];
};

static void j_put_str(struct json *j, const char *s)
{
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(j->f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(j->f, "\\u%04x", *p);
		else
			fputc(*p, j->f);
	}
	fputc('"', j->f);
}

/* Separator, indentation and key of the next value. */
static void j_next(struct json *j, const char *key)
{
	if (j->depth > 0) {
		fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
		j->first[j->depth] = false;
		fprintf(j->f, "%*s", 2 * j->depth, "");
	}
	if (key) {
		j_put_str(j, key);
		fputs(": ", j->f);
	}
}

static void j_open(struct json *j, const char *key, char c)
{
	j_next(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

static void j_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void j_str(struct json *j, const char *key, const char *v)
{
	j_next(j, key);
	j_put_str(j, v);
}

static void j_uint(struct json *j, const char *key, uint64_t v)
{
	j_next(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/* 64-bit addresses and registers go out as strings: JSON numbers lose bits past 2^53. */
static void j_hex(struct json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	j_str(j, key, buf);
}

static void j_bool(struct json *j, const char *key, bool v)
{
	j_next(j, key);
	fputs(v ? "true" : "false", j->f);
}

static void j_null(struct json *j, const char *key)
{
	j_next(j, key);
	fputs("null", j->f);
}

/*
 * Opening /dev/iommu or a cdev fails like any open(2): the C library's text
 * fits; later errors come from iommufd and get the library's meaning.
 */
static const char *err_text(int err, bool from_open)
{
	return from_open ? strerror(err < 0 ? -err : err) : iommufd_strerror(err);
}

static void j_error_txt(struct json *j, const char *key, int err, bool from_open)
{
	if (!err) {
		j_null(j, key);
		return;
	}
	j_open(j, key, '{');
	j_uint(j, "errno", (uint64_t)(err < 0 ? -err : err));
	j_str(j, "name", errno_name(err));
	j_str(j, "message", err_text(err, from_open));
	j_close(j, '}');
}

static void j_error(struct json *j, const char *key, int err)
{
	j_error_txt(j, key, err, false);
}

static void j_bits(struct json *j, const char *key, uint64_t v, const struct name_bit *names)
{
	char buf[16];

	j_open(j, key, '[');
	for (const struct name_bit *n = names; n->name; n++) {
		if (v & n->bit) {
			j_str(j, NULL, n->name);
			v &= ~n->bit;
		}
	}
	for (int b = 0; b < 64; b++) {
		if (v & (1ull << b)) {
			snprintf(buf, sizeof(buf), "bit%d", b);
			j_str(j, NULL, buf);
		}
	}
	j_close(j, ']');
}

static void j_hw_decoded(struct json *j, const struct dev_report *d)
{
	const uint32_t len = sizeof(d->hw_data);

	switch (d->hw.data_type) {
	case IOMMUFD_HW_INFO_TYPE_INTEL_VTD: {
		struct iommufd_hw_info_vtd v;

		if (iommufd_hw_info_decode_vtd(&d->hw, d->hw_data, len, &v))
			break;
		j_open(j, "intel_vtd", '{');
		j_hex(j, "flags", v.flags);
		j_hex(j, "cap_reg", v.cap_reg);
		j_hex(j, "ecap_reg", v.ecap_reg);
		j_close(j, '}');
		break;
	}
	case IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3: {
		struct iommufd_hw_info_arm_smmuv3 v;

		if (iommufd_hw_info_decode_arm_smmuv3(&d->hw, d->hw_data, len, &v))
			break;
		j_open(j, "arm_smmuv3", '{');
		j_hex(j, "flags", v.flags);
		j_open(j, "idr", '[');
		for (int i = 0; i < 6; i++)
			j_hex(j, NULL, v.idr[i]);
		j_close(j, ']');
		j_hex(j, "iidr", v.iidr);
		j_hex(j, "aidr", v.aidr);
		j_close(j, '}');
		break;
	}
	case IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV: {
		struct iommufd_hw_info_tegra241_cmdqv v;

		if (iommufd_hw_info_decode_tegra241_cmdqv(&d->hw, d->hw_data, len, &v))
			break;
		j_open(j, "tegra241_cmdqv", '{');
		j_hex(j, "flags", v.flags);
		j_uint(j, "version", v.version);
		j_uint(j, "log2vcmdqs", v.log2vcmdqs);
		j_uint(j, "log2vsids", v.log2vsids);
		j_close(j, '}');
		break;
	}
	case IOMMUFD_HW_INFO_TYPE_AMD: {
		struct iommufd_hw_info_amd v;

		if (iommufd_hw_info_decode_amd(&d->hw, d->hw_data, len, &v))
			break;
		j_open(j, "amd", '{');
		j_hex(j, "efr", v.efr);
		j_hex(j, "efr2", v.efr2);
		j_close(j, '}');
		break;
	}
	default:
		break;
	}
}

static void j_device(struct json *j, const struct dev_report *d)
{
	char hex[2 * HW_DATA_MAX + 1];

	j_open(j, NULL, '{');
	j_str(j, "path", d->path);
	j_error_txt(j, "error", d->bind_err, d->bind_err == -ENOENT || d->bind_err == -EACCES);
	if (d->bind_err) {
		j_close(j, '}');
		return;
	}
	j_uint(j, "id", d->id);
	if (d->have_pci) {
		j_open(j, "pci", '{');
		j_str(j, "address", d->pci_addr);
		j_hex(j, "vendor", d->vendor);
		j_hex(j, "device", d->device);
		j_close(j, '}');
	} else {
		j_null(j, "pci");
	}

	j_open(j, "vfio", '{');
	j_error(j, "error", d->vinfo_err);
	if (!d->vinfo_err) {
		j_bits(j, "flags", d->vinfo.flags, vfio_flags);
		j_uint(j, "num_regions", d->vinfo.num_regions);
		j_uint(j, "num_irqs", d->vinfo.num_irqs);
	}
	j_close(j, '}');

	j_open(j, "hw_info", '{');
	j_error(j, "error", d->hw_err);
	if (!d->hw_err) {
		j_uint(j, "data_type", d->hw.data_type);
		j_str(j, "data_type_name", hw_type_name(d->hw.data_type));
		j_uint(j, "data_len", d->hw.data_len);
		for (uint32_t i = 0; i < hw_data_shown(d); i++)
			snprintf(hex + 2 * i, 3, "%02x", d->hw_data[i]);
		hex[2 * hw_data_shown(d)] = '\0';
		j_str(j, "data", hex);
		j_hex(j, "capabilities", d->hw.capabilities);
		j_bits(j, "capability_names", d->hw.capabilities, hw_caps);
		j_uint(j, "max_pasid_log2", d->hw.max_pasid_log2);
		j_hw_decoded(j, d);
	}
	j_close(j, '}');

	if (d->flags_probed) {
		j_open(j, "hwpt_alloc", '{');
		for (size_t i = 0; i < NUM_HWPT_FLAGS; i++)
			j_bool(j, hwpt_flags[i].name, !d->flag_err[i]);
		j_close(j, '}');
	} else {
		j_null(j, "hwpt_alloc");
	}

	j_open(j, "attach", '{');
	j_error(j, "error", d->attach_err);
	if (d->attach_err)
		j_null(j, "hwpt_id");
	else
		j_uint(j, "hwpt_id", d->hwpt_id);
	j_close(j, '}');
	j_close(j, '}');
}

static void print_json(const struct report *r)
{
	struct json j = { .f = stdout };

	j_open(&j, NULL, '{');
	j_str(&j, "tool_version", TOOL_VERSION);
	j_str(&j, "library_version", iommufd_version());
	j_open(&j, "iommufd", '{');
	j_str(&j, "path", r->iommu_path);
	j_bool(&j, "available", !r->ctx_err);
	j_error_txt(&j, "error", r->ctx_err, true);
	j_close(&j, '}');
	if (r->ctx_err) {
		j_close(&j, '}');
		return;
	}

	j_open(&j, "commands", '{');
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		j_bool(&j, commands[i].name, r->cmd[i]);
	j_close(&j, '}');
	j_open(&j, "features", '{');
	for (size_t i = 0; i < NUM_FEATURES; i++)
		j_bool(&j, features[i].name, r->feature[i]);
	j_close(&j, '}');

	j_open(&j, "devices", '[');
	for (size_t i = 0; i < r->ndevs; i++)
		j_device(&j, &r->devs[i]);
	j_close(&j, ']');

	j_open(&j, "ioas", '{');
	j_error(&j, "error", r->ioas_err);
	if (!r->ioas_err) {
		j_uint(&j, "id", r->ioas_id);
		j_uint(&j, "attached_devices", r->attached);
		j_error(&j, "ranges_error", r->ranges_err);
		j_hex(&j, "alignment", r->alignment);
		j_open(&j, "ranges", '[');
		for (uint32_t i = 0; i < r->nranges; i++) {
			j_open(&j, NULL, '{');
			j_hex(&j, "start", r->ranges[i].start);
			j_hex(&j, "last", r->ranges[i].last);
			j_close(&j, '}');
		}
		j_close(&j, ']');
	}
	j_close(&j, '}');
	j_close(&j, '}');
}

/* ------------------------------------------------------------ human ---- */

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static void h_error_txt(const char *what, int err, bool from_open)
{
	printf("%s: %s (%s)\n", what, errno_name(err), err_text(err, from_open));
}

static void h_error(const char *what, int err)
{
	h_error_txt(what, err, false);
}

static void h_bits(uint64_t v, const struct name_bit *names)
{
	const char *sep = "";

	if (!v) {
		fputs("none", stdout);
		return;
	}
	for (const struct name_bit *n = names; n->name; n++) {
		if (v & n->bit) {
			printf("%s%s", sep, n->name);
			sep = " ";
			v &= ~n->bit;
		}
	}
	for (int b = 0; b < 64; b++) {
		if (v & (1ull << b)) {
			printf("%sbit%d", sep, b);
			sep = " ";
		}
	}
}

static void h_hw_decoded(const struct dev_report *d)
{
	const uint32_t len = sizeof(d->hw_data);

	switch (d->hw.data_type) {
	case IOMMUFD_HW_INFO_TYPE_INTEL_VTD: {
		struct iommufd_hw_info_vtd v;

		if (!iommufd_hw_info_decode_vtd(&d->hw, d->hw_data, len, &v))
			printf("      VT-d flags 0x%" PRIx32 "  cap_reg 0x%" PRIx64 "  ecap_reg 0x%" PRIx64
			       "\n", v.flags, v.cap_reg, v.ecap_reg);
		return;
	}
	case IOMMUFD_HW_INFO_TYPE_ARM_SMMUV3: {
		struct iommufd_hw_info_arm_smmuv3 v;

		if (iommufd_hw_info_decode_arm_smmuv3(&d->hw, d->hw_data, len, &v))
			return;
		printf("      SMMUv3 flags 0x%" PRIx32 "  iidr 0x%" PRIx32 "  aidr 0x%" PRIx32 "\n",
		       v.flags, v.iidr, v.aidr);
		for (int i = 0; i < 6; i++)
			printf("%sidr%d 0x%08" PRIx32, i ? "  " : "      ", i, v.idr[i]);
		putchar('\n');
		return;
	}
	case IOMMUFD_HW_INFO_TYPE_TEGRA241_CMDQV: {
		struct iommufd_hw_info_tegra241_cmdqv v;

		if (!iommufd_hw_info_decode_tegra241_cmdqv(&d->hw, d->hw_data, len, &v))
			printf("      CMDQV flags 0x%" PRIx32 "  version %u  log2vcmdqs %u  log2vsids %u\n",
			       v.flags, v.version, v.log2vcmdqs, v.log2vsids);
		return;
	}
	case IOMMUFD_HW_INFO_TYPE_AMD: {
		struct iommufd_hw_info_amd v;

		if (!iommufd_hw_info_decode_amd(&d->hw, d->hw_data, len, &v))
			printf("      AMD efr 0x%" PRIx64 "  efr2 0x%" PRIx64 "\n", v.efr, v.efr2);
		return;
	}
	default:
		if (hw_data_shown(d)) {
			fputs("      data", stdout);
			for (uint32_t i = 0; i < hw_data_shown(d); i++)
				printf("%s%02x", i % 4 ? "" : " ", d->hw_data[i]);
			putchar('\n');
		}
		return;
	}
}

static void h_device(const struct dev_report *d)
{
	if (d->bind_err) {
		printf("  %s: ", d->path);
		h_error_txt("cannot bind", d->bind_err,
			    d->bind_err == -ENOENT || d->bind_err == -EACCES);
		return;
	}
	printf("  %s: device id %" PRIu32 "\n", d->path, d->id);
	if (d->have_pci)
		printf("    PCI: %s [%04x:%04x]\n", d->pci_addr, d->vendor, d->device);
	if (d->vinfo_err) {
		fputs("    ", stdout);
		h_error("VFIO info", d->vinfo_err);
	} else {
		fputs("    VFIO: ", stdout);
		h_bits(d->vinfo.flags, vfio_flags);
		printf(", %" PRIu32 " regions, %" PRIu32 " irqs\n", d->vinfo.num_regions,
		       d->vinfo.num_irqs);
	}
	if (d->hw_err) {
		fputs("    ", stdout);
		h_error("IOMMU hw info", d->hw_err);
	} else {
		printf("    IOMMU: %s (type 0x%" PRIx32 ", %" PRIu32 " bytes), max_pasid_log2 %u\n",
		       hw_type_name(d->hw.data_type), d->hw.data_type, d->hw.data_len,
		       d->hw.max_pasid_log2);
		fputs("      capabilities: ", stdout);
		h_bits(d->hw.capabilities, hw_caps);
		putchar('\n');
		h_hw_decoded(d);
	}
	if (d->flags_probed) {
		fputs("    HWPT allocation:", stdout);
		for (size_t i = 0; i < NUM_HWPT_FLAGS; i++)
			printf(" %s %s", hwpt_flags[i].name, yes_no(!d->flag_err[i]));
		putchar('\n');
	}
	if (d->attach_err) {
		fputs("    ", stdout);
		h_error("attach to the IOAS", d->attach_err);
	} else {
		printf("    attached to the IOAS through HWPT %" PRIu32 "\n", d->hwpt_id);
	}
}

static void print_human(const struct report *r)
{
	printf("iommufd-info %s, libiommufd %s\n", TOOL_VERSION, iommufd_version());
	if (r->ctx_err) {
		printf("%s: ", r->iommu_path);
		h_error_txt("not available", r->ctx_err, true);
		return;
	}
	printf("%s: iommufd available\n\nCommands:\n", r->iommu_path);
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		printf("  %-30s %s\n", commands[i].name, yes_no(r->cmd[i]));
	puts("\nFeatures:");
	for (size_t i = 0; i < NUM_FEATURES; i++)
		printf("  %-30s %s\n", features[i].name, yes_no(r->feature[i]));

	printf("\nDevices (%zu):\n", r->ndevs);
	if (!r->ndevs)
		puts("  none");
	for (size_t i = 0; i < r->ndevs; i++)
		h_device(&r->devs[i]);

	putchar('\n');
	if (r->ioas_err) {
		h_error("IOAS", r->ioas_err);
		return;
	}
	printf("IOAS %" PRIu32 " with %u device%s attached:\n", r->ioas_id, r->attached,
	       r->attached == 1 ? "" : "s");
	if (r->ranges_err) {
		fputs("  ", stdout);
		h_error("IOVA ranges", r->ranges_err);
		return;
	}
	printf("  alignment 0x%" PRIx64 "\n", r->alignment);
	for (uint32_t i = 0; i < r->nranges; i++)
		printf("  [0x%016" PRIx64 ", 0x%016" PRIx64 "]\n", r->ranges[i].start,
		       r->ranges[i].last);
}

/* ------------------------------------------------------------ main ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iommufd-info [OPTION]...\n"
		"Report what the kernel's iommufd (/dev/iommu) supports, the IOMMU of every\n"
		"VFIO device (/dev/vfio/devices/vfio*) and the IOVA ranges of an IOAS with\n"
		"those devices attached.\n"
		"\n"
		"  --device PATH  report this VFIO device cdev only (repeatable)\n"
		"  --json         print JSON instead of text\n"
		"  --help         show this help\n"
		"  --version      show the version\n"
		"\n"
		"Exit status: 0 report complete; 1 no usable iommufd; 2 usage error;\n"
		"3 a device given with --device could not be bound.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .iommu_path = "/dev/iommu" };
	struct iommufd_ctx *ctx = NULL;
	bool json = false, named = false;
	int opt, status = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!*optarg) {
				fprintf(stderr, "iommufd-info: empty --device\n");
				return EXIT_USAGE;
			}
			if (add_device(&r, optarg, true)) {
				fprintf(stderr, "iommufd-info: out of memory\n");
				return EXIT_NO_IOMMUFD;
			}
			named = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("iommufd-info %s (libiommufd %s)\n", TOOL_VERSION, iommufd_version());
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "iommufd-info: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	r.ctx_err = iommufd_ctx_open(NULL, &ctx);
	if (r.ctx_err) {
		ctx = NULL;
		status = EXIT_NO_IOMMUFD;
	} else {
		if (!named && find_devices(&r)) {
			fprintf(stderr, "iommufd-info: out of memory\n");
			iommufd_ctx_close(ctx);
			return EXIT_NO_IOMMUFD;
		}
		gather(&r, ctx);
		iommufd_ctx_close(ctx);
		for (size_t i = 0; i < r.ndevs; i++)
			if (r.devs[i].named && r.devs[i].bind_err)
				status = EXIT_DEVICE;
	}

	if (json)
		print_json(&r);
	else
		print_human(&r);
	if (fflush(stdout) || ferror(stdout))
		status = EXIT_NO_IOMMUFD;

	for (size_t i = 0; i < r.ndevs; i++)
		free(r.devs[i].path);
	free(r.devs);
	free(r.ranges);
	return status;
}
