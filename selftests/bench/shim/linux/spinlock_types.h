/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark override of the userspace shim's spinlock_types.h: a real
 * test-and-test-and-set spinlock of the kernel's size (4 bytes) instead of
 * an error-checking pthread mutex, so that the locked policy and the
 * counter's layout cost what they cost in the module.
 */
#ifndef SHIM_LINUX_SPINLOCK_TYPES_H
#define SHIM_LINUX_SPINLOCK_TYPES_H

typedef struct {
	int locked;
} spinlock_t;
#endif
