/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark override of the userspace shim's percpu.h.  The shim packs the
 * CPUs' copies of a per-cpu object next to each other (calloc of NR_CPUS
 * objects), so two CPUs' 16-byte stocks share a cache line: false sharing
 * the kernel's per-cpu areas (one area per CPU, far apart) never have.
 * Here every CPU's copy gets its own 256 bytes (whole cache lines).
 */
#ifndef SHIM_LINUX_PERCPU_H
#define SHIM_LINUX_PERCPU_H
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include "shim.h"

#define BENCH_PERCPU_STRIDE 256

static inline void *bench_alloc_percpu(size_t size)
{
	void *p;

	if (size > BENCH_PERCPU_STRIDE)
		abort();
	p = aligned_alloc(64, (size_t)SHIM_NR_CPUS * BENCH_PERCPU_STRIDE);
	if (p)
		memset(p, 0, (size_t)SHIM_NR_CPUS * BENCH_PERCPU_STRIDE);
	return p;
}

#define alloc_percpu(type)	((type *)bench_alloc_percpu(sizeof(type)))
#define free_percpu(p)		free(p)
#define per_cpu_ptr(p, cpu) \
	((__typeof__(p))((char *)(p) + (size_t)(cpu) * BENCH_PERCPU_STRIDE))
#define this_cpu_ptr(p)		per_cpu_ptr(p, shim_this_cpu())
#endif
