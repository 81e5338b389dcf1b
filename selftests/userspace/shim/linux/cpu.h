/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_CPU_H
#define SHIM_LINUX_CPU_H
/* CPUs go offline only when a test says so, never concurrently. */
static inline void cpus_read_lock(void) { }
static inline void cpus_read_unlock(void) { }
#endif
