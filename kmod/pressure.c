// SPDX-License-Identifier: GPL-2.0
/*
 * pressure.c - reclaim applied to groups: the callbacks through which the
 * reclaim model (reclaim.c) walks a hierarchy, charges, uncharges what it
 * evicts and counts low events, and the group-level requests built on it.
 *
 * Reclaim walks a subtree under the hierarchy lock, so the tree cannot
 * change under it; it nests inside a charge owner's lock and takes each
 * group's LRU spinlock inside.
 */
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include "pressure.h"

static struct mlab_group *mlab_lru_group(struct mlab_lru *lru)
{
	return container_of(lru, struct mlab_group, lru);
}

static struct mlab_lru *mlab_pressure_next(const struct mlab_reclaim_ctl *ctl,
					   struct mlab_lru *root,
					   struct mlab_lru *pos)
{
	struct mlab_group *g;

	if (!pos)
		return root;
	g = mlab_group_walk_next(mlab_lru_group(pos), mlab_lru_group(root));
	return g ? &g->lru : NULL;
}

static void mlab_pressure_lock(const struct mlab_reclaim_ctl *ctl)
{
	struct mlab_group *g = ctl->priv;

	mutex_lock(&g->hier->lock);
}

static void mlab_pressure_unlock(const struct mlab_reclaim_ctl *ctl)
{
	struct mlab_group *g = ctl->priv;

	mutex_unlock(&g->hier->lock);
}

static int mlab_pressure_try_charge(const struct mlab_reclaim_ctl *ctl,
				    unsigned long nr_pages,
				    struct mlab_lru **over,
				    struct mlab_counter **limit)
{
	struct mlab_group *lim = NULL;
	int err;

	err = mlab_group_try_charge(ctl->priv, nr_pages, false, &lim, limit);
	if (lim)
		*over = &lim->lru;
	return err;
}

/* Reclaimed pages leave the counter and the group's owned pages. */
static void mlab_pressure_evicted(const struct mlab_reclaim_ctl *ctl,
				  struct mlab_lru *lru, unsigned long nr_pages)
{
	struct mlab_group *g = mlab_lru_group(lru);
	struct mlab_group_pcpu *pc;

	mlab_policy_uncharge(g->hier->policy, &g->counter, nr_pages);
	mlab_swap_uncharge_memsw(g, nr_pages);
	pc = get_cpu_ptr(g->pcpu);
	pc->owned -= nr_pages;
	put_cpu_ptr(g->pcpu);
}

static unsigned long mlab_pressure_swap_room(const struct mlab_reclaim_ctl *ctl,
					     struct mlab_lru *lru)
{
	return mlab_swap_room(mlab_lru_group(lru));
}

static unsigned long
mlab_pressure_swap_reserve(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *lru, unsigned long nr_pages)
{
	return mlab_swap_reserve(mlab_lru_group(lru), nr_pages);
}

/* Swapped-out pages leave memory (not memsw) and the owned pages. */
static void mlab_pressure_swapped(const struct mlab_reclaim_ctl *ctl,
				  struct mlab_lru *lru,
				  unsigned long nr_swapped,
				  unsigned long nr_reserved)
{
	struct mlab_group *g = mlab_lru_group(lru);
	struct mlab_group_pcpu *pc;

	if (nr_swapped) {
		mlab_policy_uncharge(g->hier->policy, &g->counter, nr_swapped);
		pc = get_cpu_ptr(g->pcpu);
		pc->owned -= nr_swapped;
		put_cpu_ptr(g->pcpu);
	}
	mlab_swap_commit(g, nr_swapped, nr_reserved);
}

static int mlab_pressure_swappiness(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru)
{
	return mlab_swap_swappiness(mlab_lru_group(lru));
}

static void mlab_pressure_low_event(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru)
{
	struct mlab_group *g = mlab_lru_group(lru);

	mlab_group_event(g, MLAB_EVENT_LOW, READ_ONCE(g->counter.low));
}

static const struct mlab_reclaim_ops mlab_pressure_ops = {
	.next		= mlab_pressure_next,
	.lock		= mlab_pressure_lock,
	.unlock		= mlab_pressure_unlock,
	.try_charge	= mlab_pressure_try_charge,
	.evicted	= mlab_pressure_evicted,
	.low_event	= mlab_pressure_low_event,
	.swap_room	= mlab_pressure_swap_room,
	.swap_reserve	= mlab_pressure_swap_reserve,
	.swapped	= mlab_pressure_swapped,
	.swappiness	= mlab_pressure_swappiness,
};

static void mlab_pressure_ctl(struct mlab_reclaim_ctl *ctl,
			      struct mlab_group *g, bool locked)
{
	ctl->ops = &mlab_pressure_ops;
	ctl->priv = g;
	ctl->policy = g->hier->policy;
	ctl->mode = READ_ONCE(g->hier->reclaim);
	ctl->recursiveprot = g->hier->recursiveprot;
	ctl->locked = locked;
	ctl->may_swap = true;
	ctl->swappiness = MLAB_SWAPPINESS_GROUP;
}

/**
 * mlab_group_charge_reclaim - charge with reclaim and retries
 * @g: the group
 * @nr_pages: how many pages
 * @over: set to the limiting group when the charge fails with -ENOMEM
 *
 * Context: process context, may sleep; not under the hierarchy lock.
 * Return: 0, -ENOMEM.
 */
int mlab_group_charge_reclaim(struct mlab_group *g, unsigned long nr_pages,
			      struct mlab_group **over)
{
	struct mlab_lru *limiting = NULL;
	struct mlab_reclaim_ctl ctl;
	int err;

	mlab_pressure_ctl(&ctl, g, false);
	err = mlab_reclaim_charge(&ctl, nr_pages, &limiting);
	if (err == -ENOMEM && limiting)
		*over = mlab_lru_group(limiting);
	return err;
}

/**
 * mlab_reclaim_high - reclaim toward memory.high
 * @g: the charged group
 * @nr_pages: how much to try to reclaim at each level
 *
 * reclaim_high(): every level from @g up (the root excepted) that is over
 * its memory.high gives back up to @nr_pages from its subtree.
 *
 * Context: process context, may sleep; not under the hierarchy lock.
 * Return: pages reclaimed.
 */
unsigned long mlab_reclaim_high(struct mlab_group *g, unsigned long nr_pages)
{
	struct mlab_reclaim_ctl ctl;
	unsigned long done = 0;

	for (; g && !mlab_group_is_root(g); g = g->parent) {
		if (mlab_counter_read(&g->counter) <= READ_ONCE(g->counter.high))
			continue;
		mlab_pressure_ctl(&ctl, g, false);
		done += mlab_reclaim_pages(&ctl, &g->lru, nr_pages);
	}
	return done;
}

/**
 * mlab_group_reclaim - reclaim from a group's subtree (memory.reclaim)
 * @g: the group (the root is allowed)
 * @nr_pages: how many pages
 * @swappiness: memory.reclaim's swappiness= (0..200 or
 *	MLAB_SWAPPINESS_ANON_ONLY), or MLAB_SWAPPINESS_GROUP
 *
 * Context: process context, may sleep.
 * Return: 0, -EAGAIN (could not reclaim that much), -EINTR, -ENODEV.
 */
int mlab_group_reclaim(struct mlab_group *g, unsigned long nr_pages,
		       int swappiness)
{
	struct mlab_reclaim_ctl ctl;

	if (READ_ONCE(g->dead))
		return -ENODEV;
	mlab_pressure_ctl(&ctl, g, false);
	ctl.swappiness = swappiness;
	return mlab_reclaim_proactive(&ctl, &g->lru, nr_pages);
}

/**
 * mlab_group_reclaim_locked - one reclaim call under the hierarchy lock
 * @g: the group
 * @nr_pages: how many pages to aim for
 * @may_swap: whether anon pages may be swapped out
 *
 * Context: process context, may sleep; the caller holds the hierarchy lock.
 * Return: pages reclaimed.
 */
unsigned long mlab_group_reclaim_locked(struct mlab_group *g,
					unsigned long nr_pages, bool may_swap)
{
	struct mlab_reclaim_ctl ctl;

	lockdep_assert_held(&g->hier->lock);
	mlab_pressure_ctl(&ctl, g, true);
	ctl.may_swap = may_swap;
	return mlab_reclaim_pages(&ctl, &g->lru, nr_pages);
}

/**
 * mlab_group_force_empty - reclaim all a group can give (v1 force_empty)
 * @g: the group
 *
 * Context: process context, may sleep.
 * Return: 0 (even if pages remain), -EINVAL on the root, -EINTR, -ENODEV.
 */
int mlab_group_force_empty(struct mlab_group *g)
{
	struct mlab_reclaim_ctl ctl;

	if (mlab_group_is_root(g))
		return -EINVAL;
	if (READ_ONCE(g->dead))
		return -ENODEV;
	mlab_pressure_ctl(&ctl, g, false);
	return mlab_reclaim_empty(&ctl, &g->lru);
}

/**
 * mlab_group_reclaim_to_limit - reclaim a group below a limit
 * @g: the group
 * @limit: in pages
 *
 * Context: process context, may sleep; the caller holds the hierarchy lock.
 * Return: true when usage fits @limit.
 */
bool mlab_group_reclaim_to_limit(struct mlab_group *g, unsigned long limit)
{
	struct mlab_reclaim_ctl ctl;

	lockdep_assert_held(&g->hier->lock);
	mlab_pressure_ctl(&ctl, g, true);
	return mlab_reclaim_to_limit(&ctl, &g->lru, limit);
}

/**
 * mlab_group_resize_max - set a v1 limit, reclaiming what is in the way
 * @g: the group
 * @max: in pages
 *
 * Context: process context, may sleep; the caller holds the hierarchy lock.
 * Return: 0, -EBUSY (usage stays above; limit unchanged), -EINTR.
 */
int mlab_group_resize_max(struct mlab_group *g, unsigned long max)
{
	struct mlab_reclaim_ctl ctl;

	lockdep_assert_held(&g->hier->lock);
	mlab_pressure_ctl(&ctl, g, true);
	return mlab_reclaim_resize_max(&ctl, &g->lru, max);
}

static void mlab_lru_stat_add(struct mlab_group *g, struct mlab_lru_stat *st)
{
	st->file += mlab_lru_file(&g->lru);
	st->pgscan += atomic_long_read(&g->lru.pgscan);
	st->pgsteal += atomic_long_read(&g->lru.pgsteal);
}

/**
 * mlab_group_lru_stat - file pages and reclaim counts
 * @g: the group
 * @subtree: sum over the live subtree
 * @st: zeroed and filled in
 *
 * Context: process context, may sleep.
 */
void mlab_group_lru_stat(struct mlab_group *g, bool subtree,
			 struct mlab_lru_stat *st)
{
	struct mlab_group *pos;

	memset(st, 0, sizeof(*st));
	if (!subtree) {
		mlab_lru_stat_add(g, st);
		return;
	}
	mutex_lock(&g->hier->lock);
	for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
		mlab_lru_stat_add(pos, st);
	mutex_unlock(&g->hier->lock);
}
