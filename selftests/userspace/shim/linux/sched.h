/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SCHED_H
#define SHIM_LINUX_SCHED_H
#include <sched.h>

static inline void cond_resched(void)
{
	sched_yield();
}
#endif
