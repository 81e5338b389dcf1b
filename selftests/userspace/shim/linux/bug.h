/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_BUG_H
#define SHIM_LINUX_BUG_H
#include <stdbool.h>
#include "../shim.h"

/* Counts every hit; prints the first per call site. */
#define WARN_ONCE(cond, fmt, ...) ({					\
	static bool __warned;						\
	int __ret = !!(cond);						\
	if (__ret && !__atomic_exchange_n(&__warned, true,		\
					  __ATOMIC_RELAXED))		\
		shim_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
	else if (__ret)							\
		shim_warn_hit();					\
	__ret;								\
})
#endif
