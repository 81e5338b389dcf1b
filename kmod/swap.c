// SPDX-License-Identifier: GPL-2.0
/*
 * swap.c - the simulated swap device of a hierarchy and the swap
 * accounting of its groups (mm/memcontrol.c: __mem_cgroup_try_charge_swap(),
 * __mem_cgroup_uncharge_swap(), mem_cgroup_get_nr_swap_pages(), the v1
 * memsw counter of try_charge_memcg() and mem_cgroup_resize_max()).
 *
 * Reclaim (reclaim.c through pressure.c) reserves swap for the anon pages
 * it is about to swap out, commits what it swapped and gives back the rest;
 * an owner that frees swapped-out pages gives their swap back.
 */
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include "group.h"
#include "pressure.h"

/* Keep in step with enum mlab_swap_event. */
const char * const mlab_swap_event_names[MLAB_NR_SWAP_EVENTS] = {
	[MLAB_SWAP_EVENT_HIGH]	= "high",
	[MLAB_SWAP_EVENT_MAX]	= "max",
	[MLAB_SWAP_EVENT_FAIL]	= "fail",
};

/**
 * mlab_swap_dev_init - set up a hierarchy's swap device
 * @dev: the device
 * @nr_pages: its size (0: no swap)
 *
 * Context: any context.
 */
void mlab_swap_dev_init(struct mlab_swap_dev *dev, unsigned long nr_pages)
{
	dev->total = nr_pages;
	atomic_long_set(&dev->used, 0);
}

/**
 * mlab_swap_dev_resize - change the size of a hierarchy's swap device
 * @h: the hierarchy
 * @nr_pages: the new size (0: no swap)
 *
 * Growing is swapon of more space; shrinking below the slots in use would
 * need a swapoff that brings pages back in, which the lab does not model.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY when more than @nr_pages slots are in use.
 */
int mlab_swap_dev_resize(struct mlab_hier *h, unsigned long nr_pages)
{
	int err = 0;

	/* Reclaim reserves slots under the hierarchy lock. */
	mutex_lock(&h->lock);
	if (atomic_long_read(&h->swap.used) > nr_pages)
		err = -EBUSY;
	else
		WRITE_ONCE(h->swap.total, nr_pages);
	mutex_unlock(&h->lock);
	return err;
}

/**
 * mlab_swap_group_init - set up a new group's swap accounting
 * @g: the group
 * @parent: its parent, NULL for the root
 *
 * As mem_cgroup_css_alloc(): swap.max and swap.high unlimited, and the
 * swappiness inherited from the parent (the mount's 60 for the root).
 *
 * Context: any context.
 */
void mlab_swap_group_init(struct mlab_group *g, struct mlab_group *parent)
{
	struct mlab_swap_group *s = &g->swap;
	int i;

	mlab_counter_init(&s->counter, parent ? &parent->swap.counter : NULL,
			  true);
	mlab_counter_set_high(&s->counter, MLAB_COUNTER_MAX);
	atomic_long_set(&s->swapped, 0);
	for (i = 0; i < MLAB_NR_SWAP_EVENTS; i++)
		atomic_long_set(&s->events[i], 0);
	s->swappiness = parent ? READ_ONCE(parent->swap.swappiness) :
				 MLAB_DEFAULT_SWAPPINESS;
}

/**
 * mlab_swap_event - count swap events as memcg_memory_event() does
 * @g: where they happened
 * @event: which
 * @n: how many
 *
 * At the group and (v2) every ancestor below the root.
 *
 * Context: any context.
 */
void mlab_swap_event(struct mlab_group *g, enum mlab_swap_event event,
		     unsigned long n)
{
	struct mlab_group *pos;

	if (!n)
		return;
	for (pos = g; pos; pos = mlab_event_next(pos))
		atomic_long_add(n, &pos->swap.events[event]);
}

/**
 * mlab_swap_charge_memsw - v1: charge memory+swap along with memory
 * @g: the group charged
 * @nr_pages: how many
 * @force: charge past the limits
 * @over: set to the group whose memsw limit refused the charge
 *
 * try_charge_memcg() charges memsw before memory; a refusal there counts
 * the memsw failcnt and means reclaim must not swap (swapping frees no
 * memsw).  Nothing to do in v2.
 *
 * Context: any context.
 * Return: 0, or -ENOMEM (refused; nothing charged).
 */
int mlab_swap_charge_memsw(struct mlab_group *g, unsigned long nr_pages,
			   bool force, struct mlab_group **over)
{
	struct mlab_counter *fail;

	if (!g->hier->v1)
		return 0;
	if (force) {
		mlab_counter_charge(&g->swap.counter, nr_pages);
		return 0;
	}
	if (mlab_counter_try_charge(&g->swap.counter, nr_pages, &fail))
		return 0;
	*over = container_of(fail, struct mlab_group, swap.counter);
	return -ENOMEM;
}

/**
 * mlab_swap_uncharge_memsw - v1: resident pages left memory for good
 * @g: the group
 * @nr_pages: how many
 *
 * Context: any context.
 */
void mlab_swap_uncharge_memsw(struct mlab_group *g, unsigned long nr_pages)
{
	if (g->hier->v1 && nr_pages)
		mlab_counter_uncharge(&g->swap.counter, nr_pages);
}

/**
 * mlab_swap_memsw_max - v1 memsw.limit_in_bytes
 * @g: the group
 *
 * Context: any context.
 * Return: the limit in pages.
 */
unsigned long mlab_swap_memsw_max(struct mlab_group *g)
{
	return READ_ONCE(g->swap.counter.max);
}

static unsigned long mlab_swap_dev_free(struct mlab_hier *h)
{
	long free = READ_ONCE(h->swap.total) - atomic_long_read(&h->swap.used);

	return max(free, 0L);
}

/**
 * mlab_swap_room - how many pages of a group reclaim could swap out
 * @g: the group
 *
 * mem_cgroup_get_nr_swap_pages(): the free slots of the device and, in
 * v2, the room under swap.max at every level below the root.
 *
 * Context: any context.
 * Return: pages (racy against concurrent swap-outs).
 */
unsigned long mlab_swap_room(struct mlab_group *g)
{
	unsigned long room = mlab_swap_dev_free(g->hier), usage, max;

	if (g->hier->v1)
		return room;
	for (; g && !mlab_group_is_root(g); g = g->parent) {
		usage = mlab_counter_read(&g->swap.counter);
		max = READ_ONCE(g->swap.counter.max);
		room = min(room, usage < max ? max - usage : 0);
	}
	return room;
}

/* Take up to @nr_pages device slots; the number taken. */
static unsigned long mlab_swap_dev_take(struct mlab_hier *h,
					unsigned long nr_pages)
{
	long used = atomic_long_add_return(nr_pages, &h->swap.used);
	long excess = used - (long)READ_ONCE(h->swap.total);

	if (excess <= 0)
		return nr_pages;
	excess = min_t(long, excess, nr_pages);
	atomic_long_sub(excess, &h->swap.used);
	return nr_pages - excess;
}

/* Charge up to @nr_pages to the v2 swap counter, a page at a time. */
static unsigned long mlab_swap_counter_take(struct mlab_group *g,
					    unsigned long nr_pages)
{
	struct mlab_counter *fail;
	unsigned long nr;

	if (mlab_counter_try_charge(&g->swap.counter, nr_pages, &fail))
		return nr_pages;
	for (nr = 0; nr < nr_pages; nr++)
		if (!mlab_counter_try_charge(&g->swap.counter, 1, &fail))
			break;
	return nr;
}

/**
 * mlab_swap_reserve - swap slots for pages about to be swapped out
 * @g: the group whose anon pages they are
 * @nr_pages: how many pages reclaim isolated
 *
 * folio_alloc_swap() for each page: a slot of the device, then (v2) a
 * charge to the group's swap counter.  A page without a slot counts a
 * swap "fail" event; a page the swap counter refuses counts "max" and
 * "fail" — at @g, not at the limiting ancestor, as the kernel does.
 * mlab_swap_commit() must follow.
 *
 * Context: under the hierarchy lock (reclaim).
 * Return: the pages reserved, at most @nr_pages.
 */
unsigned long mlab_swap_reserve(struct mlab_group *g, unsigned long nr_pages)
{
	struct mlab_hier *h = g->hier;
	unsigned long nr, charged;

	nr = mlab_swap_dev_take(h, nr_pages);
	if (!h->v1) {
		mlab_swap_event(g, MLAB_SWAP_EVENT_FAIL, nr_pages - nr);
		charged = nr ? mlab_swap_counter_take(g, nr) : 0;
		if (charged < nr) {
			atomic_long_sub(nr - charged, &h->swap.used);
			mlab_swap_event(g, MLAB_SWAP_EVENT_MAX, nr - charged);
			mlab_swap_event(g, MLAB_SWAP_EVENT_FAIL, nr - charged);
			nr = charged;
		}
	}
	return nr;
}

/**
 * mlab_swap_commit - account a swap-out
 * @g: the group
 * @nr_swapped: pages swapped out (they left the memory counter)
 * @nr_reserved: what mlab_swap_reserve() gave; the rest goes back
 *
 * Context: any context.
 */
void mlab_swap_commit(struct mlab_group *g, unsigned long nr_swapped,
		      unsigned long nr_reserved)
{
	unsigned long unused = nr_reserved - nr_swapped;

	if (unused) {
		atomic_long_sub(unused, &g->hier->swap.used);
		if (!g->hier->v1)
			mlab_counter_uncharge(&g->swap.counter, unused);
	}
	atomic_long_add(nr_swapped, &g->swap.swapped);
}

/**
 * mlab_swap_free - an owner freed swapped-out pages
 * @g: the group
 * @nr_pages: how many
 *
 * __mem_cgroup_uncharge_swap(): the slots and the swap (v2) or memsw (v1)
 * charge go back.
 *
 * Context: any context.
 */
void mlab_swap_free(struct mlab_group *g, unsigned long nr_pages)
{
	if (!nr_pages)
		return;
	mlab_counter_uncharge(&g->swap.counter, nr_pages);
	atomic_long_sub(nr_pages, &g->swap.swapped);
	atomic_long_sub(nr_pages, &g->hier->swap.used);
}

/**
 * mlab_swap_swappiness - the swappiness reclaim uses for a group
 * @g: the group
 *
 * mem_cgroup_swappiness(): v1 the group's own (the root's is the mount's
 * vm_swappiness); v2 always the mount's.
 *
 * Context: any context.
 * Return: 0..200.
 */
int mlab_swap_swappiness(struct mlab_group *g)
{
	if (!g->hier->v1)
		g = g->ancestors[0];
	return READ_ONCE(g->swap.swappiness);
}

/**
 * mlab_swap_over_high - is any level from @g up over memory.swap.high?
 * @g: the group
 *
 * Context: any context.
 * Return: true if so (never in v1, which has no swap.high).
 */
bool mlab_swap_over_high(struct mlab_group *g)
{
	if (g->hier->v1)
		return false;
	for (; g && !mlab_group_is_root(g); g = g->parent)
		if (mlab_counter_read(&g->swap.counter) >
		    READ_ONCE(g->swap.counter.high))
			return true;
	return false;
}

/**
 * mlab_swap_info - a snapshot of a group's swap accounting
 * @g: the group
 * @subtree: @info->swapped sums the live subtree
 * @info: filled in
 *
 * Context: process context, may sleep.
 */
void mlab_swap_info(struct mlab_group *g, bool subtree,
		    struct mlab_swap_info *info)
{
	struct mlab_counter *c = &g->swap.counter;
	struct mlab_group *pos;
	long swapped = 0;
	int i;

	memset(info, 0, sizeof(*info));
	info->usage = mlab_counter_read(c);
	info->max = READ_ONCE(c->max);
	info->high = READ_ONCE(c->high);
	info->watermark = READ_ONCE(c->watermark);
	info->local_watermark = READ_ONCE(c->local_watermark);
	info->failcnt = READ_ONCE(c->failcnt);
	info->hier_max = MLAB_COUNTER_MAX;
	for (pos = g; pos; pos = pos->parent)
		info->hier_max = min(info->hier_max,
				     READ_ONCE(pos->swap.counter.max));
	info->swappiness = mlab_swap_swappiness(g);
	for (i = 0; i < MLAB_NR_SWAP_EVENTS; i++)
		info->events[i] = atomic_long_read(&g->swap.events[i]);
	if (!subtree) {
		swapped = atomic_long_read(&g->swap.swapped);
	} else {
		mutex_lock(&g->hier->lock);
		for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
			swapped += atomic_long_read(&pos->swap.swapped);
		mutex_unlock(&g->hier->lock);
	}
	info->swapped = max(swapped, 0L);
}

/* mem_cgroup_resize_max() for memsw, under the hierarchy lock. */
static int mlab_swap_resize_memsw(struct mlab_group *g, unsigned long max)
{
	int err;

	/* The invariant memory.limit_in_bytes <= memsw.limit_in_bytes. */
	if (max < READ_ONCE(g->counter.max))
		return -EINVAL;
	for (;;) {
		err = mlab_counter_set_max(&g->swap.counter, max);
		if (err != -EBUSY)
			return err;
		if (signal_pending(current))
			return -EINTR;
		/* Only freeing pages lowers memsw: reclaim without swap. */
		if (!mlab_group_reclaim_locked(g, 1, false))
			return -EBUSY;
	}
}

/**
 * mlab_swap_set_max - memory.swap.max (v2) or memsw.limit_in_bytes (v1)
 * @g: the group
 * @nr_pages: the new limit
 *
 * v2 (swap_max_write()): set, nothing else; swap already in use stays.
 * v1 (mem_cgroup_resize_max()): EINVAL below the memory limit; while usage
 * is in the way reclaim page cache and try again, EBUSY when that frees
 * nothing.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (root, or v1 below memory.limit_in_bytes), -EBUSY,
 * -EINTR, -ENODEV.
 */
int mlab_swap_set_max(struct mlab_group *g, unsigned long nr_pages)
{
	struct mlab_hier *h = g->hier;
	int err = 0;

	if (mlab_group_is_root(g) || nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	mutex_lock(&h->lock);
	if (READ_ONCE(g->dead))
		err = -ENODEV;
	else if (h->v1)
		err = mlab_swap_resize_memsw(g, nr_pages);
	else
		mlab_counter_xchg_max(&g->swap.counter, nr_pages);
	mutex_unlock(&h->lock);
	if (!err && h->v1)
		mlab_oom_recover();
	return err;
}

/**
 * mlab_swap_set_high - memory.swap.high
 * @g: the group
 * @nr_pages: the new value
 *
 * swap_high_write(): set; the throttling happens on later charges.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (root or v1), -ENODEV.
 */
int mlab_swap_set_high(struct mlab_group *g, unsigned long nr_pages)
{
	if (mlab_group_is_root(g) || g->hier->v1 ||
	    nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	if (READ_ONCE(g->dead))
		return -ENODEV;
	mlab_counter_set_high(&g->swap.counter, nr_pages);
	return 0;
}

/**
 * mlab_swap_set_swappiness - v1 memory.swappiness
 * @g: the group (the root sets the mount's vm_swappiness)
 * @val: the value written
 *
 * Context: any context.
 * Return: 0, -EINVAL (above 200, or v2), -ENODEV.
 */
int mlab_swap_set_swappiness(struct mlab_group *g, unsigned long long val)
{
	if (val > MLAB_MAX_SWAPPINESS || !g->hier->v1)
		return -EINVAL;
	if (READ_ONCE(g->dead))
		return -ENODEV;
	WRITE_ONCE(g->swap.swappiness, val);
	return 0;
}

/**
 * mlab_swap_reset - v1 memsw.max_usage_in_bytes or memsw.failcnt write
 * @g: the group
 * @failcnt: zero the failcnt; else reset the watermark to the usage
 *
 * Context: process context, may sleep.
 * Return: 0, -ENODEV.
 */
int mlab_swap_reset(struct mlab_group *g, bool failcnt)
{
	int err = 0;

	mutex_lock(&g->hier->lock);
	if (READ_ONCE(g->dead))
		err = -ENODEV;
	else if (failcnt)
		mlab_counter_reset_failcnt(&g->swap.counter);
	else
		mlab_counter_reset_watermark(&g->swap.counter);
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_swap_reset_local_watermark - a memory.swap.peak write (6.12)
 * @g: the group
 *
 * Context: process context, may sleep.
 * Return: 0, -ENODEV.
 */
int mlab_swap_reset_local_watermark(struct mlab_group *g)
{
	int err = 0;

	mutex_lock(&g->hier->lock);
	if (READ_ONCE(g->dead))
		err = -ENODEV;
	else
		mlab_counter_reset_local_watermark(&g->swap.counter);
	mutex_unlock(&g->hier->lock);
	return err;
}
