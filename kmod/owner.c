// SPDX-License-Identifier: GPL-2.0
/*
 * owner.c - charge owners: who holds which pages, and giving them back.
 */
#include <linux/slab.h>
#include "owner.h"

/* What one owner holds in one group; the owner's reference pins @group. */
struct mlab_hold {
	struct list_head node;
	struct mlab_group *group;
	unsigned long nr_pages;
};

/**
 * mlab_owner_init - prepare an empty owner
 * @o: the owner
 *
 * Context: any context.
 */
void mlab_owner_init(struct mlab_owner *o)
{
	mutex_init(&o->lock);
	INIT_LIST_HEAD(&o->holds);
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
	mlab_group_detach(hold->group);
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
 * Return: 0; -ENOMEM (refused, or no memory for the record); -ENODEV
 * (removed group); -EINVAL (0 pages, more than MLAB_COUNTER_MAX, or more
 * than the owner may hold in all).
 */
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, bool force)
{
	struct mlab_hold *hold, *fresh = NULL;
	int err;

	if (!nr_pages || nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	mutex_lock(&o->lock);
	hold = mlab_owner_find(o, g);
	if (!hold) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			err = -ENOMEM;
			goto out;
		}
		err = mlab_group_attach(g);
		if (err)
			goto out;
		hold = fresh;
	}
	if (hold->nr_pages + nr_pages > MLAB_COUNTER_MAX) {
		err = -EINVAL;
		goto out_detach;
	}
	err = mlab_group_charge(g, nr_pages, force);
	if (err)
		goto out_detach;
	hold->nr_pages += nr_pages;
	if (fresh) {
		mlab_group_get(g);
		hold->group = g;
		list_add(&hold->node, &o->holds);
		fresh = NULL;
	}
out_detach:
	if (fresh)
		mlab_group_detach(g);
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
 * Return: 0, or -EINVAL when @o holds fewer than @nr_pages in @g (or
 * @nr_pages is 0); nothing changes then.
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
	hold = mlab_owner_find(o, g);
	if (!hold || hold->nr_pages < nr_pages) {
		err = -EINVAL;
		goto out;
	}
	mlab_group_uncharge(g, nr_pages);
	hold->nr_pages -= nr_pages;
	if (!hold->nr_pages) {
		list_del(&hold->node);
		mlab_group_detach(g);
		put = hold->group;
		kfree(hold);
	}
out:
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

	mutex_lock(&o->lock);
	hold = mlab_owner_find(o, g);
	if (hold)
		nr = hold->nr_pages;
	mutex_unlock(&o->lock);
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

	mutex_lock(&o->lock);
	list_for_each_entry_safe(hold, tmp, &o->holds, node) {
		mlab_group_uncharge(hold->group, hold->nr_pages);
		mlab_hold_free(hold);
	}
	mutex_unlock(&o->lock);
}
