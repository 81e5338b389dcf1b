// SPDX-License-Identifier: GPL-2.0
/*
 * policy_builtin.c - memcglab's own charging policies (policy.c registers
 * them and dispatches to them), and the stock helpers that the batched
 * policy shares with policy modules (mlab_policy.h)
 *
 * strict:  the page counter as it is, one atomic per level.
 * batched: memcg's per-cpu charge stock; charges a batch at a time and
 *          serves later charges from the surplus without touching the
 *          shared counters.  Usage includes stocked pages.
 * locked:  res_counter's design: a spinlock per level, check then add.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "counter.h"
#include "policy.h"
#include "policy_builtin.h"

/* One CPU's pre-charged pages; at most one counter cached at a time. */
struct mlab_stock {
	struct mlab_counter *cached;
	unsigned long nr_pages;
};

/*
 * --- stock helpers, for the batched policy and policy modules ---
 *
 * What every per-cpu stock does the same way, whatever it caches: charge
 * a batch and keep the surplus, and drain every CPU, online or not.
 */

/**
 * mlab_stock_try_charge - charge ahead into a per-cpu stock, as memcg does
 * @p: the policy instance; @p->batch pages are charged at a time
 * @c: the counter to charge
 * @nr_pages: the pages the caller needs
 * @fail: set to the level that refused, as for ops->try_charge
 * @refill: puts surplus pages for @c into this CPU's stock; called with
 *	interrupts off
 *
 * For a caller whose stock could not serve the charge: charges
 * max(@p->batch, @nr_pages) to @c and its ancestors and hands the surplus
 * to @refill.  When the batch does not fit, retries with @nr_pages alone,
 * as try_charge_memcg() does; the refused batch has already counted a
 * failure at the level that refused it.
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, or -ENOMEM with *@fail set and usage as before.
 */
int mlab_stock_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages, struct mlab_counter **fail,
			  void (*refill)(struct mlab_policy *p,
					 struct mlab_counter *c,
					 unsigned long nr_pages))
{
	unsigned long batch = max_t(unsigned long, p->batch, nr_pages);
	unsigned long flags;

	if (!mlab_counter_try_charge(c, batch, fail)) {
		if (batch == nr_pages ||
		    !mlab_counter_try_charge(c, nr_pages, fail))
			return -ENOMEM;
		batch = nr_pages;
	}
	if (batch > nr_pages) {
		local_irq_save(flags);
		refill(p, c, batch - nr_pages);
		local_irq_restore(flags);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(mlab_stock_try_charge);

/**
 * mlab_stock_covers - does draining @root take what a stock caches?
 * @cached: the counter a stock slot caches, or NULL
 * @root: the subtree being drained, NULL for all
 *
 * Context: any context.
 * Return: true if @cached is set and @root is NULL, @cached or one of its
 * ancestors.
 */
bool mlab_stock_covers(const struct mlab_counter *cached,
		       const struct mlab_counter *root)
{
	const struct mlab_counter *c;

	if (!cached)
		return false;
	if (!root)
		return true;
	for (c = cached; c; c = c->parent)
		if (c == root)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(mlab_stock_covers);

struct mlab_stock_drain_req {
	struct mlab_policy *p;
	struct mlab_counter *root;
	void (*drain_cpu)(struct mlab_policy *p, int cpu,
			  struct mlab_counter *root);
};

/* IPI handler: runs on each online CPU with interrupts off. */
static void mlab_stock_drain_local(void *info)
{
	struct mlab_stock_drain_req *req = info;

	req->drain_cpu(req->p, smp_processor_id(), req->root);
}

/**
 * mlab_stock_drain - drain every CPU's stock of a policy instance
 * @p: the policy instance
 * @root: give back what is cached for this counter's subtree; NULL: all
 * @drain_cpu: gives back what CPU @cpu's stock caches for @root (see
 *	mlab_stock_covers()); runs on @cpu with interrupts off, or while
 *	@cpu is offline
 *
 * Runs @drain_cpu on every online CPU by IPI, so that it never interleaves
 * with that CPU's charge path, then for every offline CPU from here: an
 * offline CPU cannot charge, and cannot come back while the CPU hotplug
 * lock is held.
 *
 * Context: process context, may sleep.
 */
void mlab_stock_drain(struct mlab_policy *p, struct mlab_counter *root,
		      void (*drain_cpu)(struct mlab_policy *p, int cpu,
					struct mlab_counter *root))
{
	struct mlab_stock_drain_req req = {
		.p = p,
		.root = root,
		.drain_cpu = drain_cpu,
	};
	int cpu;

	cpus_read_lock();
	on_each_cpu(mlab_stock_drain_local, &req, 1);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			drain_cpu(p, cpu, root);
	cpus_read_unlock();
}
EXPORT_SYMBOL_GPL(mlab_stock_drain);

/* --- strict: the counter directly --- */

int strict_try_charge(struct mlab_policy *p, struct mlab_counter *c,
		      unsigned long nr_pages, struct mlab_counter **fail)
{
	return mlab_counter_try_charge(c, nr_pages, fail) ? 0 : -ENOMEM;
}

void strict_charge(struct mlab_policy *p, struct mlab_counter *c,
		   unsigned long nr_pages)
{
	mlab_counter_charge(c, nr_pages);
}

void strict_uncharge(struct mlab_policy *p, struct mlab_counter *c,
		     unsigned long nr_pages)
{
	mlab_counter_uncharge(c, nr_pages);
}

struct mlab_policy_ops strict_ops = {
	.name		= "strict",
	.description	= "the page counter as upstream: one atomic per level",
	.owner		= THIS_MODULE,
	.try_charge	= strict_try_charge,
	.charge		= strict_charge,
	.uncharge	= strict_uncharge,
};

/*
 * --- batched: a per-cpu stock per hierarchy ---
 *
 * Every access to a CPU's stock happens on that CPU with interrupts off:
 * the charge paths disable them around the stock, and remote drains run
 * as IPIs (on_each_cpu), so a drain never interleaves with a fast path.
 */

static struct mlab_stock __percpu *batched_stock(struct mlab_policy *p)
{
	return p->pcpu;
}

static void drain_stock(struct mlab_stock *stock)
{
	if (stock->nr_pages) {
		mlab_counter_uncharge(stock->cached, stock->nr_pages);
		stock->nr_pages = 0;
	}
	stock->cached = NULL;
}

static bool consume_stock(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages)
{
	struct mlab_stock *stock;
	unsigned long flags;
	bool done = false;

	local_irq_save(flags);
	stock = this_cpu_ptr(batched_stock(p));
	if (stock->cached == c && stock->nr_pages >= nr_pages) {
		stock->nr_pages -= nr_pages;
		done = true;
	}
	local_irq_restore(flags);
	return done;
}

/* Must run with interrupts off. */
static void __refill_stock(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages)
{
	struct mlab_stock *stock = this_cpu_ptr(batched_stock(p));

	if (stock->cached != c) {
		drain_stock(stock);
		stock->cached = c;
	}
	stock->nr_pages += nr_pages;
	if (stock->nr_pages > p->batch)
		drain_stock(stock);
}

static int batched_init(struct mlab_policy *p)
{
	struct mlab_stock __percpu *stock = alloc_percpu(struct mlab_stock);

	p->pcpu = stock;
	return stock ? 0 : -ENOMEM;
}

static void batched_release(struct mlab_policy *p)
{
	free_percpu(batched_stock(p));
}

int batched_try_charge(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages, struct mlab_counter **fail)
{
	if (consume_stock(p, c, nr_pages))
		return 0;
	/* Out of line: the stock hit above saves no registers. */
	return mlab_stock_try_charge(p, c, nr_pages, fail, __refill_stock);
}

void batched_charge(struct mlab_policy *p, struct mlab_counter *c,
		    unsigned long nr_pages)
{
	if (!consume_stock(p, c, nr_pages))
		mlab_counter_charge(c, nr_pages);
}

void batched_uncharge(struct mlab_policy *p, struct mlab_counter *c,
		      unsigned long nr_pages)
{
	struct mlab_stock *stock;
	unsigned long flags;

	local_irq_save(flags);
	stock = this_cpu_ptr(batched_stock(p));
	if (stock->cached == c) {
		/* __refill_stock() for a counter already cached, inline. */
		stock->nr_pages += nr_pages;
		if (stock->nr_pages > p->batch)
			drain_stock(stock);
	} else {
		mlab_counter_uncharge(c, nr_pages);
	}
	local_irq_restore(flags);
}

/* On @cpu with interrupts off, or while @cpu is offline. */
static void batched_drain_cpu(struct mlab_policy *p, int cpu,
			      struct mlab_counter *root)
{
	struct mlab_stock *stock = per_cpu_ptr(batched_stock(p), cpu);

	if (mlab_stock_covers(stock->cached, root))
		drain_stock(stock);
}

static void batched_drain(struct mlab_policy *p, struct mlab_counter *c)
{
	mlab_stock_drain(p, c, batched_drain_cpu);
}

struct mlab_policy_ops batched_ops = {
	.name		= "batched",
	.description	= "memcg's per-cpu stock: one cached counter per CPU",
	.owner		= THIS_MODULE,
	.flags		= MLAB_POLICY_F_BATCH,
	.init		= batched_init,
	.release	= batched_release,
	.try_charge	= batched_try_charge,
	.charge		= batched_charge,
	.uncharge	= batched_uncharge,
	.drain		= batched_drain,
};

/* --- locked: a spinlock per level, the res_counter baseline --- */

static int locked_counter_init(struct mlab_policy *p, struct mlab_counter *c)
{
	spin_lock_init(&c->lock);
	return 0;
}

static void locked_cancel(struct mlab_counter *c, unsigned long nr_pages)
{
	spin_lock(&c->lock);
	mlab_counter_cancel(c, nr_pages);
	spin_unlock(&c->lock);
}

int locked_try_charge(struct mlab_policy *p, struct mlab_counter *counter,
		      unsigned long nr_pages, struct mlab_counter **fail)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent) {
		spin_lock(&c->lock);
		if (mlab_counter_read(c) + nr_pages > READ_ONCE(c->max)) {
			mlab_counter_note_failure(c);
			spin_unlock(&c->lock);
			*fail = c;
			goto failed;
		}
		mlab_counter_charge_local(c, nr_pages);
		spin_unlock(&c->lock);
	}
	return 0;

failed:
	for (c = counter; c != *fail; c = c->parent)
		locked_cancel(c, nr_pages);
	return -ENOMEM;
}

void locked_charge(struct mlab_policy *p, struct mlab_counter *counter,
		   unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent) {
		spin_lock(&c->lock);
		mlab_counter_charge_local(c, nr_pages);
		spin_unlock(&c->lock);
	}
}

void locked_uncharge(struct mlab_policy *p, struct mlab_counter *counter,
		     unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent)
		locked_cancel(c, nr_pages);
}

static int locked_set_max(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages)
{
	int ret = 0;

	spin_lock(&c->lock);
	if (mlab_counter_read(c) > nr_pages)
		ret = -EBUSY;
	else
		WRITE_ONCE(c->max, nr_pages);
	spin_unlock(&c->lock);
	return ret;
}

struct mlab_policy_ops locked_ops = {
	.name		= "locked",
	.description	= "res_counter's design: a spinlock per level",
	.owner		= THIS_MODULE,
	.counter_init	= locked_counter_init,
	.try_charge	= locked_try_charge,
	.charge		= locked_charge,
	.uncharge	= locked_uncharge,
	.set_max	= locked_set_max,
};
