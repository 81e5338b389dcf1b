/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlab_policy.h - the interface for memcglab charging policy modules
 *
 * A charging policy decides how a charge reaches the page counters of a
 * hierarchy: straight through (strict), through a per-cpu stock (batched),
 * under a lock per level (locked), or any way a module implements.  It fills
 * in a struct mlab_policy_ops, registers it with mlab_policy_register() from
 * its module_init and unregisters it from its module_exit.  A mount names it
 * with `-o policy=NAME`; every hierarchy using it holds a reference on
 * ops->owner, so the module cannot be unloaded while one exists.
 *
 * The policy sees the hierarchy as struct mlab_counter levels (counter.h,
 * mm/page_counter.c semantics) linked by ->parent up to the root.  It may
 * charge them with the mlab_counter_*() functions, which memcglab.ko
 * exports: the usage of every level is what memory.current reports, and a
 * policy may keep pages charged ahead (a stock) as long as it gives them
 * back from ->drain.
 *
 * The rules every policy keeps (selftests check them for any policy):
 *  - every page charged through ->try_charge or ->charge comes back through
 *    ->uncharge or ->drain: after a drain of everything, the usage of every
 *    level is exactly what the owners hold, and 0 once they hold nothing;
 *  - usage never goes below 0 at any level;
 *  - a ->try_charge that succeeds leaves usage at most max + slack at
 *    every level it charged, where slack is ops->slack pages per online CPU
 *    (0 for the built-in policies).
 *
 * See docs/policy.md for a walk-through: a policy module from an empty
 * directory, built against memcglab's Module.symvers.
 */
#ifndef _MLAB_POLICY_API_H
#define _MLAB_POLICY_API_H

#include <linux/list.h>
#include <linux/types.h>
#include "counter.h"

struct module;

/* Longest policy name, NUL included; names are [a-z0-9_]. */
#define MLAB_POLICY_NAME_MAX	16
/* Longest one-line description, NUL included. */
#define MLAB_POLICY_DESC_MAX	80

/* Pages charged ahead into a per-cpu stock (memcg's MEMCG_CHARGE_BATCH). */
#define MLAB_DEFAULT_BATCH	64U
/* The largest batch= a mount accepts (256 MiB per CPU). */
#define MLAB_MAX_BATCH		65536U

/* ops->flags */
#define MLAB_POLICY_F_BATCH	0x1	/* uses the mount's batch= option */

/**
 * struct mlab_policy - one hierarchy's instance of a policy
 * @ops: the policy
 * @batch: the mount's batch= in pages if the policy has MLAB_POLICY_F_BATCH,
 *         else 0
 * @data: the policy's per-hierarchy state, set by ops->init
 * @pcpu: per-cpu state, for a policy that keeps some (alloc_percpu() in
 *        ops->init); a slot of its own, since a per-cpu pointer lives in
 *        another address space and cannot be stored in @data
 *
 * memcglab allocates it; the policy owns only @data and @pcpu.
 */
struct mlab_policy {
	const struct mlab_policy_ops *ops;
	unsigned int batch;
	void *data;
	void __percpu *pcpu;
};

/**
 * struct mlab_policy_ops - a charging policy
 * @name: what `-o policy=` and the tools call it: [a-z0-9_], unique
 * @description: one line for `memcglab policy list`
 * @owner: THIS_MODULE
 * @flags: MLAB_POLICY_F_*
 * @slack: pages per online CPU by which a successful try_charge may leave
 *         usage above a limit (0: never)
 *
 * Charge path.  The core calls these in process context without spinlocks
 * held; they must not sleep.  @try_charge, @charge and @uncharge are
 * required, the others optional.
 *
 * @try_charge: charge @nr_pages to @c and every ancestor, within the
 *         limits; 0, or -ENOMEM with *@fail set to the level that refused
 *         and usage as before (pages the policy caches may change)
 * @charge: charge @nr_pages to @c and every ancestor, ignoring the limits
 * @uncharge: give back @nr_pages charged to @c
 * @drain: give back to the counters every page cached for @c and its
 *         descendants, or for every counter if @c is NULL.  May sleep.
 *         NULL: the policy caches nothing.
 * @set_max: one attempt at setting c->max to @nr_pages unless usage is
 *         above it: 0 or -EBUSY.  The core drains and retries once.  May
 *         sleep.  NULL: mlab_counter_set_max().
 *
 * Lifetime.  All optional, process context, may sleep.
 *
 * @init: set up @p->data and @p->pcpu for a new hierarchy; 0 or a negative
 *        errno
 * @release: free @p->data and @p->pcpu; the core has drained everything
 *        before
 * @counter_init: set up a new level before it is used (c->policy_data is
 *         the policy's); 0 or a negative errno
 * @counter_exit: undo @counter_init; the level has been drained and is
 *         idle
 *
 * Pressure path: what the kernel's reclaim, memory.high throttling and OOM
 * killer decide.  Every slot is optional and NULL means the kernel's
 * behaviour, so that a policy overrides only what it studies.  memcglab's
 * pressure model (reclaim.c, oom.c) calls them; none may sleep.
 *
 * @reclaim_amount: a charge of @nr_pages was refused at @c: how many pages
 *         to try to reclaim from @c's subtree before retrying.  Kernel:
 *         @nr_pages (try_to_free_mem_cgroup_pages() with the charge size).
 * @reclaim_scan: during reclaim from @root, how many of @c's @size
 *         reclaimable pages to scan at @priority (DEF_PRIORITY down to 0).
 *         Kernel: get_scan_count()'s proportional share,
 *         size - size * protection / (usage + 1), shifted by @priority.
 * @throttle_delay: @c's usage is @overage pages above memory.high after a
 *         charge: how many jiffies the charging task sleeps.  Kernel:
 *         calculate_high_delay(), quadratic in the overage, at most 2 s.
 * @oom_badness: how good a victim a charge owner holding @owned pages in
 *         @c is when the OOM killer runs for @root; the highest wins, a
 *         negative value exempts it.  Kernel: oom_badness(), the pages.
 *
 * @list: the registry's; do not touch
 */
struct mlab_policy_ops {
	char name[MLAB_POLICY_NAME_MAX];
	const char *description;
	struct module *owner;
	unsigned int flags;
	unsigned int slack;

	int (*try_charge)(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages, struct mlab_counter **fail);
	void (*charge)(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages);
	void (*uncharge)(struct mlab_policy *p, struct mlab_counter *c,
			 unsigned long nr_pages);
	void (*drain)(struct mlab_policy *p, struct mlab_counter *c);
	int (*set_max)(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages);

	int (*init)(struct mlab_policy *p);
	void (*release)(struct mlab_policy *p);
	int (*counter_init)(struct mlab_policy *p, struct mlab_counter *c);
	void (*counter_exit)(struct mlab_policy *p, struct mlab_counter *c);

	unsigned long (*reclaim_amount)(struct mlab_policy *p,
					struct mlab_counter *c,
					unsigned long nr_pages);
	unsigned long (*reclaim_scan)(struct mlab_policy *p,
				      struct mlab_counter *root,
				      struct mlab_counter *c,
				      unsigned long size, int priority);
	unsigned long (*throttle_delay)(struct mlab_policy *p,
					struct mlab_counter *c,
					unsigned long overage);
	long (*oom_badness)(struct mlab_policy *p, struct mlab_counter *root,
			    struct mlab_counter *c, unsigned long owned);

	struct list_head list;
};

int mlab_policy_register(struct mlab_policy_ops *ops);
void mlab_policy_unregister(struct mlab_policy_ops *ops);

/*
 * Stock helpers (kernel-doc in policy_builtin.c): what the batched policy
 * and any per-cpu stock share, the batch charge and the drain of every CPU.
 */
int mlab_stock_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages, struct mlab_counter **fail,
			  void (*refill)(struct mlab_policy *p,
					 struct mlab_counter *c,
					 unsigned long nr_pages));
bool mlab_stock_covers(const struct mlab_counter *cached,
		       const struct mlab_counter *root);
void mlab_stock_drain(struct mlab_policy *p, struct mlab_counter *root,
		      void (*drain_cpu)(struct mlab_policy *p, int cpu,
					struct mlab_counter *root));

#endif /* _MLAB_POLICY_API_H */
