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

/*
 * What one owner holds in one group; the owner's reference pins @group.
 * Of its @anon pages, @anon_res.nr_pages are resident and the others are
 * swapped out: they are still the owner's, charged to swap instead of
 * memory.  Of the @file_size pages of page cache it charged (and did not
 * uncharge), @file.nr_pages are still resident: reclaim may take the
 * others.
 */
struct mlab_hold {
	struct list_head node;
	struct mlab_group *group;
	unsigned long anon;
	unsigned long file_size;
	struct mlab_lru_entry anon_res;
	struct mlab_lru_entry file;
};

/*
 * Give back up to @nr_anon anon pages (resident ones first, then swapped
 * out ones) and up to @nr_file resident file pages of @hold; the caller
 * adjusts the hold's counts.
 */
static void mlab_hold_give_back(struct mlab_hold *hold, unsigned long nr_anon,
				unsigned long nr_file)
{
	struct mlab_group *g = hold->group;
	unsigned long anon, file = 0;

	anon = mlab_lru_remove_anon(&g->lru, &hold->anon_res, nr_anon);
	if (nr_file)
		file = mlab_lru_remove(&g->lru, &hold->file, nr_file);
	if (anon + file)
		mlab_group_uncharge(g, anon + file);
	/* What was not resident of @nr_anon is in swap. */
	mlab_swap_free(g, nr_anon - anon);
}

/* Give back everything @hold holds. */
static void mlab_hold_free_pages(struct mlab_hold *hold)
{
	mlab_hold_give_back(hold, hold->anon, ULONG_MAX);
}

static unsigned long mlab_owner_oom_pages(struct mlab_oom_target *t,
					  struct mlab_group *domain,
					  struct mlab_group **home)
{
	struct mlab_owner *o = container_of(t, struct mlab_owner, target);
	unsigned long sum = 0, most = 0;
	struct mlab_hold *hold;

	spin_lock(&o->holds_lock);
	list_for_each_entry(hold, &o->holds, node) {
		unsigned long nr;

		if (!mlab_group_is_descendant(hold->group, domain))
			continue;
		nr = hold->anon + mlab_lru_entry_pages(&hold->group->lru,
						       &hold->file);
		sum += nr;
		if (!*home || nr > most) {
			*home = hold->group;
			most = nr;
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
		mlab_hold_free_pages(hold);
		/* Read without the lock by mlab_owner_charge()'s size check. */
		WRITE_ONCE(hold->anon, 0);
		WRITE_ONCE(hold->file_size, 0);
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

/* Uncharge what @hold still holds and free it. */
static void mlab_hold_free(struct mlab_hold *hold)
{
	mlab_hold_free_pages(hold);
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
 * Return: 0; -ENOMEM (refused, or no memory for the record); -EIO (reaped
 * by the OOM killer); -EINTR (a fatal signal ended the OOM wait); -ENODEV
 * (removed group); -EINVAL (0 pages, more than MLAB_COUNTER_MAX, more
 * than the owner may hold in all, or a bad @type).
 */
int mlab_owner_charge(struct mlab_owner *o, struct mlab_group *g,
		      unsigned long nr_pages, enum mlab_charge_type type,
		      bool force)
{
	unsigned int flags = (force ? MLAB_CHARGE_FORCE : 0) |
			     (o->nowait ? MLAB_CHARGE_NOWAIT : 0);
	struct mlab_hold *hold, *fresh = NULL;
	unsigned long *held;
	int err;

	if (!nr_pages || nr_pages > MLAB_COUNTER_MAX ||
	    type >= MLAB_NR_CHARGE_TYPES)
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
		err = mlab_group_attach(g);
		if (err)
			goto out;
		mlab_lru_entry_init(&fresh->anon_res);
		mlab_lru_entry_init(&fresh->file);
		hold = fresh;
	}
	held = type == MLAB_CHARGE_FILE ? &hold->file_size : &hold->anon;
	if (READ_ONCE(*held) + nr_pages > MLAB_COUNTER_MAX) {
		err = -EINVAL;
		goto out_detach;
	}
	err = mlab_group_charge(g, nr_pages, flags);
	if (err)
		goto out_detach;
	spin_lock(&o->holds_lock);
	if (o->revoked) {
		/* Reaped while charging (perhaps by this very charge's OOM). */
		spin_unlock(&o->holds_lock);
		mlab_group_uncharge(g, nr_pages);
		err = -EIO;
		goto out_detach;
	}
	*held += nr_pages;
	if (type == MLAB_CHARGE_FILE)
		mlab_lru_add(&g->lru, &hold->file, nr_pages);
	else
		mlab_lru_add_anon(&g->lru, &hold->anon_res, nr_pages);
	if (fresh) {
		mlab_group_get(g);
		hold->group = g;
		list_add(&hold->node, &o->holds);
		fresh = NULL;
	}
	spin_unlock(&o->holds_lock);
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
 * Return: 0, -EIO when the OOM killer reaped @o, or -EINVAL when @o holds
 * fewer than @nr_pages of @type in @g (or @nr_pages is 0, or @type is bad);
 * nothing changes then.
 */
int mlab_owner_uncharge(struct mlab_owner *o, struct mlab_group *g,
			unsigned long nr_pages, enum mlab_charge_type type)
{
	struct mlab_group *put = NULL;
	struct mlab_hold *hold;
	int err = 0;

	if (!nr_pages || type >= MLAB_NR_CHARGE_TYPES)
		return -EINVAL;
	mutex_lock(&o->lock);
	spin_lock(&o->holds_lock);
	hold = mlab_owner_find(o, g);
	if (o->revoked) {
		err = -EIO;
	} else if (!hold || (type == MLAB_CHARGE_FILE ? hold->file_size :
			     hold->anon) < nr_pages) {
		err = -EINVAL;
	} else {
		if (type == MLAB_CHARGE_FILE) {
			mlab_hold_give_back(hold, 0, nr_pages);
			hold->file_size -= nr_pages;
		} else {
			mlab_hold_give_back(hold, nr_pages, 0);
			hold->anon -= nr_pages;
		}
		if (!hold->anon && !hold->file_size) {
			list_del(&hold->node);
			put = hold->group;
		}
	}
	spin_unlock(&o->holds_lock);
	if (put) {
		mlab_group_detach(g);
		kfree(hold);
	}
	mutex_unlock(&o->lock);
	/* The caller's reference keeps @g; ours may be the hierarchy's last. */
	mlab_group_put(put);
	return err;
}

/**
 * mlab_owner_held - pages an owner holds in memory in a group
 * @o: the owner
 * @g: the group
 *
 * Like page cache that reclaim took, anon pages swapped out are not
 * counted (they are in swap, still the owner's to give back), so what the
 * owners of a group hold is what it charges to memory.
 *
 * Context: process context, may sleep.
 * Return: the number of pages: resident anon and resident page cache.
 */
unsigned long mlab_owner_held(struct mlab_owner *o, struct mlab_group *g)
{
	struct mlab_hold *hold;
	unsigned long nr = 0;

	spin_lock(&o->holds_lock);
	hold = mlab_owner_find(o, g);
	if (hold)
		nr = mlab_lru_entry_pages(&g->lru, &hold->anon_res) +
		     mlab_lru_entry_pages(&g->lru, &hold->file);
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
	list_for_each_entry_safe(hold, tmp, &holds, node)
		mlab_hold_free(hold);
	mutex_unlock(&o->lock);
}
