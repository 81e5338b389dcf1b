// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim.c - simulated reclaim of page cache under memory cgroup limits
 *
 * A model of the kernel's memcg reclaim path: try_charge_memcg()'s retry
 * loop, try_to_free_mem_cgroup_pages() scanning at falling priorities,
 * shrink_node_memcgs() with its memory.min/low skips and second pass, and
 * get_scan_count()'s proportional pressure.  Every scanned file page is
 * clean and unmapped page cache, so scanned pages are reclaimed.  See
 * docs/reclaim.md for what is modelled and what is not.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>

#include "reclaim.h"

/* Keep in step with enum mlab_reclaim_mode. */
const char * const mlab_reclaim_mode_names[MLAB_NR_RECLAIM_MODES] = {
	[MLAB_RECLAIM_LRU]	= "lru",
	[MLAB_RECLAIM_MGLRU]	= "mglru",
};

/* Keep in step with enum mlab_charge_type. */
const char * const mlab_charge_type_names[MLAB_NR_CHARGE_TYPES] = {
	[MLAB_CHARGE_ANON]	= "anon",
	[MLAB_CHARGE_FILE]	= "file",
};

/* One reclaim request: the kernel's struct scan_control, cut down. */
struct mlab_scan_control {
	struct mlab_lru *target;
	unsigned long nr_to_reclaim;
	unsigned long nr_reclaimed;
	int priority;
	bool low_reclaim;	/* second pass: memory.low may be breached */
	bool low_skipped;	/* the first pass left low-protected pages */
};

/**
 * mlab_lru_init - prepare a group's LRU
 * @lru: the LRU
 * @counter: the group's counter
 *
 * Context: any context.
 */
void mlab_lru_init(struct mlab_lru *lru, struct mlab_counter *counter)
{
	spin_lock_init(&lru->lock);
	INIT_LIST_HEAD(&lru->entries);
	lru->nr_file = 0;
	atomic_long_set(&lru->pgscan, 0);
	atomic_long_set(&lru->pgsteal, 0);
	lru->counter = counter;
}

/**
 * mlab_lru_entry_init - prepare a holder's entry
 * @e: the entry
 *
 * Context: any context.
 */
void mlab_lru_entry_init(struct mlab_lru_entry *e)
{
	INIT_LIST_HEAD(&e->node);
	e->nr_pages = 0;
}

/**
 * mlab_lru_add - put freshly charged file pages on a group's LRU
 * @lru: the group's LRU
 * @e: the holder's entry
 * @nr_pages: how many (already charged to the group)
 *
 * The entry becomes the youngest.
 *
 * Context: any context but hard interrupt.
 */
void mlab_lru_add(struct mlab_lru *lru, struct mlab_lru_entry *e,
		  unsigned long nr_pages)
{
	spin_lock(&lru->lock);
	e->nr_pages += nr_pages;
	lru->nr_file += nr_pages;
	list_move_tail(&e->node, &lru->entries);
	spin_unlock(&lru->lock);
}

/**
 * mlab_lru_remove - take a holder's file pages off the LRU
 * @lru: the group's LRU
 * @e: the holder's entry
 * @nr_pages: at most this many; ULONG_MAX for all
 *
 * Reclaim may have taken some of the holder's pages already: only what is
 * still resident comes off.  The caller uncharges what this returns.
 *
 * Context: any context but hard interrupt.
 * Return: the pages removed, at most @nr_pages.
 */
unsigned long mlab_lru_remove(struct mlab_lru *lru, struct mlab_lru_entry *e,
			      unsigned long nr_pages)
{
	unsigned long nr;

	spin_lock(&lru->lock);
	nr = min(nr_pages, e->nr_pages);
	e->nr_pages -= nr;
	lru->nr_file -= nr;
	if (!e->nr_pages)
		list_del_init(&e->node);
	spin_unlock(&lru->lock);
	return nr;
}

/**
 * mlab_lru_entry_pages - a holder's resident file pages
 * @lru: the group's LRU
 * @e: the holder's entry
 *
 * Context: any context but hard interrupt.
 * Return: the count.
 */
unsigned long mlab_lru_entry_pages(struct mlab_lru *lru,
				   struct mlab_lru_entry *e)
{
	unsigned long nr;

	spin_lock(&lru->lock);
	nr = e->nr_pages;
	spin_unlock(&lru->lock);
	return nr;
}

/* Evict up to @nr_pages of @lru's file pages, oldest holder first. */
static unsigned long mlab_lru_evict(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru,
				    unsigned long nr_pages)
{
	struct mlab_lru_entry *e, *tmp;
	unsigned long left = nr_pages, nr;

	spin_lock(&lru->lock);
	list_for_each_entry_safe(e, tmp, &lru->entries, node) {
		if (!left)
			break;
		nr = min(left, e->nr_pages);
		e->nr_pages -= nr;
		left -= nr;
		if (!e->nr_pages)
			list_del_init(&e->node);
	}
	nr = nr_pages - left;
	lru->nr_file -= nr;
	spin_unlock(&lru->lock);

	atomic_long_add(nr, &lru->pgscan);
	atomic_long_add(nr, &lru->pgsteal);
	if (nr)
		ctl->ops->evicted(ctl, lru, nr);
	return nr;
}

/*
 * get_scan_count() for the file LRU: how many pages of @lru to scan at this
 * priority.  Classic LRU scales the pressure on a group with protection by
 * the share of its usage that is unprotected; 6.12's MGLRU does not (its
 * protection is only the below-min/below-low skip).
 */
static unsigned long mlab_scan_count(const struct mlab_reclaim_ctl *ctl,
				     struct mlab_scan_control *sc,
				     struct mlab_lru *lru)
{
	unsigned long size = mlab_lru_file(lru);
	unsigned long min = 0, low = 0, protection, usage, scan;

	if (lru != sc->target) {
		min = mlab_counter_emin(lru->counter);
		low = mlab_counter_elow(lru->counter);
	}
	if (ctl->mode == MLAB_RECLAIM_MGLRU || (!min && !low))
		return size >> sc->priority;

	if (!sc->low_reclaim && low > min) {
		protection = low;
		sc->low_skipped = true;
	} else {
		protection = min;
	}
	usage = max(mlab_counter_read(lru->counter), protection);
	scan = size - mul_u64_u64_div_u64(size, protection, (u64)usage + 1);
	scan = max(scan, MLAB_SWAP_CLUSTER_MAX);
	return scan >> sc->priority;
}

/*
 * shrink_lruvec(): scan in SWAP_CLUSTER_MAX batches; with only the file
 * list to scan, stop once this group alone gave nr_to_reclaim.
 */
static void mlab_shrink_lru(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_scan_control *sc,
			    struct mlab_lru *lru)
{
	unsigned long scan = mlab_scan_count(ctl, sc, lru);
	unsigned long reclaimed = 0, batch, nr;

	while (scan) {
		batch = min(scan, MLAB_SWAP_CLUSTER_MAX);
		scan -= batch;
		nr = mlab_lru_evict(ctl, lru, batch);
		reclaimed += nr;
		if (nr < batch || reclaimed >= sc->nr_to_reclaim)
			break;
	}
	sc->nr_reclaimed += reclaimed;
}

/*
 * shrink_node_memcgs(): every group under the target, effective protection
 * recomputed from the target down as the walk reaches each group.
 */
static void mlab_shrink_node(const struct mlab_reclaim_ctl *ctl,
			     struct mlab_scan_control *sc)
{
	struct mlab_lru *root = sc->target, *pos = NULL;
	struct mlab_counter *c;
	unsigned long usage;

	while ((pos = ctl->ops->next(ctl, root, pos))) {
		c = pos->counter;
		mlab_counter_calculate_protection(root->counter, c,
						  ctl->recursiveprot);
		if (pos != root && c->parent) {
			usage = mlab_counter_read(c);
			if (mlab_counter_emin(c) >= usage)
				continue;
			if (mlab_counter_elow(c) >= usage) {
				if (!sc->low_reclaim) {
					sc->low_skipped = true;
					continue;
				}
				ctl->ops->low_event(ctl, pos);
			}
		}
		mlab_shrink_lru(ctl, sc, pos);
	}
}

/**
 * mlab_reclaim_pages - reclaim from a group's subtree
 * @ctl: the request
 * @target: the group under pressure
 * @nr_pages: pages wanted (at least SWAP_CLUSTER_MAX are aimed for)
 *
 * try_to_free_mem_cgroup_pages(): walk the subtree once per priority from
 * 12 down to 0 until enough is reclaimed; if nothing was and groups under
 * their memory.low were skipped, walk again breaching low (each such group
 * counts a low event every time it is visited).  Groups under memory.min
 * are never touched.
 *
 * Context: process context, may sleep (takes @ctl->ops->lock unless
 * @ctl->locked).
 * Return: the pages reclaimed.
 */
unsigned long mlab_reclaim_pages(const struct mlab_reclaim_ctl *ctl,
				 struct mlab_lru *target,
				 unsigned long nr_pages)
{
	struct mlab_scan_control sc = {
		.target = target,
		.nr_to_reclaim = max(nr_pages, MLAB_SWAP_CLUSTER_MAX),
	};

	if (!ctl->locked)
		ctl->ops->lock(ctl);
	for (;;) {
		for (sc.priority = MLAB_DEF_PRIORITY; sc.priority >= 0;
		     sc.priority--) {
			mlab_shrink_node(ctl, &sc);
			if (sc.nr_reclaimed >= sc.nr_to_reclaim)
				break;
		}
		if (sc.nr_reclaimed || !sc.low_skipped || sc.low_reclaim)
			break;
		sc.low_reclaim = true;
		sc.low_skipped = false;
	}
	if (!ctl->locked)
		ctl->ops->unlock(ctl);
	return sc.nr_reclaimed;
}

static unsigned long mlab_margin(struct mlab_lru *lru)
{
	unsigned long usage = mlab_counter_read(lru->counter);
	unsigned long max = READ_ONCE(lru->counter->max);

	return usage < max ? max - usage : 0;
}

/*
 * What one failed attempt reclaims.  The kernel charges a large allocation
 * a page (or a batch) at a time and reclaims SWAP_CLUSTER_MAX pages per
 * fault that does not fit; a lab charge is one request, so it reclaims in
 * those steps until the charge fits or a step frees nothing.
 */
static unsigned long mlab_reclaim_for_charge(const struct mlab_reclaim_ctl *ctl,
					     struct mlab_lru *over,
					     unsigned long nr_pages)
{
	unsigned long total = 0, nr;

	do {
		nr = mlab_reclaim_pages(ctl, over,
					min(nr_pages, MLAB_SWAP_CLUSTER_MAX));
		total += nr;
		cond_resched();
	} while (nr && mlab_margin(over) < nr_pages &&
		 !fatal_signal_pending(current));
	return total;
}

/**
 * mlab_reclaim_charge - charge, reclaiming when a limit refuses
 * @ctl: the request (@ctl->ops->try_charge charges the group)
 * @nr_pages: how many pages
 * @limiting: set to the group whose limit refused the last attempt, when
 *	the charge fails with -ENOMEM (may be NULL)
 *
 * try_charge_memcg(): every refused attempt counts failcnt and a max event
 * at the limiting group (in @try_charge), then reclaims from that group's
 * subtree and retries.  Policy stocks are drained once; a small charge
 * (at most 8 pages) retries for as long as reclaim makes progress; after
 * MAX_RECLAIM_RETRIES further attempts the charge fails.
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOMEM when the charge does not fit after reclaim; another
 * error from @try_charge.
 */
int mlab_reclaim_charge(const struct mlab_reclaim_ctl *ctl,
			unsigned long nr_pages, struct mlab_lru **limiting)
{
	int retries = MLAB_MAX_RECLAIM_RETRIES;
	unsigned long reclaimed;
	struct mlab_lru *over;
	bool drained = false;
	int err;

retry:
	over = NULL;
	err = ctl->ops->try_charge(ctl, nr_pages, &over);
	if (err != -ENOMEM || !over)
		return err;
	if (fatal_signal_pending(current))
		return -ENOMEM;
	reclaimed = mlab_reclaim_for_charge(ctl, over, nr_pages);
	if (mlab_margin(over) >= nr_pages)
		goto retry;
	if (!drained) {
		/* drain_all_stock(mem_over_limit): the limiting subtree's stock */
		mlab_policy_drain(ctl->policy, over->counter);
		drained = true;
		goto retry;
	}
	if (reclaimed && nr_pages <= MLAB_COSTLY_PAGES)
		goto retry;
	if (retries--)
		goto retry;
	if (limiting)
		*limiting = over;
	return -ENOMEM;
}

/**
 * mlab_reclaim_proactive - memory.reclaim
 * @ctl: the request
 * @target: the group
 * @nr_pages: how many pages to reclaim
 *
 * memory_reclaim(): ask for what is still missing until it is reclaimed;
 * MAX_RECLAIM_RETRIES calls that free nothing are forgiven, the next one
 * fails.
 *
 * Context: process context, may sleep.
 * Return: 0, -EAGAIN (not enough could be reclaimed), -EINTR (signal).
 */
int mlab_reclaim_proactive(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *target, unsigned long nr_pages)
{
	unsigned int retries = MLAB_MAX_RECLAIM_RETRIES;
	unsigned long reclaimed, done = 0;

	while (done < nr_pages) {
		if (signal_pending(current))
			return -EINTR;
		reclaimed = mlab_reclaim_pages(ctl, target, nr_pages - done);
		if (!reclaimed && !retries--)
			return -EAGAIN;
		done += reclaimed;
	}
	return 0;
}

/**
 * mlab_reclaim_to_limit - reclaim a group down to a new limit
 * @ctl: the request
 * @target: the group
 * @limit: the limit in pages
 *
 * The reclaim half of v2 memory_max_write(): drain the subtree's stocks
 * once, then reclaim the excess until usage fits; MAX_RECLAIM_RETRIES
 * calls that free nothing end it.
 *
 * Context: process context, may sleep.
 * Return: true when usage is at or below @limit.
 */
bool mlab_reclaim_to_limit(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *target, unsigned long limit)
{
	unsigned int retries = MLAB_MAX_RECLAIM_RETRIES;
	bool drained = false;
	unsigned long usage;

	for (;;) {
		usage = mlab_counter_read(target->counter);
		if (usage <= limit)
			return true;
		if (signal_pending(current))
			return false;
		if (!drained) {
			mlab_policy_drain(ctl->policy, target->counter);
			drained = true;
			continue;
		}
		if (!retries)
			return false;
		if (!mlab_reclaim_pages(ctl, target, usage - limit))
			retries--;
	}
}

/**
 * mlab_reclaim_resize_max - v1 memory.limit_in_bytes
 * @ctl: the request
 * @target: the group
 * @max: the new limit in pages
 *
 * mem_cgroup_resize_max(): try to set the limit (the policy drains its
 * stocks when usage is above it); while usage is in the way, reclaim and
 * try again; the first reclaim that frees nothing gives up.
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY (usage stays above @max; the limit is unchanged),
 * -EINTR (signal), or the policy's error.
 */
int mlab_reclaim_resize_max(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_lru *target, unsigned long max)
{
	int err;

	for (;;) {
		err = mlab_policy_set_max(ctl->policy, target->counter, max);
		if (err != -EBUSY)
			return err;
		if (signal_pending(current))
			return -EINTR;
		if (!mlab_reclaim_pages(ctl, target, 1))
			return -EBUSY;
	}
}

/**
 * mlab_reclaim_empty - v1 memory.force_empty
 * @ctl: the request
 * @target: the group
 *
 * mem_cgroup_force_empty(): drain stocks, then reclaim until the group is
 * empty; MAX_RECLAIM_RETRIES calls that free nothing end it.
 *
 * Context: process context, may sleep.
 * Return: 0 (whether or not the group is empty), -EINTR (signal).
 */
int mlab_reclaim_empty(const struct mlab_reclaim_ctl *ctl,
		       struct mlab_lru *target)
{
	unsigned int retries = MLAB_MAX_RECLAIM_RETRIES;

	mlab_policy_drain(ctl->policy, target->counter);
	while (retries && mlab_counter_read(target->counter)) {
		if (signal_pending(current))
			return -EINTR;
		if (!mlab_reclaim_pages(ctl, target, 1))
			retries--;
	}
	return 0;
}
