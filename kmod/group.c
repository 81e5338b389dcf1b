// SPDX-License-Identifier: GPL-2.0
/*
 * group.c - groups: tree, ids, lifetime, limits, events.  The hierarchy
 * level (mlab_hier_*) is in hier.c.
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
#include "pressure.h"

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

static ATOMIC_NOTIFIER_HEAD(mlab_group_notifier);

/*
 * cgroup_check_hierarchy_limits(): a new child of @parent must not exceed
 * the descendant count or depth any ancestor allows.  Under hier->lock.
 */
static bool mlab_group_may_add_child(struct mlab_group *parent)
{
	struct mlab_group *pos;
	int depth = 0;

	for (pos = parent; pos; pos = pos->parent, depth++) {
		if (pos->nr_descendants >= pos->max_descendants)
			return false;
		if (depth >= pos->max_depth)
			return false;
	}
	return true;
}

/* Take a removed or unmounted group out of the tree; under hier->lock. */
static void mlab_group_unlink(struct mlab_group *g)
{
	struct mlab_group *pos;

	xa_erase(&g->hier->groups, g->id);
	list_del_init(&g->sibling);
	if (!g->parent)
		return;
	g->parent->nr_children--;
	for (pos = g->parent; pos; pos = pos->parent)
		pos->nr_descendants--;
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
 * -EAGAIN if an ancestor's cgroup.max.depth or cgroup.max.descendants
 * refuses it, -ENOMEM.
 */
struct mlab_group *mlab_group_create(struct mlab_hier *h,
				     struct mlab_group *parent, u64 id)
{
	int level = parent ? parent->level + 1 : 0;
	struct mlab_group *g, *pos;
	int err = -ENOMEM;
	int i;

	g = kzalloc(struct_size(g, ancestors, level + 1), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->level = level;
	if (parent)
		memcpy(g->ancestors, parent->ancestors,
		       level * sizeof(g->ancestors[0]));
	g->ancestors[level] = g;
	g->pcpu = alloc_percpu(struct mlab_group_pcpu);
	if (!g->pcpu)
		goto err_free;
	g->soft_limit = MLAB_COUNTER_MAX;
	g->max_descendants = INT_MAX;
	g->max_depth = INT_MAX;
	mlab_lru_init(&g->lru, &g->counter);
	g->id = id;
	kref_init(&g->kref);
	INIT_LIST_HEAD(&g->children);
	INIT_LIST_HEAD(&g->sibling);
	mlab_oom_group_init(g);
	for (i = 0; i < MLAB_NR_EVENTS; i++) {
		atomic_long_set(&g->events[i], 0);
		atomic_long_set(&g->events_local[i], 0);
	}

	mutex_lock(&h->lock);
	if (parent && READ_ONCE(parent->dead)) {
		err = -ENODEV;
		goto err_unlock;
	}
	if (parent && !mlab_group_may_add_child(parent)) {
		err = -EAGAIN;
		goto err_unlock;
	}
	/* Under the lock: a remount may change the policy (see below). */
	mlab_policy_counter_init(h->policy, &g->counter,
				 parent ? &parent->counter : NULL, true);
	/* memcg sets high to "max" itself; the counter starts it at 0. */
	mlab_counter_set_high(&g->counter, MLAB_COUNTER_MAX);
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
		for (pos = parent; pos; pos = pos->parent)
			pos->nr_descendants++;
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
 * Refuses a group with children or with charge owners attached, as cgroup
 * refuses a group with tasks.  Once removed the group refuses new owners,
 * drains the policy's stock and disappears from lookups; it is freed after
 * an RCU grace period once the last reference goes, without waiting here.
 *
 * Context: process context, may sleep; the caller holds the directory's
 * inode lock.
 * Return: 0, -EBUSY (children or owners), -EINVAL for the root.
 */
int mlab_group_remove(struct mlab_group *g)
{
	struct mlab_hier *h = g->hier;
	int err = 0;

	if (mlab_group_is_root(g))
		return -EINVAL;
	mutex_lock(&h->lock);
	if (g->nr_children || g->nr_owners) {
		err = -EBUSY;
		goto out;
	}
	WRITE_ONCE(g->dead, true);
	mlab_group_unlink(g);
	mlab_policy_drain(h->policy, &g->counter);
	WARN_ON_ONCE(mlab_counter_read(&g->counter));
out:
	mutex_unlock(&h->lock);
	return err;
}

static void mlab_group_release(struct kref *kref)
{
	struct mlab_group *g = container_of(kref, struct mlab_group, kref);
	struct mlab_hier *h = g->hier;

	if (!g->dead) {
		/* Never removed: the hierarchy was unmounted. */
		mutex_lock(&h->lock);
		mlab_group_unlink(g);
		if (!g->parent)
			h->root = NULL;
		mutex_unlock(&h->lock);
		mlab_policy_drain(h->policy, &g->counter);
	}
	mlab_policy_counter_exit(h->policy, &g->counter);
	if (g->parent)
		mlab_group_put(g->parent);
	free_percpu(g->pcpu);
	kfree_rcu(g, rcu);
	mlab_hier_put(h);
}

/**
 * mlab_group_attach - let a charge owner charge a group
 * @g: the group
 *
 * An owner attaches before its first charge to @g and detaches when it
 * holds nothing there any more; rmdir refuses a group with owners, so an
 * attached owner never finds it removed.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENODEV if @g was removed.
 */
int mlab_group_attach(struct mlab_group *g)
{
	int err = 0;

	mutex_lock(&g->hier->lock);
	if (g->dead)
		err = -ENODEV;
	else
		g->nr_owners++;
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_group_detach - undo mlab_group_attach()
 * @g: the group
 *
 * Context: process context, may sleep.
 */
void mlab_group_detach(struct mlab_group *g)
{
	mutex_lock(&g->hier->lock);
	g->nr_owners--;
	mutex_unlock(&g->hier->lock);
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

/**
 * mlab_group_is_descendant - is @g in @root's subtree?
 * @g: the group
 * @root: the subtree's root
 *
 * Context: any context; the caller holds references on both.
 * Return: true if @g is @root or below it.
 */
bool mlab_group_is_descendant(struct mlab_group *g, struct mlab_group *root)
{
	/* cgroup_is_descendant(): one look at the ancestor array, O(1). */
	return g->level >= root->level && g->ancestors[root->level] == root;
}

/**
 * mlab_group_next - iterate over a subtree in id order
 * @root: the subtree's root (referenced by the caller)
 * @after: the id returned last, 0 to start
 *
 * Parents have smaller ids than their children, so the order visits every
 * parent first.  A dump keeps the ids (not pointers) across its callbacks
 * and looks @root up again each time; groups removed meanwhile are
 * skipped, new ones are visited if their id is larger.
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

/**
 * mlab_group_walk_next - the next group of a pre-order subtree walk
 * @pos: the group visited last (start with @root)
 * @root: the subtree's root
 *
 * Context: the caller holds the hierarchy lock, so the tree cannot change.
 * Return: the next live group of @root's subtree, or NULL at the end.
 */
struct mlab_group *mlab_group_walk_next(struct mlab_group *pos,
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
	struct mlab_counter *root = &g->ancestors[0]->counter;
	int level;

	for (level = 1; level <= g->level; level++)
		mlab_counter_calculate_protection(root,
						  &g->ancestors[level]->counter,
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
	mutex_lock(&h->lock);
	strscpy(info->policy, mlab_policy_name(h->policy), sizeof(info->policy));
	info->batch = mlab_policy_batch(h->policy);
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
	info->max_depth = READ_ONCE(g->max_depth);
	info->max_descendants = READ_ONCE(g->max_descendants);
	info->watermark = READ_ONCE(c->watermark);
	info->local_watermark = READ_ONCE(c->local_watermark);
	info->failcnt = READ_ONCE(c->failcnt);
	info->oom_kill_disable = READ_ONCE(g->oom_kill_disable);
	info->emin = mlab_counter_emin(c);
	info->elow = mlab_counter_elow(c);
	for (i = 0; i < MLAB_NR_EVENTS; i++) {
		info->events[i] = atomic_long_read(&g->events[i]);
		info->events_local[i] = atomic_long_read(&g->events_local[i]);
	}
	mlab_group_stats_add(g, &info->stats);
}

/**
 * mlab_group_event - count an event and tell the notifier chain
 * @g: where it happened
 * @event: which
 * @limit: the limit involved, in pages
 *
 * Counts as memcg_memory_event() does: locally, then hierarchically at the
 * group and (v2) every ancestor below the root.
 *
 * Context: any context that may run the notifier chain (see group.h).
 */
void mlab_group_event(struct mlab_group *g, enum mlab_event event,
		      unsigned long limit)
{
	struct mlab_event_info info = {
		.group = g,
		.event = event,
		.hier_id = g->hier->id,
		.id = g->id,
		.usage = mlab_counter_read(&g->counter),
		.limit = limit,
	};
	struct mlab_group *pos;

	atomic_long_inc(&g->events_local[event]);
	for (pos = g; pos; pos = mlab_event_next(pos))
		atomic_long_inc(&pos->events[event]);
	atomic_notifier_call_chain(&mlab_group_notifier, event, &info);
}

/**
 * mlab_event_next - the next group whose memory.events counts an event
 * @pos: a group that counted it
 *
 * An event counts in memory.events of the group where it happened and, as
 * memcg_memory_event() does in cgroup v2, of every ancestor below the root;
 * v1 hierarchies count it at the group only.  Walk from the group with
 * this until it returns NULL.
 *
 * Context: any context.
 * Return: the next group up that counts the event, or NULL.
 */
struct mlab_group *mlab_event_next(const struct mlab_group *pos)
{
	if (pos->hier->v1 || !pos->parent || mlab_group_is_root(pos->parent))
		return NULL;
	return pos->parent;
}

/**
 * mlab_group_removed - has rmdir removed this group?
 * @g: the group
 *
 * Context: any context.
 * Return: true once mlab_group_remove() succeeded.
 */
bool mlab_group_removed(const struct mlab_group *g)
{
	return READ_ONCE(g->dead);
}

/**
 * mlab_group_set_priv - attach the filesystem's object to a group
 * @g: the group
 * @priv: the object, or NULL to detach it
 *
 * The group never looks at @priv.  Readers under rcu_read_lock() (event
 * notifiers) may see the old value until a grace period has passed.
 *
 * Context: any context.
 */
void mlab_group_set_priv(struct mlab_group *g, void *priv)
{
	rcu_assign_pointer(g->priv, priv);
}

/**
 * mlab_group_id - a group's id (its directory's inode number)
 * @g: the group
 *
 * Context: any context.
 * Return: the id.
 */
u64 mlab_group_id(const struct mlab_group *g)
{
	return g->id;
}

/**
 * mlab_group_priv - the object mlab_group_set_priv() attached
 * @g: the group
 *
 * Context: under rcu_read_lock() (event notifiers run under it).
 * Return: the object or NULL.
 */
void *mlab_group_priv(const struct mlab_group *g)
{
	return rcu_dereference(g->priv);
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
 * @flags: MLAB_CHARGE_FORCE charges past the limits (never refused);
 *	MLAB_CHARGE_NOWAIT never parks in the OOM wait nor sleeps over high
 *
 * The caller is attached to @g (mlab_group_attach()), so @g is live.  A
 * charge that does not fit reclaims and retries (kmod/pressure.c); when
 * reclaim gives up, the OOM path (oom.c) may reap a victim and have the
 * charge retried, park the charger (v1 oom_kill_disable), or give up.  A
 * charge that leaves a level over memory.high is throttled (oom.c).
 *
 * Context: process context, no spinlock held; may sleep.
 * Return: 0, -ENOMEM (refused after reclaim and the OOM path: usage
 * unchanged), -EINTR (a fatal signal ended the OOM wait).
 */
int mlab_group_charge(struct mlab_group *g, unsigned long nr_pages,
		      unsigned int flags)
{
	struct mlab_oom_ctx oom_ctx = { };
	struct mlab_group *over;
	int err;

	if (flags & MLAB_CHARGE_FORCE) {
		err = mlab_group_try_charge(g, nr_pages, true, NULL);
	} else {
		for (;;) {
			over = NULL;
			err = mlab_group_charge_reclaim(g, nr_pages, &over);
			if (err != -ENOMEM || !over)
				break;
			/* Reclaim has given up: kill, park, or fail. */
			err = mlab_oom_charge_failed(g, over, nr_pages, flags,
						     &oom_ctx);
			if (err)
				return err;
		}
	}
	if (!err)
		mlab_oom_handle_high(g, nr_pages, flags);
	return err;
}

/**
 * mlab_group_try_charge - one charge attempt, no reclaim
 * @g: the group
 * @nr_pages: how many
 * @force: charge past the limits (never refused)
 * @over: set to the limiting group when refused (may be NULL)
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, or -ENOMEM (refused: a max event at the limiting ancestor, its
 * failcnt counted, usage unchanged).
 */
int mlab_group_try_charge(struct mlab_group *g, unsigned long nr_pages,
			  bool force, struct mlab_group **over)
{
	struct mlab_policy *p = g->hier->policy;
	struct mlab_counter *fail = NULL;
	struct mlab_group_pcpu *pc;
	int err = 0;

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

	if (err) {
		struct mlab_group *lim = fail ?
			container_of(fail, struct mlab_group, counter) : g;

		trace_mlab_charge_fail(g, lim, nr_pages);
		mlab_group_event(lim, MLAB_EVENT_MAX,
				 READ_ONCE(lim->counter.max));
		if (over)
			*over = lim;
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
 * Context: process context; does not sleep.
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
	mlab_oom_uncharged();
}

/* v2 memory.max: set, drain, reclaim, and if usage still exceeds it, "OOM". */
static void mlab_group_set_max_v2(struct mlab_group *g, unsigned long max)
{
	mlab_counter_xchg_max(&g->counter, max);
	if (mlab_counter_read(&g->counter) <= max)
		return;
	if (mlab_group_reclaim_to_limit(g, max))
		return;
	/* The kernel reclaims, then OOM-kills until usage fits. */
	mlab_oom_over_max(g, max);
}

/* v2 memory.high: set, then drain the subtree's stock if usage is above. */
static void mlab_group_set_high(struct mlab_group *g, unsigned long high)
{
	mlab_counter_set_high(&g->counter, high);
	if (mlab_counter_read(&g->counter) > high)
		mlab_policy_drain(g->hier->policy, &g->counter);
}

/**
 * mlab_group_set_limit - change a limit or protection
 * @g: the group
 * @which: which one
 * @nr_pages: the new value (MLAB_COUNTER_MAX for unlimited)
 *
 * The kernel's meaning for the hierarchy's flavour.  MAX on v1 refuses a
 * limit below what draining the stocks and reclaiming cannot bring usage
 * under (the limit is unchanged).  MAX on v2 sets the limit
 * unconditionally, drains the subtree's stock, reclaims, and while usage is
 * still above, counts an oom event and lets the OOM killer reap a victim
 * (one oom event when there is none or with oom=off).  Raising MAX wakes
 * chargers parked in a v1 OOM wait.  HIGH, LOW, MIN and SOFT set.  Only
 * SOFT may change on the root: v1 refuses the root's limit and v2 has no
 * such files there.
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
			err = mlab_group_resize_max(g, nr_pages);
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
	if (!err && which == MLAB_LIMIT_MAX && nr_pages > old)
		mlab_oom_recover();
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
	else if (what == MLAB_RESET_LOCAL_WATERMARK)
		mlab_counter_reset_local_watermark(&g->counter);
	else
		err = -EINVAL;
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_group_set_tree_limit - cgroup.max.depth or cgroup.max.descendants
 * @g: the group
 * @which: which limit
 * @value: the new value, INT_MAX for "max"
 *
 * Groups that already exist stay; only later mkdirs are refused.
 *
 * Context: process context, may sleep.
 * Return: 0, -ERANGE (negative @value), -EINVAL (bad @which), -ENODEV
 * (removed).
 */
int mlab_group_set_tree_limit(struct mlab_group *g, enum mlab_tree_limit which,
			      int value)
{
	int err = 0;

	if (value < 0)
		return -ERANGE;
	mutex_lock(&g->hier->lock);
	if (g->dead)
		err = -ENODEV;
	else if (which == MLAB_TREE_MAX_DEPTH)
		WRITE_ONCE(g->max_depth, value);
	else if (which == MLAB_TREE_MAX_DESCENDANTS)
		WRITE_ONCE(g->max_descendants, value);
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
	if (!disable)
		mlab_oom_recover();
	return 0;
}
