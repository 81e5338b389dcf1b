/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SMP_H
#define SHIM_LINUX_SMP_H
#include "../shim.h"

typedef void (*smp_call_func_t)(void *info);
#define on_each_cpu(func, info, wait) shim_on_each_cpu(func, info)
#define smp_processor_id() shim_this_cpu()
#endif
