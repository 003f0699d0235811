// SPDX-License-Identifier: MIT
/*
 * preload.c - a plain program with no knowledge of the mock, run by the
 * transport suite under iommufd-mock-run: the preloaded shim must give it
 * /dev/iommu, shared across fork. Exit 0 when all is well, else the step that
 * failed. With "exit N" or "kill SIG" it just ends that way; "sysfs-kill SIG"
 * first looks at the mock device's sysfs.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommufd-uapi.h"

int main(int argc, char **argv)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	const char *preload = getenv("LD_PRELOAD");
	const char *asan = getenv("ASAN_OPTIONS");
	int fd, p[2], st;
	pid_t pid;

	/* For the wrapper's exit status: "exit N" or "kill SIG". */
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "kill"))
		return kill(getpid(), atoi(argv[2])) ? 1 : 0;
	/* "sysfs-kill SIG": look at the mock device's sysfs (the shim builds its tree), then die */
	if (argc == 3 && !strcmp(argv[1], "sysfs-kill")) {
		struct stat sb;

		if (stat("/sys/bus/pci/devices/00ed:00:01.0/vendor", &sb))
			return 13;
		return kill(getpid(), atoi(argv[2])) ? 1 : 0;
	}
	if (!preload || !strstr(preload, "libiommufd-mock.so"))
		return 10;
	if (!asan || !strstr(asan, "verify_asan_link_order=0"))
		return 11;
	if (!getenv("IOMMUFD_MOCK_SOCKET"))
		return 12;
	if (!dlsym(RTLD_DEFAULT, "iommufd_mock_daemon_files"))
		return 13;
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		return 14;
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &alloc))
		return 15;
	if (pipe(p))
		return 16;
	pid = fork();
	if (pid < 0)
		return 17;
	if (pid == 0) {
		if (ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) ||
		    write(p[1], &alloc.out_ioas_id, sizeof(alloc.out_ioas_id)) != 4)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 18;
	if (read(p[0], &destroy.id, sizeof(destroy.id)) != 4)
		return 19;
	if (ioctl(fd, IOMMU_DESTROY, &destroy))
		return 20;
	close(fd);
	return 0;
}
