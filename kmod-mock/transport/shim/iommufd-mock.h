/* SPDX-License-Identifier: MIT */
/*
 * iommufd-mock.h - the few functions libiommufd-mock.so exports besides the
 * libc calls it intercepts. They serve tests of the mock itself; programs
 * under test never need them (look them up with dlsym() when preloaded).
 */
#ifndef KMOD_MOCK_SHIM_H
#define KMOD_MOCK_SHIM_H

#include <sys/types.h>

#define IOMMUFD_MOCK_API __attribute__((visibility("default")))

/* Number of live mock files in the daemon, or -1 with errno set. */
IOMMUFD_MOCK_API long iommufd_mock_daemon_files(void);

/* Pid of the daemon this thread talks to (started if needed), or -1 with errno set. */
IOMMUFD_MOCK_API pid_t iommufd_mock_daemon_pid(void);

/* Whether @fd is a mock file of the daemon: 1, 0, or -1 with errno set. */
IOMMUFD_MOCK_API int iommufd_mock_is_mock_fd(int fd);

#endif /* KMOD_MOCK_SHIM_H */
