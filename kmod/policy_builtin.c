// SPDX-License-Identifier: GPL-2.0
/*
 * policy_builtin.c - memcglab's own charging policies (policy.c registers
 * them and dispatches to them)
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

/*
 * The stock missed: charge a batch and keep the surplus.  Out of line, so
 * that the stock hit in batched_try_charge() saves no registers.
 */
static noinline int batched_charge_batch(struct mlab_policy *p,
					 struct mlab_counter *c,
					 unsigned long nr_pages,
					 struct mlab_counter **fail)
{
	unsigned long batch = max_t(unsigned long, p->batch, nr_pages);
	unsigned long flags;

	if (!mlab_counter_try_charge(c, batch, fail)) {
		/*
		 * The batch does not fit: try the exact amount, as memcg
		 * does.  The failed batch has already bumped failcnt.
		 */
		if (batch == nr_pages ||
		    !mlab_counter_try_charge(c, nr_pages, fail))
			return -ENOMEM;
		batch = nr_pages;
	}

	if (batch > nr_pages) {
		local_irq_save(flags);
		__refill_stock(p, c, batch - nr_pages);
		local_irq_restore(flags);
	}
	return 0;
}

int batched_try_charge(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages, struct mlab_counter **fail)
{
	if (consume_stock(p, c, nr_pages))
		return 0;
	return batched_charge_batch(p, c, nr_pages, fail);
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

struct mlab_drain_req {
	struct mlab_policy *p;
	struct mlab_counter *root;
};

static bool counter_in_subtree(struct mlab_counter *c,
			       struct mlab_counter *root)
{
	for (; c; c = c->parent)
		if (c == root)
			return true;
	return false;
}

static void drain_stock_if(struct mlab_stock *stock,
			   struct mlab_counter *root)
{
	if (stock->cached && (!root || counter_in_subtree(stock->cached, root)))
		drain_stock(stock);
}

/* IPI handler: runs on each online CPU with interrupts off. */
static void drain_local_stock(void *info)
{
	struct mlab_drain_req *req = info;

	drain_stock_if(this_cpu_ptr(batched_stock(req->p)), req->root);
}

static void batched_drain(struct mlab_policy *p, struct mlab_counter *c)
{
	struct mlab_drain_req req = { .p = p, .root = c };
	int cpu;

	cpus_read_lock();
	on_each_cpu(drain_local_stock, &req, 1);
	/*
	 * An offline CPU cannot run the fast path, and with the hotplug
	 * lock held it cannot come back: drain what it left behind.
	 */
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			drain_stock_if(per_cpu_ptr(batched_stock(p), cpu), c);
	cpus_read_unlock();
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
