// SPDX-License-Identifier: GPL-2.0
/*
 * owner.c - charge owners: who holds which pages, and giving them back.
 */
#include <linux/slab.h>
#include "owner.h"

/*
 * What one owner holds in one group; the owner's reference pins @group.
 * @anon pages are the owner's alone; of the @file_size pages of page cache
 * it charged (and did not uncharge), @file.nr_pages are still resident:
 * reclaim may take the others.
 */
struct mlab_hold {
	struct list_head node;
	struct mlab_group *group;
	unsigned long anon;
	unsigned long file_size;
	struct mlab_lru_entry file;
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

/* Uncharge what @hold still holds and free it. */
static void mlab_hold_free(struct mlab_hold *hold)
{
	struct mlab_group *g = hold->group;
	unsigned long nr;

	nr = hold->anon + mlab_lru_remove(&g->lru, &hold->file, ULONG_MAX);
	if (nr)
		mlab_group_uncharge(g, nr);
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
 * @type: anonymous memory or page cache
 * @force: charge past the limits
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOMEM (refused, or no memory for the record); -ENODEV
 * (removed group); -EINVAL (0 pages, more than MLAB_COUNTER_MAX, more
 * than the owner may hold in all, or a bad @type).
 */
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, enum mlab_charge_type type,
		      bool force)
{
	struct mlab_hold *hold, *fresh = NULL;
	unsigned long *held;
	int err;

	if (!nr_pages || nr_pages > MLAB_COUNTER_MAX ||
	    type >= MLAB_NR_CHARGE_TYPES)
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
		mlab_lru_entry_init(&fresh->file);
		hold = fresh;
	}
	held = type == MLAB_CHARGE_FILE ? &hold->file_size : &hold->anon;
	if (*held + nr_pages > MLAB_COUNTER_MAX) {
		err = -EINVAL;
		goto out_detach;
	}
	err = mlab_group_charge(g, nr_pages, force);
	if (err)
		goto out_detach;
	*held += nr_pages;
	if (type == MLAB_CHARGE_FILE)
		mlab_lru_add(&g->lru, &hold->file, nr_pages);
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
 * @type: anonymous memory or page cache
 *
 * Anonymous pages: @o must hold @nr_pages of them.  Page cache: @o must
 * have charged @nr_pages (and not uncharged them); only those of them
 * still resident are given back, since reclaim already uncharged the rest.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL when @o holds fewer than @nr_pages of @type in @g
 * (or @nr_pages is 0, or @type is bad); nothing changes then.
 */
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages, enum mlab_charge_type type)
{
	struct mlab_group *put = NULL;
	struct mlab_hold *hold;
	unsigned long nr;
	int err = 0;

	if (!nr_pages || type >= MLAB_NR_CHARGE_TYPES)
		return -EINVAL;
	mutex_lock(&o->lock);
	hold = mlab_owner_find(o, g);
	if (!hold || (type == MLAB_CHARGE_FILE ? hold->file_size :
		      hold->anon) < nr_pages) {
		err = -EINVAL;
		goto out;
	}
	if (type == MLAB_CHARGE_FILE) {
		nr = mlab_lru_remove(&g->lru, &hold->file, nr_pages);
		hold->file_size -= nr_pages;
	} else {
		nr = nr_pages;
		hold->anon -= nr_pages;
	}
	if (nr)
		mlab_group_uncharge(g, nr);
	if (!hold->anon && !hold->file_size) {
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
 * Return: the number of pages: anonymous ones and resident page cache.
 */
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g)
{
	struct mlab_hold *hold;
	unsigned long nr = 0;

	mutex_lock(&o->lock);
	hold = mlab_owner_find(o, g);
	if (hold)
		nr = hold->anon + mlab_lru_entry_pages(&g->lru, &hold->file);
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
	list_for_each_entry_safe(hold, tmp, &o->holds, node)
		mlab_hold_free(hold);
	mutex_unlock(&o->lock);
}
