// SPDX-License-Identifier: GPL-2.0
/*
 * group_limit.c - writing a group's limits and protection, resets, the
 * tree limits and the v1 OOM setting.
 */
#include "group.h"
#include "pressure.h"
#include "trace.h"

/* Keep in step with enum mlab_limit. */
const char * const mlab_limit_names[MLAB_NR_LIMITS] = {
	[MLAB_LIMIT_MAX]	= "max",
	[MLAB_LIMIT_HIGH]	= "high",
	[MLAB_LIMIT_LOW]	= "low",
	[MLAB_LIMIT_MIN]	= "min",
	[MLAB_LIMIT_SOFT]	= "soft",
};

/* v2 memory.max: set, drain, reclaim, and if usage still exceeds it, "OOM". */
static void mlab_group_set_max_v2(struct mlab_group *g, unsigned long max)
{
	mlab_counter_xchg_max(&g->counter, max);
	if (mlab_counter_read(&g->counter) <= max)
		return;
	if (mlab_group_reclaim_to_limit(g, max))
		return;
	/* The kernel reclaims, then OOM-kills until usage fits. */
	mlab_oom_over_max(g, max);
}

/* v2 memory.high: set, then drain the subtree's stock if usage is above. */
static void mlab_group_set_high(struct mlab_group *g, unsigned long high)
{
	mlab_counter_set_high(&g->counter, high);
	if (mlab_counter_read(&g->counter) > high)
		mlab_policy_drain(g->hier->policy, &g->counter);
}

/**
 * mlab_group_set_limit - change a limit or protection
 * @g: the group
 * @which: which one
 * @nr_pages: the new value (MLAB_COUNTER_MAX for unlimited)
 *
 * The kernel's meaning for the hierarchy's flavour.  MAX on v1 refuses a
 * limit below what draining the stocks and reclaiming cannot bring usage
 * under (the limit is unchanged).  MAX on v2 sets the limit
 * unconditionally, drains the subtree's stock, reclaims, and while usage is
 * still above, counts an oom event and lets the OOM killer reap a victim
 * (one oom event when there is none or with oom=off).  Raising MAX wakes
 * chargers parked in a v1 OOM wait.  HIGH, LOW, MIN and SOFT set.  Only
 * SOFT may change on the root: v1 refuses the root's limit and v2 has no
 * such files there.
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY (v1 max below what cannot be given back), -EINVAL
 * (root, bad @which or value), -ENODEV (removed).
 */
int mlab_group_set_limit(struct mlab_group *g, enum mlab_limit which,
			 unsigned long nr_pages)
{
	struct mlab_hier *h = g->hier;
	unsigned long old;
	int err = 0;

	if (which >= MLAB_NR_LIMITS || nr_pages > MLAB_COUNTER_MAX)
		return -EINVAL;
	/* v1 allows a soft limit on the root; nothing else may change. */
	if (mlab_group_is_root(g) && which != MLAB_LIMIT_SOFT)
		return -EINVAL;
	mutex_lock(&h->lock);
	if (READ_ONCE(g->dead)) {
		err = -ENODEV;
		goto out;
	}
	switch (which) {
	case MLAB_LIMIT_MAX:
		old = READ_ONCE(g->counter.max);
		/* v1: memory.limit_in_bytes <= memsw.limit_in_bytes */
		if (h->v1 && nr_pages > mlab_swap_memsw_max(g))
			err = -EINVAL;
		else if (h->v1)
			err = mlab_group_resize_max(g, nr_pages);
		else
			mlab_group_set_max_v2(g, nr_pages);
		break;
	case MLAB_LIMIT_HIGH:
		old = READ_ONCE(g->counter.high);
		mlab_group_set_high(g, nr_pages);
		break;
	case MLAB_LIMIT_LOW:
		old = READ_ONCE(g->counter.low);
		mlab_counter_set_low(&g->counter, nr_pages);
		break;
	case MLAB_LIMIT_MIN:
		old = READ_ONCE(g->counter.min);
		mlab_counter_set_min(&g->counter, nr_pages);
		break;
	default:
		old = READ_ONCE(g->soft_limit);
		WRITE_ONCE(g->soft_limit, nr_pages);
		break;
	}
	if (!err)
		trace_mlab_limit(g, mlab_limit_names[which], old, nr_pages);
	if (!err && which == MLAB_LIMIT_MAX && nr_pages > old)
		mlab_oom_recover();
out:
	mutex_unlock(&h->lock);
	return err;
}

/**
 * mlab_group_reset - reset the watermark or the failure count
 * @g: the group
 * @what: which
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (bad @what), -ENODEV (removed).
 */
int mlab_group_reset(struct mlab_group *g, enum mlab_reset what)
{
	int err = 0;

	mutex_lock(&g->hier->lock);
	if (READ_ONCE(g->dead))
		err = -ENODEV;
	else if (what == MLAB_RESET_WATERMARK)
		mlab_counter_reset_watermark(&g->counter);
	else if (what == MLAB_RESET_FAILCNT)
		mlab_counter_reset_failcnt(&g->counter);
	else if (what == MLAB_RESET_LOCAL_WATERMARK)
		mlab_counter_reset_local_watermark(&g->counter);
	else
		err = -EINVAL;
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_group_set_tree_limit - cgroup.max.depth or cgroup.max.descendants
 * @g: the group
 * @which: which limit
 * @value: the new value, INT_MAX for "max"
 *
 * Groups that already exist stay; only later mkdirs are refused.
 *
 * Context: process context, may sleep.
 * Return: 0, -ERANGE (negative @value), -EINVAL (bad @which), -ENODEV
 * (removed).
 */
int mlab_group_set_tree_limit(struct mlab_group *g, enum mlab_tree_limit which,
			      int value)
{
	int err = 0;

	if (value < 0)
		return -ERANGE;
	mutex_lock(&g->hier->lock);
	if (g->dead)
		err = -ENODEV;
	else if (which == MLAB_TREE_MAX_DEPTH)
		WRITE_ONCE(g->max_depth, value);
	else if (which == MLAB_TREE_MAX_DESCENDANTS)
		WRITE_ONCE(g->max_descendants, value);
	else
		err = -EINVAL;
	mutex_unlock(&g->hier->lock);
	return err;
}

/**
 * mlab_group_set_oom_kill_disable - the v1 oom_control setting
 * @g: the group
 * @disable: the new value
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL on the root, -ENODEV (removed).
 */
int mlab_group_set_oom_kill_disable(struct mlab_group *g, bool disable)
{
	if (mlab_group_is_root(g))
		return -EINVAL;
	if (READ_ONCE(g->dead))
		return -ENODEV;
	WRITE_ONCE(g->oom_kill_disable, disable);
	if (!disable)
		mlab_oom_recover();
	return 0;
}
