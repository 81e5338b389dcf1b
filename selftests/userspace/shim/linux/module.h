/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_MODULE_H
#define SHIM_LINUX_MODULE_H
#include <stdbool.h>
#include <stdlib.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/printk.h>

/* Everything is built in: no module is ever unloaded. */
struct module;
#define THIS_MODULE ((struct module *)0)
static inline bool try_module_get(struct module *m) { return true; }
static inline void module_put(struct module *m) { }
static inline const char *module_name(struct module *m) { return "memcglab"; }

/*
 * A policy module linked into a test program registers itself before
 * main(), after memcglab's own policies (constructor 101 in shim.c).
 */
#define __init
#define __exit
#define module_init(fn)							\
	static void __attribute__((constructor(200))) shim_init_##fn(void) \
	{								\
		if (fn())						\
			abort();					\
	}
#define module_exit(fn) \
	static void __attribute__((unused)) (*shim_exit_##fn)(void) = fn
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define MODULE_LICENSE(s)
#endif
