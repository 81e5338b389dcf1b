/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SPINLOCK_TYPES_H
#define SHIM_LINUX_SPINLOCK_TYPES_H
#include <pthread.h>

typedef struct {
	pthread_mutex_t m;
} spinlock_t;
#endif
