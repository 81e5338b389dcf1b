// SPDX-License-Identifier: GPL-2.0
/*
 * group.c - groups: the tree, ids, lifetime and lookup.  Charging is in
 * group_charge.c, limits in group_limit.c, events in group_event.c, the
 * read side in group_stat.c and the hierarchy level (mlab_hier_*) in
 * hier.c.
 *
 * Lifetime: a hierarchy lives while its superblock or any group lives; a
 * group lives while its directory or file inodes, a charge owner, a lookup
 * or a child holds a reference.  Both are freed after an RCU grace period so
 * that mlab_group_lookup() can run without locks.
 */
#include <linux/err.h>
#include <linux/slab.h>
#include "group.h"

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
	mlab_swap_group_init(g, parent);
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
