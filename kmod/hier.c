// SPDX-License-Identifier: GPL-2.0
/*
 * hier.c - hierarchies: one per mount, its policy, options and ids (the
 * groups in it are group.c's).
 */
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "group.h"

/* Live hierarchies by id, for lookups from netlink. */
DEFINE_XARRAY(mlab_hiers);

/**
 * mlab_hier_create - make a hierarchy and its policy
 * @v1: show the v1 file flavour
 * @recursiveprot: compute effective protection in the recursive mode
 * @policy: the charging policy's name
 * @batch: the policy's batch size in pages (0: the default)
 * @reclaim: the reclaim model
 * @oom: what the OOM killer does
 *
 * Context: process context, may sleep.
 * Return: the hierarchy with one reference, or an ERR_PTR() from the policy
 * or -ENOMEM.
 */
struct mlab_hier *mlab_hier_create(bool v1, bool recursiveprot,
				   const char *policy, unsigned int batch,
				   enum mlab_reclaim_mode reclaim,
				   enum mlab_oom_mode oom)
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
	h->reclaim = reclaim;
	h->oom_mode = oom;
	mlab_swap_dev_init(&h->swap, 0);
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
 * mlab_hier_get_opts - the hierarchy's mount options
 * @h: the hierarchy
 * @opts: filled in
 *
 * Context: process context, may sleep.
 */
void mlab_hier_get_opts(struct mlab_hier *h, struct mlab_hier_opts *opts)
{
	mutex_lock(&h->lock);
	opts->v1 = h->v1;
	opts->recursiveprot = h->recursiveprot;
	strscpy(opts->policy, mlab_policy_name(h->policy), sizeof(opts->policy));
	opts->batch = mlab_policy_batch(h->policy);
	opts->reclaim = h->reclaim;
	opts->oom = h->oom_mode;
	opts->swap = READ_ONCE(h->swap.total);
	mutex_unlock(&h->lock);
}

/**
 * mlab_hier_set_recursiveprot - switch memory_recursiveprot (remount)
 * @h: the hierarchy
 * @on: the new setting
 *
 * Effective protection is recomputed from the new mode on the next read,
 * as cgroup2 does on its next reclaim pass.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL on a v1 hierarchy.
 */
int mlab_hier_set_recursiveprot(struct mlab_hier *h, bool on)
{
	if (h->v1)
		return on ? -EINVAL : 0;
	mutex_lock(&h->lock);
	h->recursiveprot = on;
	mutex_unlock(&h->lock);
	return 0;
}

/**
 * mlab_hier_set_pressure - change the reclaim model and the OOM mode (remount)
 * @h: the hierarchy
 * @reclaim: the new reclaim model
 * @oom: the new OOM mode
 *
 * Both are read once per reclaim pass or OOM decision, so a change takes
 * effect from the next one; nothing in flight is affected.
 *
 * Context: process context, may sleep.
 */
void mlab_hier_set_pressure(struct mlab_hier *h, enum mlab_reclaim_mode reclaim,
			    enum mlab_oom_mode oom)
{
	mutex_lock(&h->lock);
	WRITE_ONCE(h->reclaim, reclaim);
	WRITE_ONCE(h->oom_mode, oom);
	mutex_unlock(&h->lock);
}

/* Set up @c, the root's counter, for @p, keeping what its reader sees. */
static int mlab_hier_root_counter_init(struct mlab_policy *p,
				       struct mlab_counter *c)
{
	unsigned long watermark = c->watermark;
	unsigned long local_watermark = c->local_watermark;
	unsigned long failcnt = c->failcnt;
	int err;

	err = mlab_policy_counter_init(p, c, NULL, true);
	mlab_counter_set_high(c, MLAB_COUNTER_MAX);
	WRITE_ONCE(c->watermark, watermark);
	WRITE_ONCE(c->local_watermark, local_watermark);
	WRITE_ONCE(c->failcnt, failcnt);
	return err;
}

/**
 * mlab_hier_set_policy - give an empty hierarchy another policy (remount)
 * @h: the hierarchy
 * @name: the new policy
 * @batch: its batch size in pages (0: the default)
 *
 * Only a hierarchy with no group but the root and no charge may change:
 * nothing then can be charging (owners attach under the hierarchy lock)
 * and no stock holds pages.  The root's watermarks and failcnt are kept.
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY (groups or charges exist), the policy's ERR_PTR()
 * error (-ENOENT for an unknown name), or its counter_init error (the old
 * policy stays).
 */
int mlab_hier_set_policy(struct mlab_hier *h, const char *name,
			 unsigned int batch)
{
	struct mlab_policy *p, *old;
	struct mlab_counter *c;
	int err;

	p = mlab_policy_create(name, batch);
	if (IS_ERR(p))
		return PTR_ERR(p);
	mutex_lock(&h->lock);
	if (!h->root || h->root->nr_children || h->root->nr_owners ||
	    mlab_counter_read(&h->root->counter)) {
		mutex_unlock(&h->lock);
		mlab_policy_destroy(p);
		return -EBUSY;
	}
	c = &h->root->counter;
	old = h->policy;
	mlab_policy_counter_exit(old, c);
	err = mlab_hier_root_counter_init(p, c);
	if (err) {
		/* The old policy's root state again; built-ins cannot fail. */
		WARN_ON_ONCE(mlab_hier_root_counter_init(old, c));
		swap(p, old);
	} else {
		h->policy = p;
	}
	mutex_unlock(&h->lock);
	mlab_policy_destroy(old);
	return err;
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
