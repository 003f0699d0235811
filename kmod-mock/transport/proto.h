/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the wire protocol between the LD_PRELOAD shim (libiommufd-mock.so)
 * and the mock kernel daemon (iommufd-mockd).
 *
 * Two kinds of sockets are involved:
 *  - Mock files. Every fd the mock hands out (an open of /dev/iommu, a fault
 *    queue fd, ...) is the client end "C" of a SOCK_STREAM socketpair whose
 *    other end "D" the daemon keeps. Nothing travels on it: it only carries the
 *    identity of the file (C's inode number) and its lifetime (D sees POLLHUP
 *    when the last copy of C, across dup and fork, is closed).
 *  - Control connections. Each client thread connects (SOCK_SEQPACKET) to the
 *    daemon's listening socket in the abstract namespace, and sends one request
 *    at a time, then waits for its reply. Requests never travel on C, so that
 *    parent and child after fork cannot steal each other's replies.
 *
 * Trust (doc/reliability.md, "Trust model"). The shim talks only to a daemon
 * whose listening socket belongs to its own euid or to root (SO_PEERCRED of
 * the connection, mock_proto_peer_ok()), and stores only inside the argument
 * it sent. The daemon takes the caller's pid and uid from the credentials the
 * kernel attaches to every request (SO_PASSCRED, SCM_CREDENTIALS), never from
 * the request, and serves a connection to the process that made it only. A
 * request naming a file the connection has not shown it holds is answered
 * with MOCK_REPLY_PROVE; the client sends it again with the file's fd
 * attached (SCM_RIGHTS), once per connection and file.
 *
 * One request or reply is one datagram. New fds travel with the reply as
 * SCM_RIGHTS, in the order of reply.fd[].
 *
 * Inline argument. An ioctl request may carry a copy of the caller's memory
 * at arg (req.inline_len bytes, at most MOCK_PROTO_INLINE_MAX: the argument
 * struct, sized by its leading size word) after the header. The daemon's
 * core then reads that range from the copy instead of with process_vm_readv
 * (what was the cost of every ioctl: one read for the size word, one for the
 * struct); other addresses, and ranges reaching past the copy, still go to
 * the caller's memory, so a bad pointer is EFAULT as before. The shim sends
 * a copy only of memory it has read safely. With MOCK_REQ_INLINE_RW it also
 * vouches that the range is writable (the live part of the calling thread's
 * stack): writes there then come back in the reply for the shim to store,
 * saving the process_vm_writev.
 *
 * Written ranges. The reply lists what the call wrote into the caller
 * (reply.nr_wr entries of struct mock_reply_wr after the header, then
 * reply.wr_bytes of data): MOCK_WR_DATA entries are the held-back writes to
 * store, in order, inside the inline range; the others were written with
 * process_vm_writev already, and the shim only tells valgrind's memcheck
 * (which cannot see a write from another process) that they are defined.
 *
 * Readiness. A file that can become readable (a fault queue, a vEVENTQ) is
 * mirrored onto C's receive queue: when the core says the file became
 * readable the daemon writes one byte into D, so poll/epoll/select on C work
 * unchanged. Only a reader of C can take the byte out again: when a call on
 * the file leaves it unreadable while a byte is outstanding, the reply
 * carries MOCK_REPLY_DRAIN and the shim receives exactly one byte from C
 * before returning. One byte per order, never "all", so that a byte the
 * daemon wrote for a newer event between the reply and the drain survives:
 * a wake-up may be spurious (a read then finds no record), never lost.
 *
 * Caller files. A call that names files of the caller by number (the
 * eventfds of VFIO_DEVICE_SET_IRQS) gets them passed along: the request's
 * fds[] lists the caller's numbers of the first nr_fds fds attached
 * (SCM_RIGHTS), in order; a proof fd, if any, comes after them. The daemon
 * cannot take them any other way (an eventfd cannot be reopened through
 * /proc). A number the shim did not attach (not an open fd) is EBADF.
 *
 * Mappings. MOCK_OP_MMAP answers with the memory to map (one fd attached, not
 * a mock file) at reply.mmap_off and a cookie naming the mapping; the daemon
 * counts one reference per mapping and per process, drops it on
 * MOCK_OP_MUNMAP and drops every reference of a process when it exits (or
 * execs: MOCK_OP_MMAP_FORGET). A forked child takes its own with MOCK_OP_MMAP_DUP.
 */
#ifndef KMOD_MOCK_PROTO_H
#define KMOD_MOCK_PROTO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Environment: the abstract socket name of the daemon to join. */
#define MOCK_ENV_SOCKET "IOMMUFD_MOCK_SOCKET"
/* Environment: the daemon binary the shim or the wrapper starts. */
#define MOCK_ENV_MOCKD "IOMMUFD_MOCKD"
/* Environment: the machine's VFIO devices (doc/mock-devices.md), read by the daemon. */
#define MOCK_ENV_DEVICES "IOMMUFD_MOCK_DEVICES"
/* The Linux release the daemon presents ("6.12"), see mock_kernel_config.kernel. */
#define MOCK_ENV_KERNEL "IOMMUFD_MOCK_KERNEL"
/*
 * Environment: a directory of the wrapper's for this run, where the shim
 * makes its sysfs trees (shim/sysfs.c); the wrapper removes it at the end.
 */
#define MOCK_ENV_SYSFS_DIR "IOMMUFD_MOCK_SYSFS_DIR"
/* Environment: the shim library the wrapper puts into LD_PRELOAD. */
#define MOCK_ENV_SHIM "IOMMUFD_MOCK_SHIM"

/* Longest socket name (sun_path minus the leading NUL). */
#define MOCK_SOCKET_NAME_MAX 100

#define MOCK_PROTO_VERSION 5

enum mock_proto_op {
	MOCK_OP_OPEN = 1,  /* path[] follows the header; oflags */
	MOCK_OP_IOCTL = 2, /* ino, cmd, arg */
	MOCK_OP_READ = 3,  /* ino, arg = buffer, len */
	MOCK_OP_WRITE = 4, /* ino, arg = buffer, len */
	MOCK_OP_PREAD = 5, /* ino, arg = buffer, len, off */
	MOCK_OP_PWRITE = 6, /* ino, arg = buffer, len, off */
	MOCK_OP_STATS = 7, /* reply.ret = number of live mock files (for tests) */
	MOCK_OP_QUERY = 8, /* reply.ret = 1 if ino is a live mock file, else 0 */
	/* ino, off = offset, len = length, cmd = prot, oflags = mmap flags */
	MOCK_OP_MMAP = 9,
	MOCK_OP_MUNMAP = 10,      /* arg = cookie: this process unmapped it */
	MOCK_OP_MMAP_DUP = 11,    /* arg = cookie: this process (a fork child) maps it too */
	MOCK_OP_MMAP_FORGET = 12, /* this process maps nothing (it has just exec'd) */
	/*
	 * fail-nth (fault injection) of thread arg of this process: cmd = 1 sets
	 * it to len, cmd = 0 reads it (reply.ret = the count left).
	 */
	MOCK_OP_FAIL_NTH = 13,
	/*
	 * Pages the mock pinned on behalf of process arg: cmd = 0 its VmPin,
	 * cmd = 1 its VmLck, in pages (reply.ret); 0 for a process it knows nothing of.
	 */
	MOCK_OP_PINNED_VM = 14,
	/*
	 * The PCI config space of device arg (/dev/vfio/devices/vfio<arg>) as the
	 * hardware holds it, for the sysfs the shim presents (shim/sysfs.c):
	 * reply.ret = the dword at off (a multiple of 4 below 256); -ENODEV past
	 * the last device. Only for the daemon's user, as the device nodes.
	 */
	MOCK_OP_PCI_CONFIG = 15,
	/*
	 * Where the machine put device arg (the kernel's mock_kernel_pci_ident()),
	 * for the same sysfs: cmd (enum mock_pci_ident_query) = 0 its address, 1 the bridge above it,
	 * both as reply.ret = segment << 16 | bus << 8 | devfn (-ENOENT for the
	 * bridge of a device on the root bus); cmd = 2 its IOMMU group number.
	 * -ENODEV past the last device. Only for the daemon's user.
	 */
	MOCK_OP_PCI_IDENT = 16,
};

/* mock_req.cmd of MOCK_OP_PCI_IDENT: which identity of device mock_req.arg. */
enum mock_pci_ident_query {
	MOCK_PCI_IDENT_ADDR = 0,   /* segment << 16 | bus << 8 | devfn */
	MOCK_PCI_IDENT_BRIDGE = 1, /* the same of its bridge; -ENOENT on the root bus */
	MOCK_PCI_IDENT_GROUP = 2,  /* its IOMMU group number */
};

/*
 * Request flag: the client does not know whether ino is a mock file (an fd it
 * inherited across exec or received from another process); if it is not, the
 * daemon answers MOCK_REPLY_NOT_MINE and the client passes the call through.
 */
#define MOCK_REQ_PROBE (1u << 0)
/* The inline argument's range is writable: hand writes to it back in the reply. */
#define MOCK_REQ_INLINE_RW (1u << 1)
/*
 * fd_room is valid: the call may make new fds, and the kernel reserves them
 * before it creates anything (EMFILE leaves no object behind).
 */
#define MOCK_REQ_FD_ROOM (1u << 2)

/* Caller files one request passes along (the core's MOCK_MAX_CALL_FDS). */
#define MOCK_PROTO_MAX_FDS 8

/* Longest inline argument (proto.h header); the core's window (core.h) is as large. */
#define MOCK_PROTO_INLINE_MAX 256

struct mock_req {
	uint32_t version; /* MOCK_PROTO_VERSION */
	uint32_t op;      /* enum mock_proto_op */
	uint32_t flags;   /* MOCK_REQ_* */
	int32_t tid;      /* calling thread; the pid comes from SCM_CREDENTIALS */
	int32_t oflags;   /* open flags (MOCK_OP_OPEN) */
	uint32_t cmd;     /* ioctl request (MOCK_OP_IOCTL); MOCK_RW_* (PREAD, PWRITE) */
	uint64_t ino;     /* inode number of the mock file's client socket */
	uint64_t arg;     /* ioctl argument, or the user buffer of read/write */
	uint64_t len;     /* read/write length */
	uint64_t off;     /* pread/pwrite offset */
	uint32_t inline_len; /* MOCK_OP_IOCTL: bytes of the caller's memory at arg that follow */
	uint32_t fd_room; /* with MOCK_REQ_FD_ROOM: new fds the caller can still open */
	uint32_t nr_fds;  /* caller files attached ahead of any proof fd (below) */
	int32_t fds[MOCK_PROTO_MAX_FDS]; /* their numbers in the caller */
	/* MOCK_OP_OPEN: a NUL-terminated path follows, at most PATH_MAX bytes */
};

#define MOCK_REPLY_NOT_MINE (1u << 0)
/* Receive one byte from the file's fd before returning: its readiness was withdrawn. */
#define MOCK_REPLY_DRAIN (1u << 1)
/* MOCK_OP_MMAP: the attached fd is the memory to map, not a mock file. */
#define MOCK_REPLY_MMAP (1u << 2)
/*
 * ret = -EBADF: this connection has not shown that its process holds the
 * file ino names. Send the same request again with an fd of the file
 * attached (SCM_RIGHTS); the daemon remembers the proof for the connection.
 */
#define MOCK_REPLY_PROVE (1u << 3)
/*
 * MOCK_OP_MMAP: device registers, no fd attached and no reference taken
 * (cookie 0). The shim reserves the range inaccessible and performs each
 * access it traps there as MOCK_OP_PREAD/PWRITE of the file at
 * mmap_off (the requested offset) plus the distance into the mapping.
 */
#define MOCK_REPLY_MMIO (1u << 4)
/*
 * MOCK_OP_PREAD/PWRITE, in req.cmd: the access is a trapped load or store of
 * a register mapping, to which the driver's mmap fault checks apply too.
 */
#define MOCK_RW_MMIO_FAULT (1u << 0)

#define MOCK_PROTO_MAX_NEWFD 2

struct mock_reply_fd {
	uint64_t uaddr;  /* caller address where the fd number (an int) goes; 0 = none */
	int32_t oflags;  /* O_CLOEXEC, O_NONBLOCK, ... for the new fd */
	uint32_t pad;
};

struct mock_reply {
	int64_t ret;          /* syscall result (>= 0) or a negative errno */
	uint32_t flags;       /* MOCK_REPLY_* */
	uint32_t nr_fd;       /* fds attached with SCM_RIGHTS, in fd[] order */
	int32_t retval_newfd; /* -1, or the index in fd[] whose fd number is the result */
	uint32_t pad;
	struct mock_reply_fd fd[MOCK_PROTO_MAX_NEWFD];
	uint64_t mmap_off;    /* MOCK_OP_MMAP: offset into the attached fd to map */
	uint64_t cookie;      /* MOCK_OP_MMAP: the mapping's name for MUNMAP and MMAP_DUP */
	uint32_t nr_wr;       /* struct mock_reply_wr entries following the reply */
	uint32_t wr_bytes;    /* bytes of MOCK_WR_DATA data following the entries */
};

/* The data of this entry follows (after all entries, in entry order): store it at uaddr. */
#define MOCK_WR_DATA (1u << 0)

struct mock_reply_wr {
	uint64_t uaddr;
	uint64_t len;
	uint32_t flags; /* MOCK_WR_* */
	uint32_t pad;
};

/* Data entries (runs of held-back writes) plus logged direct writes. */
#define MOCK_PROTO_MAX_WR 16
#define MOCK_PROTO_REPLY_MAX                                                        \
	(sizeof(struct mock_reply) + MOCK_PROTO_MAX_WR * sizeof(struct mock_reply_wr) + \
	 MOCK_PROTO_INLINE_MAX)

/*
 * Fill @sa with the abstract-namespace address of @name; returns the address
 * length, or -ENAMETOOLONG / -EINVAL.
 */
static inline int mock_proto_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return -EINVAL;
	if (n > MOCK_SOCKET_NAME_MAX || n + 1 > sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	return 0;
}

/* A fresh, unguessable daemon socket name. */
static inline void mock_proto_make_name(char *buf, size_t sz)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec;
	}
	snprintf(buf, sz, "iommufd-mock.%ld.%016llx", (long)getpid(), (unsigned long long)r);
}

/*
 * Is the daemon at the other end of connected socket @fd one we may trust:
 * its listening socket made by our euid or by root (SO_PEERCRED)? Anyone
 * else can bind a free abstract name; such a listener receives nothing.
 */
static inline int mock_proto_peer_ok(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred) ||
	    cred.pid <= 0)
		return 0;
	return cred.uid == geteuid() || cred.uid == 0;
}

/*
 * One request on a connection of its own to the daemon named by $MOCK_ENV_SOCKET,
 * for the shim's side channels (fail-nth, /proc status) that must not touch the
 * calling thread's control connection. Returns the reply's ret, or -ENODEV when
 * the daemon cannot be reached.
 */
static inline long mock_proto_oneshot(const struct mock_req *req)
{
	union {
		struct mock_reply rep;
		char raw[MOCK_PROTO_REPLY_MAX];
	} r;
	struct sockaddr_un sa;
	socklen_t salen;
	ssize_t n;
	int fd, err = 0;

	if (mock_proto_addr(getenv(MOCK_ENV_SOCKET), &sa, &salen))
		return -ENODEV;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, salen)) {
		if (errno != EINTR) {
			err = -ENODEV;
			goto out;
		}
	}
	if (!mock_proto_peer_ok(fd) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 10 },
		       sizeof(struct timeval))) {
		err = -ENODEV; /* and a daemon that never answers is none (its fd limit) */
		goto out;
	}
	while ((n = send(fd, req, sizeof(*req), MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*req)) {
		err = -ENODEV;
		goto out;
	}
	/* These requests write nothing of ours: written ranges, if any, are ignored. */
	while ((n = recv(fd, &r, sizeof(r), 0)) < 0 && errno == EINTR)
		;
	err = n >= (ssize_t)sizeof(r.rep) ? 0 : -ENODEV;
out:
	close(fd);
	return err ? err : (long)r.rep.ret;
}

#endif /* KMOD_MOCK_PROTO_H */
