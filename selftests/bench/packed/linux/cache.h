/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "before" layout for the false-sharing comparison: the same shim
 * cache.h with ____cacheline_aligned_in_smp defined away, so that
 * struct mlab_counter is packed (hot usage, watermarks and read-mostly
 * limits share cache lines, and neighbouring counters share lines too).
 */
#ifndef SHIM_LINUX_CACHE_H
#define SHIM_LINUX_CACHE_H
#define L1_CACHE_BYTES 64
#define SMP_CACHE_BYTES L1_CACHE_BYTES
#define ____cacheline_aligned_in_smp
#define ____cacheline_aligned __attribute__((aligned(SMP_CACHE_BYTES)))
#endif
