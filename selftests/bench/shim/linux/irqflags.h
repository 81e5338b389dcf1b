/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark override of the userspace shim's irqflags.h.
 *
 * The test shim models "interrupts off" with a per-CPU mutex so that remote
 * drains exclude the fast path.  A benchmark thread owns its CPU id alone and
 * no drain runs while it measures, so here saving the flags costs what the
 * kernel's save does (pushf; pop) and nothing is locked.  cli/sti cannot run
 * in user mode: their few cycles are missing from the native numbers and
 * present in the guest's.
 */
#ifndef SHIM_LINUX_IRQFLAGS_H
#define SHIM_LINUX_IRQFLAGS_H

static inline unsigned long bench_save_flags(void)
{
	unsigned long flags;

	asm volatile("pushf ; pop %0" : "=rm" (flags) : : "memory");
	return flags;
}

#define local_irq_save(flags)	do { (flags) = bench_save_flags(); } while (0)
#define local_irq_restore(flags) \
	do { (void)(flags); asm volatile("" : : : "memory"); } while (0)
#endif
