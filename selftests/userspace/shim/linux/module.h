/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_MODULE_H
#define SHIM_LINUX_MODULE_H
#include <stdbool.h>
#include <linux/export.h>

/* Everything is built in: no module is ever unloaded. */
struct module;
#define THIS_MODULE ((struct module *)0)
static inline bool try_module_get(struct module *m) { return true; }
static inline void module_put(struct module *m) { }
static inline const char *module_name(struct module *m) { return "memcglab"; }
#endif
