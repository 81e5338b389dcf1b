// SPDX-License-Identifier: GPL-2.0
/*
 * group.c - groups and hierarchies: tree, ids, lifetime, limits, events.
 *
 * Lifetime: a hierarchy lives while its superblock or any group lives; a
 * group lives while its directory or file inodes, a charge owner, a lookup
 * or a child holds a reference.  Both are freed after an RCU grace period so
 * that mlab_group_lookup() can run without locks.
 */
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include "group.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Keep in step with enum mlab_event. */
const char * const mlab_event_names[MLAB_NR_EVENTS] = {
	[MLAB_EVENT_LOW]		= "low",
	[MLAB_EVENT_HIGH]		= "high",
	[MLAB_EVENT_MAX]		= "max",
	[MLAB_EVENT_OOM]		= "oom",
	[MLAB_EVENT_OOM_KILL]		= "oom_kill",
	[MLAB_EVENT_OOM_GROUP_KILL]	= "oom_group_kill",
};

/* Keep in step with enum mlab_limit. */
const char * const mlab_limit_names[MLAB_NR_LIMITS] = {
	[MLAB_LIMIT_MAX]	= "max",
	[MLAB_LIMIT_HIGH]	= "high",
	[MLAB_LIMIT_LOW]	= "low",
	[MLAB_LIMIT_MIN]	= "min",
	[MLAB_LIMIT_SOFT]	= "soft",
};

/* Live hierarchies by id, for lookups from netlink. */
static DEFINE_XARRAY(mlab_hiers);
static ATOMIC_NOTIFIER_HEAD(mlab_group_notifier);

/**
 * mlab_hier_create - make a hierarchy and its policy
 * @v1: show the v1 file flavour
 * @recursiveprot: compute effective protection in the recursive mode
 * @policy: the charging policy's name
 * @batch: the policy's batch size in pages (0: the default)
 *
 * Context: process context, may sleep.
 * Return: the hierarchy with one reference, or an ERR_PTR() from the policy
 * or -ENOMEM.
 */
struct mlab_hier *mlab_hier_create(bool v1, bool recursiveprot,
				   const char *policy, unsigned int batch)
{
	struct mlab_hier *h;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->policy = mlab_policy_create(policy, batch);
	if (IS_ERR(h->policy)) {
		struct mlab_policy *p = h->policy;

		kfree(h);
		return ERR_CAST(p);
	}
	kref_init(&h->kref);
	h->v1 = v1;
	h->recursiveprot = recursiveprot;
	mutex_init(&h->lock);
	xa_init(&h->groups);
	atomic64_set(&h->next_ino, 0);
	return h;
}

/**
 * mlab_hier_register - make a hierarchy findable by id
 * @h: the hierarchy
 * @id: its id (the superblock's device number as userspace sees it)
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY if the id is taken, -ENOMEM.
 */
int mlab_hier_register(struct mlab_hier *h, u32 id)
{
	int err;

	h->id = id;
	err = xa_insert(&mlab_hiers, id, h, GFP_KERNEL);
	return err;
}

/**
 * mlab_hier_unregister - stop lookups from finding a hierarchy
 * @h: the hierarchy
 *
 * Context: process context.
 */
void mlab_hier_unregister(struct mlab_hier *h)
{
	if (h->id)
		xa_cmpxchg(&mlab_hiers, h->id, h, NULL, GFP_KERNEL);
}

static void mlab_hier_release(struct kref *kref)
{
	struct mlab_hier *h = container_of(kref, struct mlab_hier, kref);

	mlab_hier_unregister(h);
	mlab_policy_destroy(h->policy);
	xa_destroy(&h->groups);
	kfree_rcu(h, rcu);
}

/**
 * mlab_hier_put - drop a hierarchy reference
 * @h: the hierarchy
 *
 * Context: process context; the last reference destroys the policy, which
 * may sleep.
 */
void mlab_hier_put(struct mlab_hier *h)
{
	kref_put(&h->kref, mlab_hier_release);
}

/**
 * mlab_hier_next_ino - hand out an inode number
 * @h: the hierarchy
 *
 * Context: any context.
 * Return: a number never returned before for @h, starting at 1.
 */
u64 mlab_hier_next_ino(struct mlab_hier *h)
{
	return atomic64_inc_return(&h->next_ino);
}

/**
 * mlab_group_create - make a group
 * @h: its hierarchy
 * @parent: the parent group, NULL for the root
 * @id: its id (the directory's inode number from mlab_hier_next_ino())
 *
 * The caller holds the parent directory's inode lock.  The group starts
 * with one reference (the caller's, usually handed to the directory inode)
 * and takes references on @h and @parent.
 *
 * Context: process context, may sleep.
 * Return: the group or an ERR_PTR(): -ENODEV if @parent was removed,
 * -ENOMEM.
 */
struct mlab_group *mlab_group_create(struct mlab_hier *h,
				     struct mlab_group *parent, u64 id)
{
	struct mlab_group *g;
	int err = -ENOMEM;
	int i;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->pcpu = alloc_percpu(struct mlab_group_pcpu);
	if (!g->pcpu)
		goto err_free;
	err = mlab_policy_counter_init(h->policy, &g->counter,
				       parent ? &parent->counter : NULL, true);
	if (err)
		goto err_free;
	/* memcg sets high to "max" itself; the counter starts it at 0. */
	mlab_counter_set_high(&g->counter, MLAB_COUNTER_MAX);
	g->soft_limit = MLAB_COUNTER_MAX;
	g->id = id;
	kref_init(&g->kref);
	INIT_LIST_HEAD(&g->children);
	INIT_LIST_HEAD(&g->sibling);
	spin_lock_init(&g->peaks_lock);
	INIT_LIST_HEAD(&g->peaks);
	for (i = 0; i < MLAB_NR_EVENTS; i++) {
		atomic_long_set(&g->events[i], 0);
		atomic_long_set(&g->events_local[i], 0);
	}
	spin_lock_init(&g->fsn.lock);
	init_waitqueue_head(&g->fsn.wait);

	mutex_lock(&h->lock);
	if (parent && READ_ONCE(parent->dead)) {
		err = -ENODEV;
		goto err_unlock;
	}
	err = xa_insert(&h->groups, id, g, GFP_KERNEL);
	if (err)
		goto err_unlock;
	kref_get(&h->kref);
	g->hier = h;
	if (parent) {
		mlab_group_get(parent);
		g->parent = parent;
		list_add_tail(&g->sibling, &parent->children);
		parent->nr_children++;
	} else {
		h->root = g;
	}
	mutex_unlock(&h->lock);
	return g;

err_unlock:
	mutex_unlock(&h->lock);
	mlab_policy_counter_exit(h->policy, &g->counter);
err_free:
	free_percpu(g->pcpu);
	kfree(g);
	return ERR_PTR(err);
}

static long mlab_group_owned_local(struct mlab_group *g)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(g->pcpu, cpu)->owned;
	return sum;
}

/**
 * mlab_group_remove - take a group out of its hierarchy (rmdir)
 * @g: the group
 *
 * Refuses a group with children or with pages held by charge owners, as
 * cgroup refuses a group with tasks.  Once removed the group refuses
 * charges, drains the policy's stock and disappears from lookups; it is
 * freed when the last reference goes.
 *
 * Context: process context, may sleep; the caller holds the directory's
 * inode lock.
 * Return: 0, -EBUSY (children or charges held), -EINVAL for the root.
 */
int mlab_group_remove(struct mlab_group *g)
{
	struct mlab_hier *h = g->hier;
	int err = 0;

	if (mlab_group_is_root(g))
		return -EINVAL;
	mutex_lock(&h->lock);
	if (g->nr_children || mlab_group_owned_local(g)) {
		err = -EBUSY;
		goto out;
	}
	/*
	 * Charges test @dead under rcu_read_lock(); after the grace period
	 * every charge that missed it is complete and visible in @owned.
	 */
	WRITE_ONCE(g->dead, true);
	synchronize_rcu();
	if (mlab_group_owned_local(g)) {
		WRITE_ONCE(g->dead, false);
		err = -EBUSY;
		goto out;
	}
	mlab_policy_drain(h->policy, &g->counter);
	WARN_ON_ONCE(mlab_counter_read(&g->counter));
	xa_erase(&h->groups, g->id);
	list_del_init(&g->sibling);
	g->parent->nr_children--;
out:
	mutex_unlock(&h->lock);
	return err;
}

static void mlab_group_release(struct kref *kref)
{
	struct mlab_group *g = container_of(kref, struct mlab_group, kref);
	struct mlab_hier *h = g->hier;

	/* A stock may still cache this counter; nothing charges it now. */
	mlab_policy_drain(h->policy, &g->counter);
	mlab_policy_counter_exit(h->policy, &g->counter);
	if (!g->dead) {
		/* Never removed: the hierarchy was unmounted. */
		mutex_lock(&h->lock);
		xa_erase(&h->groups, g->id);
		list_del_init(&g->sibling);
		if (g->parent)
			g->parent->nr_children--;
		else
			h->root = NULL;
		mutex_unlock(&h->lock);
	}
	if (g->parent)
		mlab_group_put(g->parent);
	free_percpu(g->pcpu);
	kfree_rcu(g, rcu);
	mlab_hier_put(h);
}

/**
 * mlab_group_get - take a reference on a group
 * @g: the group
 *
 * Context: any context.
 */
void mlab_group_get(struct mlab_group *g)
{
	kref_get(&g->kref);
}

/**
 * mlab_group_put - drop a reference on a group
 * @g: the group
 *
 * Context: process context; the last reference drains the policy's stock
 * and may sleep.
 */
void mlab_group_put(struct mlab_group *g)
{
	if (g)
		kref_put(&g->kref, mlab_group_release);
}

/**
 * mlab_group_lookup - find a live group by hierarchy and id
 * @hier_id: the hierarchy's id (st_dev of its files)
 * @id: the group's id (st_ino of its directory)
 *
 * Context: any context.
 * Return: the group with a reference, or NULL.
 */
struct mlab_group *mlab_group_lookup(u32 hier_id, u64 id)
{
	struct mlab_group *g = NULL;
	struct mlab_hier *h;

	rcu_read_lock();
	h = xa_load(&mlab_hiers, hier_id);
	if (h)
		g = xa_load(&h->groups, id);
	if (g && (READ_ONCE(g->dead) || !kref_get_unless_zero(&g->kref)))
		g = NULL;
	rcu_read_unlock();
	return g;
}

static bool mlab_group_is_descendant(struct mlab_group *g,
				     struct mlab_group *root)
{
	for (; g; g = g->parent)
		if (g == root)
			return true;
	return false;
}

/**
 * mlab_group_next - iterate over a subtree in id order
 * @root: the subtree's root (referenced by the caller)
 * @after: the id returned last, 0 to start
 *
 * Parents have smaller ids than their children, so the order visits every
 * parent first.
 *
 * Context: any context.
 * Return: the next live group of the subtree with a reference, or NULL.
 */
struct mlab_group *mlab_group_next(struct mlab_group *root, u64 after)
{
	struct mlab_hier *h = root->hier;
	unsigned long index = after + 1;
	struct mlab_group *g;

	if (after >= ULONG_MAX)
		return NULL;
	rcu_read_lock();
	xa_for_each_start(&h->groups, index, g, after + 1) {
		if (READ_ONCE(g->dead) || !mlab_group_is_descendant(g, root))
			continue;
		if (kref_get_unless_zero(&g->kref))
			break;
	}
	rcu_read_unlock();
	return g;
}

/**
 * mlab_group_usage - current usage
 * @g: the group
 *
 * Context: any context.
 * Return: pages charged to the group and its descendants.
 */
unsigned long mlab_group_usage(struct mlab_group *g)
{
	return mlab_counter_read(&g->counter);
}

/**
 * mlab_group_hier_max - the limit that binds a group
 * @g: the group
 *
 * Context: any context.
 * Return: the smallest max in pages on the path from @g to the root.
 */
unsigned long mlab_group_hier_max(struct mlab_group *g)
{
	unsigned long max = MLAB_COUNTER_MAX;

	for (; g; g = g->parent)
		max = min(max, READ_ONCE(g->counter.max));
	return max;
}

/**
 * mlab_group_policy_name - the hierarchy's policy
 * @g: the group
 *
 * Context: any context.
 * Return: the policy's registered name, valid while @g is referenced.
 */
const char *mlab_group_policy_name(struct mlab_group *g)
{
	return mlab_policy_name(g->hier->policy);
}

static void mlab_group_stats_add(struct mlab_group *g,
				 struct mlab_group_stats *sum)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mlab_group_stats *s = &per_cpu_ptr(g->pcpu, cpu)->stats;

		sum->charges += READ_ONCE(s->charges);
		sum->charged_pages += READ_ONCE(s->charged_pages);
		sum->uncharges += READ_ONCE(s->uncharges);
		sum->uncharged_pages += READ_ONCE(s->uncharged_pages);
		sum->fails += READ_ONCE(s->fails);
	}
}

/* Pre-order walk of @root's live subtree; the caller holds hier->lock. */
static struct mlab_group *mlab_group_walk_next(struct mlab_group *pos,
					       struct mlab_group *root)
{
	if (!list_empty(&pos->children))
		return list_first_entry(&pos->children, struct mlab_group,
					sibling);
	for (; pos != root; pos = pos->parent)
		if (!list_is_last(&pos->sibling, &pos->parent->children))
			return list_next_entry(pos, sibling);
	return NULL;
}

/**
 * mlab_group_stats_sum - operation counters of a group or its subtree
 * @g: the group
 * @subtree: include the live descendants
 * @sum: zeroed and filled in
 *
 * Context: process context, may sleep.
 */
void mlab_group_stats_sum(struct mlab_group *g, bool subtree,
			  struct mlab_group_stats *sum)
{
	struct mlab_group *pos;

	memset(sum, 0, sizeof(*sum));
	if (!subtree) {
		mlab_group_stats_add(g, sum);
		return;
	}
	mutex_lock(&g->hier->lock);
	for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
		mlab_group_stats_add(pos, sum);
	mutex_unlock(&g->hier->lock);
}

/**
 * mlab_group_owned_sum - pages held by charge owners
 * @g: the group
 * @subtree: include the live descendants
 *
 * Context: process context, may sleep.
 * Return: the pages held (racy against concurrent charges).
 */
unsigned long mlab_group_owned_sum(struct mlab_group *g, bool subtree)
{
	struct mlab_group *pos;
	long sum = 0;

	if (!subtree)
		return max(mlab_group_owned_local(g), 0L);
	mutex_lock(&g->hier->lock);
	for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
		sum += mlab_group_owned_local(pos);
	mutex_unlock(&g->hier->lock);
	return max(sum, 0L);
}

/* Recompute emin/elow from the top down to @g; the caller holds the lock. */
static void mlab_group_update_protection(struct mlab_group *g)
{
	struct mlab_group *path[64];
	struct mlab_group *pos;
	int n = 0;

	for (pos = g; pos && n < ARRAY_SIZE(path); pos = pos->parent)
		path[n++] = pos;
	while (n--)
		mlab_counter_calculate_protection(&g->hier->root->counter,
						  &path[n]->counter,
						  g->hier->recursiveprot);
}

/**
 * mlab_group_info - take a snapshot of a group
 * @g: the group
 * @info: filled in (see struct mlab_group_info)
 *
 * Context: process context, may sleep.
 */
void mlab_group_info(struct mlab_group *g, struct mlab_group_info *info)
{
	struct mlab_hier *h = g->hier;
	struct mlab_counter *c = &g->counter;
	int i;

	memset(info, 0, sizeof(*info));
	info->hier_id = h->id;
	info->id = g->id;
	info->parent_id = g->parent ? g->parent->id : 0;
	info->v1 = h->v1;
	strscpy(info->policy, mlab_policy_name(h->policy), sizeof(info->policy));
	info->batch = mlab_policy_batch(h->policy);
	mutex_lock(&h->lock);
	if (h->root)
		mlab_group_update_protection(g);
	mutex_unlock(&h->lock);
	info->usage = mlab_counter_read(c);
	info->owned = mlab_group_owned_sum(g, false);
	info->max = READ_ONCE(c->max);
	info->high = READ_ONCE(c->high);
	info->low = READ_ONCE(c->low);
	info->min = READ_ONCE(c->min);
	info->soft_limit = READ_ONCE(g->soft_limit);
	info->watermark = READ_ONCE(c->watermark);
	info->failcnt = READ_ONCE(c->failcnt);
	info->emin = mlab_counter_emin(c);
	info->elow = mlab_counter_elow(c);
	for (i = 0; i < MLAB_NR_EVENTS; i++) {
		info->events[i] = atomic_long_read(&g->events[i]);
		info->events_local[i] = atomic_long_read(&g->events_local[i]);
	}
	mlab_group_stats_add(g, &info->stats);
}

/*
 * Count an event as memcg_memory_event() does: locally, then
 * hierarchically at the group and (v2) every ancestor below the root.
 */
static void mlab_group_event(struct mlab_group *g, enum mlab_event event,
			     unsigned long limit)
{
	struct mlab_event_info info = {
		.group = g,
		.event = event,
		.usage = mlab_counter_read(&g->counter),
		.limit = limit,
	};
	struct mlab_group *pos = g;

	atomic_long_inc(&g->events_local[event]);
	do {
		atomic_long_inc(&pos->events[event]);
		if (g->hier->v1)
			break;
		pos = pos->parent;
	} while (pos && !mlab_group_is_root(pos));
	atomic_notifier_call_chain(&mlab_group_notifier, event, &info);
}

/**
 * mlab_group_register_notifier - subscribe to group events
 * @nb: the notifier block (see group.h for the calling convention)
 *
 * Context: process context.
 * Return: 0.
 */
int mlab_group_register_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&mlab_group_notifier, nb);
}

/**
 * mlab_group_unregister_notifier - unsubscribe from group events
 * @nb: the notifier block
 *
 * Context: process context; waits for running callbacks.
 * Return: 0 or -ENOENT.
 */
int mlab_group_unregister_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_unregister(&mlab_group_notifier, nb);
}

/* After a successful charge: a high event at each level above memory.high. */
static void mlab_group_check_high(struct mlab_group *g)
{
	for (; g; g = g->parent) {
		unsigned long high = READ_ONCE(g->counter.high);

		if (high < MLAB_COUNTER_MAX &&
		    mlab_counter_read(&g->counter) > high)
			mlab_group_event(g, MLAB_EVENT_HIGH, high);
	}
}

/**
 * mlab_group_charge - charge pages to a group for an owner
 * @g: the group
 * @nr_pages: how many
 * @force: charge past the limits (never refused)
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, -ENOMEM (refused: a max event at the limiting ancestor, its
 * failcnt counted, usage unchanged), -ENODEV (group removed).
 */
int mlab_group_charge(struct mlab_group *g, unsigned long nr_pages, bool force)
{
	struct mlab_policy *p = g->hier->policy;
	struct mlab_counter *fail = NULL;
	struct mlab_group_pcpu *pc;
	int err = 0;

	rcu_read_lock();
	if (READ_ONCE(g->dead)) {
		rcu_read_unlock();
		return -ENODEV;
	}
	if (force)
		mlab_policy_charge(p, &g->counter, nr_pages);
	else
		err = mlab_policy_try_charge(p, &g->counter, nr_pages, &fail);
	pc = get_cpu_ptr(g->pcpu);
	if (err) {
		pc->stats.fails++;
	} else {
		pc->owned += nr_pages;
		pc->stats.charges++;
		pc->stats.charged_pages += nr_pages;
	}
	put_cpu_ptr(g->pcpu);
	rcu_read_unlock();

	if (err) {
		struct mlab_group *over = fail ?
			container_of(fail, struct mlab_group, counter) : g;

		trace_mlab_charge_fail(g, over, nr_pages);
		mlab_group_event(over, MLAB_EVENT_MAX,
				 READ_ONCE(over->counter.max));
		return -ENOMEM;
	}
	trace_mlab_charge(g, nr_pages);
	mlab_group_check_high(g);
	return 0;
}

/**
 * mlab_group_uncharge - give back pages an owner held
 * @g: the group
 * @nr_pages: how many (the owner checked it holds them)
 *
 * Context: process context, no spinlock held; does not sleep.
 */
void mlab_group_uncharge(struct mlab_group *g, unsigned long nr_pages)
{
	struct mlab_group_pcpu *pc;

	mlab_policy_uncharge(g->hier->policy, &g->counter, nr_pages);
	pc = get_cpu_ptr(g->pcpu);
	pc->owned -= nr_pages;
	pc->stats.uncharges++;
	pc->stats.uncharged_pages += nr_pages;
	put_cpu_ptr(g->pcpu);
	trace_mlab_uncharge(g, nr_pages);
}

/* v2 memory.max: set, drain, and if usage still exceeds it, "OOM". */
static void mlab_group_set_max_v2(struct mlab_group *g, unsigned long max)
{
	struct mlab_hier *h = g->hier;

	mlab_counter_xchg_max(&g->counter, max);
	if (mlab_counter_read(&g->counter) <= max)
		return;
	mlab_policy_drain(h->policy, NULL);
	if (mlab_counter_read(&g->counter) <= max)
		return;
	/*
	 * The kernel would reclaim, then invoke the OOM killer; nothing here
	 * can be reclaimed and there is no task to kill, which ends the
	 * kernel's loop after one oom event.
	 */
	mlab_group_event(g, MLAB_EVENT_OOM, max);
}

/* v2 memory.high: set, then drain stocks if usage is above it. */
static void mlab_group_set_high(struct mlab_group *g, unsigned long high)
{
	mlab_counter_set_high(&g->counter, high);
	if (mlab_counter_read(&g->counter) > high)
		mlab_policy_drain(g->hier->policy, NULL);
}

/**
 * mlab_group_set_limit - change a limit or protection
 * @g: the group
 * @which: which one
 * @nr_pages: the new value (MLAB_COUNTER_MAX for unlimited)
 *
 * See group.h for the meaning per flavour.
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY (v1 max below what cannot be given back), -EINVAL
 * (root, bad @which or value), -ENODEV (removed).
 */
int mlab_group_set_limit(struct mlab_group *g, enum mlab_limit which,
			 unsigned long nr_pages)
{
	struct mlab_hier *h = g->hier;
	unsigned long old;
	int err = 0;

	if (which >= MLAB_NR_LIMITS || nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	/* v1 allows a soft limit on the root; nothing else may change. */
	if (mlab_group_is_root(g) && which != MLAB_LIMIT_SOFT)
		return -EINVAL;
	mutex_lock(&h->lock);
	if (READ_ONCE(g->dead)) {
		err = -ENODEV;
		goto out;
	}
	switch (which) {
	case MLAB_LIMIT_MAX:
		old = READ_ONCE(g->counter.max);
		if (h->v1)
			err = mlab_policy_set_max(h->policy, &g->counter,
						  nr_pages);
		else
			mlab_group_set_max_v2(g, nr_pages);
		break;
	case MLAB_LIMIT_HIGH:
		old = READ_ONCE(g->counter.high);
		mlab_group_set_high(g, nr_pages);
		break;
	case MLAB_LIMIT_LOW:
		old = READ_ONCE(g->counter.low);
		mlab_counter_set_low(&g->counter, nr_pages);
		break;
	case MLAB_LIMIT_MIN:
		old = READ_ONCE(g->counter.min);
		mlab_counter_set_min(&g->counter, nr_pages);
		break;
	default:
		old = READ_ONCE(g->soft_limit);
		WRITE_ONCE(g->soft_limit, nr_pages);
		break;
	}
	if (!err)
		trace_mlab_limit(g, mlab_limit_names[which], old, nr_pages);
out:
	mutex_unlock(&h->lock);
	return err;
}

/**
 * mlab_group_reset - reset the watermark or the failure count
 * @g: the group
 * @what: which
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (bad @what), -ENODEV (removed).
 */
int mlab_group_reset(struct mlab_group *g, enum mlab_reset what)
{
	int err = 0;

	mutex_lock(&g->hier->lock);
	if (READ_ONCE(g->dead))
		err = -ENODEV;
	else if (what == MLAB_RESET_WATERMARK)
		mlab_counter_reset_watermark(&g->counter);
	else if (what == MLAB_RESET_FAILCNT)
		mlab_counter_reset_failcnt(&g->counter);
	else
		err = -EINVAL;
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_group_set_oom_kill_disable - the v1 oom_control setting
 * @g: the group
 * @disable: the new value
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL on the root, -ENODEV (removed).
 */
int mlab_group_set_oom_kill_disable(struct mlab_group *g, bool disable)
{
	if (mlab_group_is_root(g))
		return -EINVAL;
	if (READ_ONCE(g->dead))
		return -ENODEV;
	WRITE_ONCE(g->oom_kill_disable, disable);
	return 0;
}
