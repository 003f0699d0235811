/* SPDX-License-Identifier: MIT */
/*
 * fakecore.h - the ioctls of fakecore.c, the stand-in core that the readiness
 * and mmap tests (events.c) run against. Type ';' so that the shim forwards them.
 */
#ifndef MOCK_TRANSPORT_FAKE_CORE_H
#define MOCK_TRANSPORT_FAKE_CORE_H

#include <sys/ioctl.h>

#define FAKE_QUEUE_ALLOC _IO(';', 0xe0)    /* root: new queue fd as the result */
#define FAKE_PUSH _IO(';', 0xe1)           /* arg events into the queue(s) */
#define FAKE_REFS _IO(';', 0xe2)           /* root: references on the mmap region */
#define FAKE_DESTROY_REGION _IO(';', 0xe3) /* root: -EBUSY while mapped */

#endif
