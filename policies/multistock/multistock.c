// SPDX-License-Identifier: GPL-2.0
/*
 * multistock.c - the multistock charging policy: a per-cpu stock that
 * caches several counters at once
 *
 * memcg's per-cpu charge stock caches one memory cgroup per CPU: a charge
 * to another cgroup on that CPU drains the cached one first.  When tasks
 * of sibling cgroups share CPUs (a server with a cgroup per client), each
 * switch drains and refills, two hierarchical walks per switch.  Upstream
 * memcg therefore keeps NR_MEMCG_STOCK = 7 cgroups per CPU since 2025
 * ("memcg: multi-memcg percpu charge cache"), sized so the pointers and
 * their small page counts share a cache line.  This policy does the same
 * for memcglab: a charge is served from the slot of its counter; a refill
 * goes to that slot, else to a free one, else it evicts one slot (upstream
 * picks a random victim; we rotate, which needs no random source and is
 * as fair over time).  Each slot holds at most batch= pages.
 *
 * Every access to a CPU's slots happens on that CPU with interrupts off;
 * remote drains run as IPIs: the batch charge and the drain of every CPU
 * are memcglab's stock helpers (mlab_policy.h), as in its batched policy.
 */
#include <linux/errno.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/percpu.h>

#include "mlab_policy.h"

#define MS_NR_SLOTS	7

/* A slot never holds more than batch= pages: the counts stay small. */
struct ms_stock {
	struct mlab_counter *cached[MS_NR_SLOTS];
	unsigned int nr_pages[MS_NR_SLOTS];
	unsigned int victim;		/* next slot to evict when all are used */
};

static struct ms_stock __percpu *ms_stock(struct mlab_policy *p)
{
	return p->pcpu;
}

static void ms_drain_slot(struct ms_stock *stock, int i)
{
	if (stock->nr_pages[i]) {
		mlab_counter_uncharge(stock->cached[i], stock->nr_pages[i]);
		stock->nr_pages[i] = 0;
	}
	stock->cached[i] = NULL;
}

static bool ms_consume(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages)
{
	struct ms_stock *stock;
	unsigned long flags;
	bool done = false;
	int i;

	local_irq_save(flags);
	stock = this_cpu_ptr(ms_stock(p));
	for (i = 0; i < MS_NR_SLOTS; i++) {
		if (stock->cached[i] != c)
			continue;
		if (stock->nr_pages[i] >= nr_pages) {
			stock->nr_pages[i] -= nr_pages;
			done = true;
		}
		break;
	}
	local_irq_restore(flags);
	return done;
}

/* Must run with interrupts off. */
static void __ms_refill(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	struct ms_stock *stock = this_cpu_ptr(ms_stock(p));
	unsigned long total;
	int i, slot = -1;

	for (i = 0; i < MS_NR_SLOTS; i++) {
		if (stock->cached[i] == c) {
			slot = i;
			break;
		}
		if (!stock->cached[i] && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		slot = stock->victim;
		stock->victim = (slot + 1) % MS_NR_SLOTS;
		ms_drain_slot(stock, slot);
	}
	/* An uncharge may bring any amount: add in full width. */
	total = stock->nr_pages[slot] + nr_pages;
	stock->cached[slot] = c;
	if (total > p->batch) {
		stock->nr_pages[slot] = 0;
		mlab_counter_uncharge(c, total);
		stock->cached[slot] = NULL;
	} else {
		stock->nr_pages[slot] = total;
	}
}

static int ms_init(struct mlab_policy *p)
{
	struct ms_stock __percpu *stock = alloc_percpu(struct ms_stock);

	p->pcpu = stock;
	return stock ? 0 : -ENOMEM;
}

static void ms_release(struct mlab_policy *p)
{
	free_percpu(ms_stock(p));
}

static int ms_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			 unsigned long nr_pages, struct mlab_counter **fail)
{
	if (nr_pages <= p->batch && ms_consume(p, c, nr_pages))
		return 0;
	return mlab_stock_try_charge(p, c, nr_pages, fail, __ms_refill);
}

static void ms_charge(struct mlab_policy *p, struct mlab_counter *c,
		      unsigned long nr_pages)
{
	if (nr_pages > p->batch || !ms_consume(p, c, nr_pages))
		mlab_counter_charge(c, nr_pages);
}

/* Pages of a cached counter go back to its slot; others to the counter. */
static void ms_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	struct ms_stock *stock;
	unsigned long flags;
	int i;

	local_irq_save(flags);
	stock = this_cpu_ptr(ms_stock(p));
	for (i = 0; i < MS_NR_SLOTS; i++)
		if (stock->cached[i] == c)
			break;
	if (i < MS_NR_SLOTS)
		__ms_refill(p, c, nr_pages);
	else
		mlab_counter_uncharge(c, nr_pages);
	local_irq_restore(flags);
}

/* On @cpu with interrupts off, or while @cpu is offline. */
static void ms_drain_cpu(struct mlab_policy *p, int cpu,
			 struct mlab_counter *root)
{
	struct ms_stock *stock = per_cpu_ptr(ms_stock(p), cpu);
	int i;

	for (i = 0; i < MS_NR_SLOTS; i++)
		if (mlab_stock_covers(stock->cached[i], root))
			ms_drain_slot(stock, i);
}

static void ms_drain(struct mlab_policy *p, struct mlab_counter *c)
{
	mlab_stock_drain(p, c, ms_drain_cpu);
}

static struct mlab_policy_ops ms_ops = {
	.name		= "multistock",
	.description	= "per-cpu stock caching 7 counters per CPU (memcg, 2025)",
	.owner		= THIS_MODULE,
	.flags		= MLAB_POLICY_F_BATCH,
	.init		= ms_init,
	.release	= ms_release,
	.try_charge	= ms_try_charge,
	.charge		= ms_charge,
	.uncharge	= ms_uncharge,
	.drain		= ms_drain,
};

static int __init ms_module_init(void)
{
	return mlab_policy_register(&ms_ops);
}

static void __exit ms_module_exit(void)
{
	mlab_policy_unregister(&ms_ops);
}

module_init(ms_module_init);
module_exit(ms_module_exit);

MODULE_DESCRIPTION("memcglab charging policy: a per-cpu stock of several counters");
MODULE_AUTHOR("memcglab authors");
MODULE_LICENSE("GPL");
