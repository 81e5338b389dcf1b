// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim.c - simulated reclaim of page cache under memory cgroup limits
 *
 * A model of the kernel's memcg reclaim path: try_charge_memcg()'s retry
 * loop, try_to_free_mem_cgroup_pages() scanning at falling priorities,
 * shrink_node_memcgs() with its memory.min/low skips and second pass, and
 * get_scan_count()'s proportional pressure and its anon/file balance.
 * Every scanned file page is clean and unmapped page cache, so scanned
 * pages are reclaimed; a scanned anon page is swapped out if it gets swap.
 * See docs/reclaim.md for what is modelled and what is not.
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
	bool cache_trim;	/* plenty of page cache: leave anon alone */
};

/* The two lists of a group, as the kernel's LRU_INACTIVE_ANON/FILE. */
enum { MLAB_LIST_ANON, MLAB_LIST_FILE, MLAB_NR_LISTS };

/* Evict up to @nr_pages of @lru's file pages, oldest holder first. */
static unsigned long mlab_lru_evict(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru,
				    unsigned long nr_pages)
{
	unsigned long nr;

	nr = mlab_lru_isolate(lru, &lru->entries, &lru->nr_file, nr_pages);
	atomic_long_add(nr, &lru->pgscan);
	atomic_long_add(nr, &lru->pgsteal);
	if (nr)
		ctl->ops->evicted(ctl, lru, nr);
	return nr;
}

/*
 * Swap out up to @nr_pages of @lru's anon pages, oldest holder first:
 * every page scanned asks for swap (shrink_folio_list()'s add_to_swap());
 * those that get none stay.  Swap is reserved before the pages leave the
 * list, so an owner that frees them meanwhile finds them charged to swap.
 */
static unsigned long mlab_lru_swap(const struct mlab_reclaim_ctl *ctl,
				   struct mlab_lru *lru,
				   unsigned long nr_pages)
{
	unsigned long scan = min(nr_pages, mlab_lru_anon(lru));
	unsigned long reserved, nr;

	if (!scan)
		return 0;
	reserved = ctl->ops->swap_reserve(ctl, lru, scan);
	nr = mlab_lru_isolate(lru, &lru->anon_entries, &lru->nr_anon,
			      reserved);
	ctl->ops->swapped(ctl, lru, nr, reserved);
	atomic_long_add(scan, &lru->pgscan);
	atomic_long_add(nr, &lru->pgsteal);
	return nr;
}

/* Can reclaim swap @lru's anon pages now (can_reclaim_anon_pages())? */
static bool mlab_may_swap(const struct mlab_reclaim_ctl *ctl,
			  struct mlab_lru *lru, unsigned long min_room)
{
	return ctl->may_swap && ctl->ops->swap_room && mlab_lru_anon(lru) &&
	       ctl->ops->swap_room(ctl, lru) >= min_room;
}

static int mlab_swappiness(const struct mlab_reclaim_ctl *ctl,
			   struct mlab_lru *lru)
{
	if (ctl->swappiness != MLAB_SWAPPINESS_GROUP)
		return ctl->swappiness;
	return ctl->ops->swappiness ? ctl->ops->swappiness(ctl, lru) : 0;
}

/*
 * get_scan_count()'s proportional pressure on one list: a group with
 * protection is scanned by the share of its usage that is unprotected
 * (classic LRU); 6.12's MGLRU does not scale (its protection is only the
 * below-min/below-low skip).
 */
static unsigned long mlab_scan_size(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_scan_control *sc,
				    struct mlab_lru *lru, unsigned long size)
{
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
 * get_scan_count() for the classic LRU: how many anon and file pages of
 * @lru to scan at this priority.  Anon only with swap room and a non-zero
 * swappiness; both lists alike at priority 0; file only while the target
 * has plenty of page cache (cache_trim_mode); otherwise split by
 * swappiness : 200 - swappiness (the kernel's refault cost feedback is not
 * modelled: both costs are taken as equal).
 */
static void mlab_scan_count(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_scan_control *sc, struct mlab_lru *lru,
			    unsigned long *nr)
{
	int swappiness = mlab_swappiness(ctl, lru);

	nr[MLAB_LIST_FILE] = mlab_scan_size(ctl, sc, lru, mlab_lru_file(lru));
	nr[MLAB_LIST_ANON] = 0;
	if (!swappiness || !mlab_may_swap(ctl, lru, 1))
		return;
	nr[MLAB_LIST_ANON] = mlab_scan_size(ctl, sc, lru, mlab_lru_anon(lru));
	if (swappiness == MLAB_SWAPPINESS_ANON_ONLY) {
		nr[MLAB_LIST_FILE] = 0;
	} else if (!sc->priority) {
		/* SCAN_EQUAL */
	} else if (sc->cache_trim) {
		nr[MLAB_LIST_ANON] = 0;
	} else {
		nr[MLAB_LIST_ANON] = nr[MLAB_LIST_ANON] * swappiness /
				     MLAB_SWAPPINESS_MAX;
		nr[MLAB_LIST_FILE] = nr[MLAB_LIST_FILE] *
				     (MLAB_SWAPPINESS_MAX - swappiness) /
				     MLAB_SWAPPINESS_MAX;
	}
}

static unsigned long mlab_scan_list(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru, int list,
				    unsigned long nr_pages)
{
	if (list == MLAB_LIST_ANON)
		return mlab_lru_swap(ctl, lru, nr_pages);
	return mlab_lru_evict(ctl, lru, nr_pages);
}

/*
 * shrink_lruvec() for the classic LRU: scan both lists in SWAP_CLUSTER_MAX
 * batches, anon first, until each is done or runs dry; stop once this group
 * alone gave nr_to_reclaim (the kernel then nudges the two lists towards
 * their proportion once more; the lab stops).
 */
static void mlab_shrink_lru_classic(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_scan_control *sc,
				    struct mlab_lru *lru)
{
	unsigned long nr[MLAB_NR_LISTS], reclaimed = 0, batch, got;
	int i;

	mlab_scan_count(ctl, sc, lru, nr);
	while (nr[MLAB_LIST_ANON] || nr[MLAB_LIST_FILE]) {
		for (i = 0; i < MLAB_NR_LISTS; i++) {
			if (!nr[i])
				continue;
			batch = min(nr[i], MLAB_SWAP_CLUSTER_MAX);
			nr[i] -= batch;
			got = mlab_scan_list(ctl, lru, i, batch);
			reclaimed += got;
			if (got < batch)
				nr[i] = 0;
		}
		if (reclaimed >= sc->nr_to_reclaim)
			break;
	}
	sc->nr_reclaimed += reclaimed;
}

/*
 * MGLRU (evict_folios() and isolate_folios()): scan (file + anon) >>
 * priority pages in batches, each from the type chosen first and from the
 * other when that gave nothing.  Anon needs at least MIN_LRU_BATCH slots of
 * swap room; swappiness 0 is file only, 200 anon first, "max" anon only,
 * anything else file first (with no refaults, the kernel's PID controller
 * always picks file).
 */
static void mlab_shrink_lru_mglru(const struct mlab_reclaim_ctl *ctl,
				  struct mlab_scan_control *sc,
				  struct mlab_lru *lru)
{
	int swappiness = mlab_swappiness(ctl, lru);
	int first = MLAB_LIST_FILE, second = -1;
	unsigned long scan, reclaimed = 0, batch, got;
	unsigned long size = mlab_lru_file(lru);

	if (swappiness && mlab_may_swap(ctl, lru, MLAB_MIN_LRU_BATCH)) {
		size += mlab_lru_anon(lru);
		if (swappiness == MLAB_SWAPPINESS_ANON_ONLY) {
			first = MLAB_LIST_ANON;
			size = mlab_lru_anon(lru);
		} else if (swappiness == MLAB_SWAPPINESS_MAX) {
			first = MLAB_LIST_ANON;
			second = MLAB_LIST_FILE;
		} else {
			second = MLAB_LIST_ANON;
		}
	}
	scan = mlab_scan_size(ctl, sc, lru, size);
	while (scan) {
		batch = min(scan, MLAB_SWAP_CLUSTER_MAX);
		scan -= batch;
		got = mlab_scan_list(ctl, lru, first, batch);
		if (!got && second >= 0)
			got = mlab_scan_list(ctl, lru, second, batch);
		reclaimed += got;
		if (!got || reclaimed >= sc->nr_to_reclaim)
			break;
	}
	sc->nr_reclaimed += reclaimed;
}

static void mlab_shrink_lru(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_scan_control *sc,
			    struct mlab_lru *lru)
{
	if (ctl->mode == MLAB_RECLAIM_MGLRU)
		mlab_shrink_lru_mglru(ctl, sc, lru);
	else
		mlab_shrink_lru_classic(ctl, sc, lru);
}

/*
 * prepare_scan_count(): with enough inactive page cache in the target's
 * subtree at this priority the classic LRU leaves anon alone.  In the lab
 * every file page is inactive and nothing refaults, so "enough" is any
 * after the priority shift.
 */
static bool mlab_cache_trim(const struct mlab_reclaim_ctl *ctl,
			    struct mlab_scan_control *sc)
{
	struct mlab_lru *pos = NULL;
	unsigned long file = 0;

	while ((pos = ctl->ops->next(ctl, sc->target, pos)))
		file += mlab_lru_file(pos);
	return file >> sc->priority;
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

	if (ctl->mode == MLAB_RECLAIM_LRU && ctl->may_swap)
		sc->cache_trim = mlab_cache_trim(ctl, sc);
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

static unsigned long mlab_margin(struct mlab_counter *c)
{
	unsigned long usage = mlab_counter_read(c);
	unsigned long max = READ_ONCE(c->max);

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
					     struct mlab_counter *limit,
					     unsigned long nr_pages)
{
	struct mlab_reclaim_ctl rctl = *ctl;
	unsigned long total = 0, nr;

	/* A memory+swap limit: swapping out would free nothing of it. */
	if (limit != over->counter)
		rctl.may_swap = false;
	do {
		nr = mlab_reclaim_pages(&rctl, over,
					min(nr_pages, MLAB_SWAP_CLUSTER_MAX));
		total += nr;
		cond_resched();
	} while (nr && mlab_margin(limit) < nr_pages &&
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
	struct mlab_counter *limit;
	struct mlab_lru *over;
	bool drained = false;
	int err;

retry:
	over = NULL;
	limit = NULL;
	err = ctl->ops->try_charge(ctl, nr_pages, &over, &limit);
	if (err != -ENOMEM || !over)
		return err;
	if (!limit)
		limit = over->counter;
	if (fatal_signal_pending(current))
		return -ENOMEM;
	reclaimed = mlab_reclaim_for_charge(ctl, over, limit, nr_pages);
	if (mlab_margin(limit) >= nr_pages)
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
