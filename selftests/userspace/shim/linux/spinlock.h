/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SPINLOCK_H
#define SHIM_LINUX_SPINLOCK_H
#include <stdlib.h>
#include <linux/spinlock_types.h>

#define DEFINE_SPINLOCK(x) spinlock_t x = { .m = PTHREAD_MUTEX_INITIALIZER }

static inline void spin_lock_init(spinlock_t *l)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&l->m, &a);
	pthread_mutexattr_destroy(&a);
}

static inline void spin_lock(spinlock_t *l)
{
	if (pthread_mutex_lock(&l->m))
		abort();
}

static inline void spin_unlock(spinlock_t *l)
{
	if (pthread_mutex_unlock(&l->m))
		abort();
}
#endif
