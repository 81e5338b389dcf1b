// SPDX-License-Identifier: GPL-2.0
/*
 * owner.c - charge owners: who holds which pages, and giving them back.
 *
 * The OOM killer reaps an owner (takes back every page it holds) from
 * another owner's charge, so it cannot take the owner's mutex: page counts
 * and the list of holds change under @holds_lock as well, and a reaped
 * owner is marked @revoked and refuses everything after.
 */
#include <linux/slab.h>
#include "owner.h"

/* What one owner holds in one group; the owner's reference pins @group. */
struct mlab_hold {
	struct list_head node;
	struct mlab_group *group;
	unsigned long nr_pages;
};

static unsigned long mlab_owner_oom_pages(struct mlab_oom_target *t,
					  struct mlab_group *domain,
					  struct mlab_group **home)
{
	struct mlab_owner *o = container_of(t, struct mlab_owner, target);
	unsigned long sum = 0, most = 0;
	struct mlab_hold *hold;

	spin_lock(&o->holds_lock);
	list_for_each_entry(hold, &o->holds, node) {
		if (!mlab_group_is_descendant(hold->group, domain))
			continue;
		sum += hold->nr_pages;
		if (!*home || hold->nr_pages > most) {
			*home = hold->group;
			most = hold->nr_pages;
		}
	}
	spin_unlock(&o->holds_lock);
	return sum;
}

/* The OOM killer's reaper: give everything back now, refuse from now on. */
static void mlab_owner_oom_reap(struct mlab_oom_target *t)
{
	struct mlab_owner *o = container_of(t, struct mlab_owner, target);
	struct mlab_hold *hold;

	spin_lock(&o->holds_lock);
	o->revoked = true;
	list_for_each_entry(hold, &o->holds, node) {
		if (!hold->nr_pages)
			continue;
		mlab_group_uncharge(hold->group, hold->nr_pages);
		/* Read without the lock by mlab_owner_charge()'s size check. */
		WRITE_ONCE(hold->nr_pages, 0);
	}
	spin_unlock(&o->holds_lock);
}

static const struct mlab_oom_target_ops mlab_owner_oom_ops = {
	.pages	= mlab_owner_oom_pages,
	.reap	= mlab_owner_oom_reap,
};

/**
 * mlab_owner_init - prepare an empty owner
 * @o: the owner
 *
 * The calling thread group becomes the owner's opener, the task the OOM
 * killer signals and whose oom_score_adj it honours.
 *
 * Context: process context, may sleep.
 */
void mlab_owner_init(struct mlab_owner *o)
{
	mutex_init(&o->lock);
	spin_lock_init(&o->holds_lock);
	INIT_LIST_HEAD(&o->holds);
	o->revoked = false;
	o->nowait = false;
	mlab_oom_target_add(&o->target, &mlab_owner_oom_ops);
}

/**
 * mlab_owner_init_nowait - prepare an owner whose charges must not sleep
 * @o: the owner
 *
 * Context: process context, may sleep.
 */
void mlab_owner_init_nowait(struct mlab_owner *o)
{
	mlab_owner_init(o);
	o->nowait = true;
}

static struct mlab_hold *mlab_owner_find(struct mlab_owner *o,
					 struct mlab_group *g)
{
	struct mlab_hold *hold;

	list_for_each_entry(hold, &o->holds, node)
		if (hold->group == g)
			return hold;
	return NULL;
}

static void mlab_hold_free(struct mlab_hold *hold)
{
	list_del(&hold->node);
	mlab_group_put(hold->group);
	kfree(hold);
}

/**
 * mlab_owner_charge - charge pages to a group on behalf of an owner
 * @o: the owner
 * @g: the group (referenced by the caller)
 * @nr_pages: how many pages
 * @force: charge past the limits
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOMEM (refused, or no memory for the record); -EIO (reaped
 * by the OOM killer); -EINTR (a fatal signal ended the OOM wait); -ENODEV
 * (removed group); -EINVAL (0 pages, more than MLAB_COUNTER_MAX, or more
 * than the owner may hold in all).
 */
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, bool force)
{
	unsigned int flags = (force ? MLAB_CHARGE_FORCE : 0) |
			     (o->nowait ? MLAB_CHARGE_NOWAIT : 0);
	struct mlab_hold *hold, *fresh = NULL;
	int err;

	if (!nr_pages || nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	mutex_lock(&o->lock);
	if (READ_ONCE(o->revoked)) {
		err = -EIO;
		goto out;
	}
	hold = mlab_owner_find(o, g);
	if (!hold) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			err = -ENOMEM;
			goto out;
		}
		hold = fresh;
	}
	if (READ_ONCE(hold->nr_pages) + nr_pages > MLAB_COUNTER_MAX) {
		err = -EINVAL;
		goto out;
	}
	err = mlab_group_charge(g, nr_pages, flags);
	if (err)
		goto out;
	spin_lock(&o->holds_lock);
	if (o->revoked) {
		/* Reaped while charging (perhaps by this very charge's OOM). */
		spin_unlock(&o->holds_lock);
		mlab_group_uncharge(g, nr_pages);
		err = -EIO;
		goto out;
	}
	hold->nr_pages += nr_pages;
	if (fresh) {
		mlab_group_get(g);
		hold->group = g;
		list_add(&hold->node, &o->holds);
		fresh = NULL;
	}
	spin_unlock(&o->holds_lock);
out:
	mutex_unlock(&o->lock);
	kfree(fresh);
	return err;
}

/**
 * mlab_owner_uncharge - give back part of what an owner holds
 * @o: the owner
 * @g: the group
 * @nr_pages: how many pages
 *
 * Context: process context, may sleep.
 * Return: 0, -EIO when the OOM killer reaped @o, or -EINVAL when @o holds
 * fewer than @nr_pages in @g (or @nr_pages is 0); nothing changes then.
 */
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages)
{
	struct mlab_group *put = NULL;
	struct mlab_hold *hold;
	int err = 0;

	if (!nr_pages)
		return -EINVAL;
	mutex_lock(&o->lock);
	spin_lock(&o->holds_lock);
	hold = mlab_owner_find(o, g);
	if (o->revoked) {
		err = -EIO;
	} else if (!hold || hold->nr_pages < nr_pages) {
		err = -EINVAL;
	} else {
		hold->nr_pages -= nr_pages;
		if (!hold->nr_pages) {
			list_del(&hold->node);
			put = hold->group;
		} else {
			hold = NULL;
		}
	}
	spin_unlock(&o->holds_lock);
	if (!err) {
		mlab_group_uncharge(g, nr_pages);
		if (put)
			kfree(hold);
	}
	mutex_unlock(&o->lock);
	/* The caller's reference keeps @g; ours may be the hierarchy's last. */
	mlab_group_put(put);
	return err;
}

/**
 * mlab_owner_held - pages an owner holds in a group
 * @o: the owner
 * @g: the group
 *
 * Context: process context, may sleep.
 * Return: the number of pages.
 */
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g)
{
	struct mlab_hold *hold;
	unsigned long nr = 0;

	spin_lock(&o->holds_lock);
	hold = mlab_owner_find(o, g);
	if (hold)
		nr = hold->nr_pages;
	spin_unlock(&o->holds_lock);
	return nr;
}

/**
 * mlab_owner_release - give back everything an owner holds
 * @o: the owner
 *
 * Context: process context, may sleep.
 */
void mlab_owner_release(struct mlab_owner *o)
{
	struct mlab_hold *hold, *tmp;
	LIST_HEAD(holds);

	/* Out of the OOM killer's reach first: then nothing reaps @o. */
	mlab_oom_target_del(&o->target);
	mutex_lock(&o->lock);
	spin_lock(&o->holds_lock);
	list_splice_init(&o->holds, &holds);
	spin_unlock(&o->holds_lock);
	list_for_each_entry_safe(hold, tmp, &holds, node) {
		if (hold->nr_pages)
			mlab_group_uncharge(hold->group, hold->nr_pages);
		mlab_hold_free(hold);
	}
	mutex_unlock(&o->lock);
}
