// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - charging policies behind one ops table
 *
 * strict:  the page counter as it is, one atomic per level.
 * batched: memcg's per-cpu charge stock; charges a batch at a time and
 *          serves later charges from the surplus without touching the
 *          shared counters.  Usage includes stocked pages.
 * locked:  res_counter's design: a spinlock per level, check then add.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "counter.h"
#include "policy.h"

/* Indexed by enum mlab_policy_id: give every new id its name here. */
const char * const mlab_policy_names[MLAB_NR_POLICIES] = {
	[MLAB_POLICY_STRICT]	= "strict",
	[MLAB_POLICY_BATCHED]	= "batched",
	[MLAB_POLICY_LOCKED]	= "locked",
};

/* One CPU's pre-charged pages; at most one counter cached at a time. */
struct mlab_stock {
	struct mlab_counter *cached;
	unsigned long nr_pages;
};

/**
 * struct mlab_policy_ops - what a policy implements
 * @init: set up policy state in a new hierarchy (optional)
 * @release: free that state; stocks are already drained (optional)
 * @counter_init: set up per-counter policy state (optional)
 * @try_charge: limited charge; 0 or -ENOMEM and the limiting counter
 * @charge: forced charge, may go over max
 * @uncharge: give pages back
 * @set_max: one attempt at a race-free limit change; 0 or -EBUSY
 * @drain: return cached pages of a subtree, NULL counter for all (optional)
 */
struct mlab_policy_ops {
	int (*init)(struct mlab_policy *p);
	void (*release)(struct mlab_policy *p);
	void (*counter_init)(struct mlab_counter *c);
	int (*try_charge)(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages, struct mlab_counter **fail);
	void (*charge)(struct mlab_policy *p, struct mlab_counter *c,
		       unsigned long nr_pages);
	void (*uncharge)(struct mlab_policy *p, struct mlab_counter *c,
			 unsigned long nr_pages);
	int (*set_max)(struct mlab_counter *c, unsigned long nr_pages);
	void (*drain)(struct mlab_policy *p, struct mlab_counter *c);
};

struct mlab_policy {
	const struct mlab_policy_ops *ops;
	enum mlab_policy_id id;
	unsigned int batch;
	struct mlab_stock __percpu *stock;
};

/* --- strict: the counter directly --- */

static int strict_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			     unsigned long nr_pages,
			     struct mlab_counter **fail)
{
	return mlab_counter_try_charge(c, nr_pages, fail) ? 0 : -ENOMEM;
}

static void strict_charge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages)
{
	mlab_counter_charge(c, nr_pages);
}

static void strict_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			    unsigned long nr_pages)
{
	mlab_counter_uncharge(c, nr_pages);
}

static const struct mlab_policy_ops strict_ops = {
	.try_charge	= strict_try_charge,
	.charge		= strict_charge,
	.uncharge	= strict_uncharge,
	.set_max	= mlab_counter_set_max,
};

/*
 * --- batched: a per-cpu stock per hierarchy ---
 *
 * Every access to a CPU's stock happens on that CPU with interrupts off:
 * the charge paths disable them around the stock, and remote drains run
 * as IPIs (on_each_cpu), so a drain never interleaves with a fast path.
 */

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
	stock = this_cpu_ptr(p->stock);
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
	struct mlab_stock *stock = this_cpu_ptr(p->stock);

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
	p->stock = alloc_percpu(struct mlab_stock);
	return p->stock ? 0 : -ENOMEM;
}

static void batched_release(struct mlab_policy *p)
{
	free_percpu(p->stock);
}

static int batched_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			      unsigned long nr_pages,
			      struct mlab_counter **fail)
{
	unsigned long batch = max_t(unsigned long, p->batch, nr_pages);
	unsigned long flags;

	if (consume_stock(p, c, nr_pages))
		return 0;

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

static void batched_charge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages)
{
	if (!consume_stock(p, c, nr_pages))
		mlab_counter_charge(c, nr_pages);
}

static void batched_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			     unsigned long nr_pages)
{
	struct mlab_stock *stock;
	unsigned long flags;

	local_irq_save(flags);
	stock = this_cpu_ptr(p->stock);
	if (stock->cached == c)
		__refill_stock(p, c, nr_pages);
	else
		mlab_counter_uncharge(c, nr_pages);
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

	drain_stock_if(this_cpu_ptr(req->p->stock), req->root);
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
			drain_stock_if(per_cpu_ptr(p->stock, cpu), c);
	cpus_read_unlock();
}

static const struct mlab_policy_ops batched_ops = {
	.init		= batched_init,
	.release	= batched_release,
	.try_charge	= batched_try_charge,
	.charge		= batched_charge,
	.uncharge	= batched_uncharge,
	.set_max	= mlab_counter_set_max,
	.drain		= batched_drain,
};

/* --- locked: a spinlock per level, the res_counter baseline --- */

static void locked_counter_init(struct mlab_counter *c)
{
	spin_lock_init(&c->lock);
}

static void locked_cancel(struct mlab_counter *c, unsigned long nr_pages)
{
	spin_lock(&c->lock);
	mlab_counter_cancel(c, nr_pages);
	spin_unlock(&c->lock);
}

static int locked_try_charge(struct mlab_policy *p,
			     struct mlab_counter *counter,
			     unsigned long nr_pages,
			     struct mlab_counter **fail)
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

static void locked_charge(struct mlab_policy *p, struct mlab_counter *counter,
			  unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent) {
		spin_lock(&c->lock);
		mlab_counter_charge_local(c, nr_pages);
		spin_unlock(&c->lock);
	}
}

static void locked_uncharge(struct mlab_policy *p,
			    struct mlab_counter *counter,
			    unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent)
		locked_cancel(c, nr_pages);
}

static int locked_set_max(struct mlab_counter *c, unsigned long nr_pages)
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

static const struct mlab_policy_ops locked_ops = {
	.counter_init	= locked_counter_init,
	.try_charge	= locked_try_charge,
	.charge		= locked_charge,
	.uncharge	= locked_uncharge,
	.set_max	= locked_set_max,
};

/* Indexed by enum mlab_policy_id, like mlab_policy_names[]. */
static const struct mlab_policy_ops * const mlab_policy_ops[] = {
	[MLAB_POLICY_STRICT]	= &strict_ops,
	[MLAB_POLICY_BATCHED]	= &batched_ops,
	[MLAB_POLICY_LOCKED]	= &locked_ops,
};

/*
 * --- entry points ---
 *
 * The charge paths dispatch with INDIRECT_CALL_3(): a pointer compare and
 * a direct call instead of an indirect one. On the hot path that is the
 * difference between a predicted branch and a retpoline; natively it lets
 * the compiler inline strict, which is then the bare counter walk.
 */

/**
 * mlab_policy_create - set up the charging policy of a hierarchy
 * @id: which policy
 * @batch: pages per batch for MLAB_POLICY_BATCHED, 0 for the default;
 *         ignored by the other policies
 *
 * Context: process context, may sleep.
 * Return: the policy, ERR_PTR(-EINVAL) for an unknown @id or a @batch above
 * MLAB_MAX_BATCH, ERR_PTR(-ENOMEM) if memory runs out.
 */
struct mlab_policy *mlab_policy_create(enum mlab_policy_id id,
				       unsigned int batch)
{
	struct mlab_policy *p;
	int err;

	if ((unsigned int)id >= MLAB_NR_POLICIES || batch > MLAB_MAX_BATCH)
		return ERR_PTR(-EINVAL);

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->ops = mlab_policy_ops[id];
	p->id = id;
	if (id == MLAB_POLICY_BATCHED)
		p->batch = batch ? batch : MLAB_DEFAULT_BATCH;

	if (p->ops->init) {
		err = p->ops->init(p);
		if (err)
			goto free;
	}
	return p;

free:
	kfree(p);
	return ERR_PTR(err);
}

/**
 * mlab_policy_destroy - drain all stock and free a policy
 * @p: the policy, or NULL
 *
 * Every counter of the hierarchy must be idle: no charge may run during or
 * after this call.
 *
 * Context: process context, may sleep.
 */
void mlab_policy_destroy(struct mlab_policy *p)
{
	if (!p)
		return;
	mlab_policy_drain(p, NULL);
	if (p->ops->release)
		p->ops->release(p);
	kfree(p);
}

/**
 * mlab_policy_id - which policy this is
 * @p: the policy
 *
 * Context: any context.
 * Return: the id given to mlab_policy_create().
 */
enum mlab_policy_id mlab_policy_id(const struct mlab_policy *p)
{
	return p->id;
}

/**
 * mlab_policy_batch - pages charged ahead per batch
 * @p: the policy
 *
 * Context: any context.
 * Return: the batch size of a batched policy, 0 for the others.
 */
unsigned int mlab_policy_batch(const struct mlab_policy *p)
{
	return p->batch;
}

/**
 * mlab_policy_counter_init - initialise a counter for use with a policy
 * @p: the policy of the hierarchy
 * @c: the counter
 * @parent: the next level up, or NULL for the root
 * @track_failcnt: whether failures limited by @c count in @c->failcnt
 *
 * Before @c is freed, mlab_policy_drain(@p, @c) must return any pages the
 * policy still caches for it.
 *
 * Context: any context; @c must not be in use yet.
 */
void mlab_policy_counter_init(struct mlab_policy *p, struct mlab_counter *c,
			      struct mlab_counter *parent, bool track_failcnt)
{
	mlab_counter_init(c, parent, track_failcnt);
	if (p->ops->counter_init)
		p->ops->counter_init(c);
}

/**
 * mlab_policy_try_charge - charge pages within the limits
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: pages to charge
 * @fail: set to the limiting counter on failure
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, or -ENOMEM (and *@fail) if a limit refused the charge; then
 * usage is as before, except that stock may have been refilled or drained.
 */
int mlab_policy_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages, struct mlab_counter **fail)
{
	return INDIRECT_CALL_3(p->ops->try_charge, strict_try_charge,
			       batched_try_charge, locked_try_charge,
			       p, c, nr_pages, fail);
}

/**
 * mlab_policy_charge - charge pages regardless of limits
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: pages to charge
 *
 * Context: process context, no spinlock held; does not sleep.
 */
void mlab_policy_charge(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	INDIRECT_CALL_3(p->ops->charge, strict_charge, batched_charge,
			locked_charge, p, c, nr_pages);
}

/**
 * mlab_policy_uncharge - give pages back
 * @p: the policy of the hierarchy
 * @c: the counter they were charged to
 * @nr_pages: pages to uncharge
 *
 * Context: process context, no spinlock held; does not sleep.
 */
void mlab_policy_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages)
{
	INDIRECT_CALL_3(p->ops->uncharge, strict_uncharge, batched_uncharge,
			locked_uncharge, p, c, nr_pages);
}

/**
 * mlab_policy_drain - return cached pages to the counters
 * @p: the policy of the hierarchy
 * @c: drain what is cached for @c and its descendants; NULL for all
 *
 * Context: process context, may sleep.
 */
void mlab_policy_drain(struct mlab_policy *p, struct mlab_counter *c)
{
	if (p->ops->drain)
		p->ops->drain(p, c);
}

/**
 * mlab_policy_set_max - set a limit the cgroup v1 way
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: the new limit
 *
 * When usage is above the new limit, drain the stocks below @c and try
 * once more.  The caller serialises calls on the same counter.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY if usage stays above @nr_pages.
 */
int mlab_policy_set_max(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	int ret = p->ops->set_max(c, nr_pages);

	if (ret == -EBUSY && p->ops->drain) {
		p->ops->drain(p, c);
		ret = p->ops->set_max(c, nr_pages);
	}
	return ret;
}
