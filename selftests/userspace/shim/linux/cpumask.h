/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_CPUMASK_H
#define SHIM_LINUX_CPUMASK_H
#include "../shim.h"

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < SHIM_NR_CPUS; (cpu)++)
#define cpu_online(cpu) shim_cpu_online(cpu)
#endif
