/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_PERCPU_H
#define SHIM_LINUX_PERCPU_H
#include <stdlib.h>
#include <linux/compiler.h>
#include "../shim.h"

#define alloc_percpu(type)	((type *)shim_alloc_percpu(sizeof(type)))
#define free_percpu(p)		free(p)
#define per_cpu_ptr(p, cpu)	(&(p)[cpu])
#define this_cpu_ptr(p)		per_cpu_ptr(p, shim_this_cpu())
#endif
