/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counter.h - a hierarchical page counter with the kernel's page_counter
 * semantics (mm/page_counter.c): lock-free charging, limits, watermarks,
 * failure counts and memory.min/memory.low protection.
 *
 * Pure arithmetic on atomics; no groups, files or netlink.  The same source
 * builds in the module and, against selftests/userspace/shim, in userspace.
 */
#ifndef _MLAB_COUNTER_H
#define _MLAB_COUNTER_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/limits.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <asm/page.h>

/* The largest usage or limit in pages; "max" and "-1" parse to this. */
#define MLAB_COUNTER_MAX (LONG_MAX / PAGE_SIZE)

/**
 * struct mlab_counter - one level of a page counter hierarchy
 * @usage: pages charged here and below (includes per-cpu stocked pages)
 * @failcnt: failed charges limited by this counter, if @track_failcnt
 * @lock: locked policy only: serialises check-and-add at this level
 * @policy_data: the hierarchy's policy's per-level state (counter_init)
 * @emin: effective memory.min, written by mlab_counter_calculate_protection()
 * @min_usage: protected usage (min(usage, min)) propagated to the parent
 * @children_min_usage: sum of the children's @min_usage
 * @elow: effective memory.low
 * @low_usage: min(usage, low) propagated to the parent
 * @children_low_usage: sum of the children's @low_usage
 * @watermark: highest usage seen since creation or the last reset
 * @local_watermark: like @watermark but reset on its own (per-fd peak)
 * @track_failcnt: count failures at this level when it is the limiting one
 * @min: memory.min setting
 * @low: memory.low setting
 * @high: memory.high setting (informational here; nothing enforces it)
 * @max: the limit: a try_charge fails when usage would exceed it
 * @parent: the next level up, NULL at the root
 *
 * The fields are grouped by access pattern: the first cache line is written
 * on every charge, the second on watermark and protection updates, the
 * third is read-mostly (limits and the tree pointer).
 */
struct mlab_counter {
	/* Hot: written on every charge and uncharge. */
	atomic_long_t usage ____cacheline_aligned_in_smp;
	unsigned long failcnt;

	/* --- policy state (kmod/policy.c, policy modules) --- */
	spinlock_t lock;
	void *policy_data;
	/* --- end of policy state --- */

	/* Protection bookkeeping and watermarks. */
	unsigned long emin ____cacheline_aligned_in_smp;
	atomic_long_t min_usage;
	atomic_long_t children_min_usage;
	unsigned long elow;
	atomic_long_t low_usage;
	atomic_long_t children_low_usage;
	unsigned long watermark;
	unsigned long local_watermark;

	/* Read-mostly: limits and the tree. */
	bool track_failcnt ____cacheline_aligned_in_smp;
	unsigned long min;
	unsigned long low;
	unsigned long high;
	unsigned long max;
	struct mlab_counter *parent;
};

void mlab_counter_init(struct mlab_counter *c, struct mlab_counter *parent,
		       bool track_failcnt);

/**
 * mlab_counter_read - current usage of a counter
 * @c: the counter
 *
 * Context: any context.
 * Return: the usage in pages, stocked pages included.
 */
static inline unsigned long mlab_counter_read(const struct mlab_counter *c)
{
	return atomic_long_read(&c->usage);
}

void mlab_counter_cancel(struct mlab_counter *c, unsigned long nr_pages);
void mlab_counter_charge(struct mlab_counter *c, unsigned long nr_pages);
bool mlab_counter_try_charge(struct mlab_counter *c, unsigned long nr_pages,
			     struct mlab_counter **fail);
void mlab_counter_uncharge(struct mlab_counter *c, unsigned long nr_pages);
int mlab_counter_set_max(struct mlab_counter *c, unsigned long nr_pages);
unsigned long mlab_counter_xchg_max(struct mlab_counter *c,
				    unsigned long nr_pages);
void mlab_counter_set_high(struct mlab_counter *c, unsigned long nr_pages);
void mlab_counter_set_min(struct mlab_counter *c, unsigned long nr_pages);
void mlab_counter_set_low(struct mlab_counter *c, unsigned long nr_pages);
void mlab_counter_reset_watermark(struct mlab_counter *c);
void mlab_counter_reset_local_watermark(struct mlab_counter *c);
void mlab_counter_reset_failcnt(struct mlab_counter *c);
int mlab_counter_memparse(const char *buf, const char *max_str,
			  unsigned long *nr_pages);
void mlab_counter_calculate_protection(struct mlab_counter *root,
				       struct mlab_counter *c, bool recursive);

/* Single-level building blocks for policies that check limits themselves. */
long mlab_counter_charge_local(struct mlab_counter *c, unsigned long nr_pages);
void mlab_counter_note_failure(struct mlab_counter *c);

/**
 * mlab_counter_emin - effective memory.min of a counter
 * @c: the counter
 *
 * Context: any context.
 * Return: the value the last mlab_counter_calculate_protection() stored.
 */
static inline unsigned long mlab_counter_emin(const struct mlab_counter *c)
{
	return READ_ONCE(c->emin);
}

/**
 * mlab_counter_elow - effective memory.low of a counter
 * @c: the counter
 *
 * Context: any context.
 * Return: the value the last mlab_counter_calculate_protection() stored.
 */
static inline unsigned long mlab_counter_elow(const struct mlab_counter *c)
{
	return READ_ONCE(c->elow);
}

#endif /* _MLAB_COUNTER_H */
