// SPDX-License-Identifier: GPL-2.0
/*
 * group_stat.c - the read side of a group: usage, the binding limit,
 * operation counters, owned pages and the snapshot both front ends read.
 */
#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include "group.h"

static long mlab_group_owned_local(struct mlab_group *g)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(g->pcpu, cpu)->owned;
	return sum;
}

/**
 * mlab_group_usage - current usage
 * @g: the group
 *
 * Context: any context.
 * Return: pages charged to the group and its descendants.
 */
unsigned long mlab_group_usage(struct mlab_group *g)
{
	return mlab_counter_read(&g->counter);
}

/**
 * mlab_group_hier_max - the limit that binds a group
 * @g: the group
 *
 * Context: any context.
 * Return: the smallest max in pages on the path from @g to the root.
 */
unsigned long mlab_group_hier_max(struct mlab_group *g)
{
	unsigned long max = MLAB_COUNTER_MAX;

	for (; g; g = g->parent)
		max = min(max, READ_ONCE(g->counter.max));
	return max;
}

static void mlab_group_stats_add(struct mlab_group *g,
				 struct mlab_group_stats *sum)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mlab_group_stats *s = &per_cpu_ptr(g->pcpu, cpu)->stats;

		sum->charges += READ_ONCE(s->charges);
		sum->charged_pages += READ_ONCE(s->charged_pages);
		sum->uncharges += READ_ONCE(s->uncharges);
		sum->uncharged_pages += READ_ONCE(s->uncharged_pages);
		sum->fails += READ_ONCE(s->fails);
		sum->stock_hits += READ_ONCE(s->stock_hits);
	}
}

/**
 * mlab_group_stats_sum - operation counters of a group or its subtree
 * @g: the group
 * @subtree: include the live descendants
 * @sum: zeroed and filled in
 *
 * Context: process context, may sleep.
 */
void mlab_group_stats_sum(struct mlab_group *g, bool subtree,
			  struct mlab_group_stats *sum)
{
	struct mlab_group *pos;

	memset(sum, 0, sizeof(*sum));
	if (!subtree) {
		mlab_group_stats_add(g, sum);
		return;
	}
	mutex_lock(&g->hier->lock);
	for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
		mlab_group_stats_add(pos, sum);
	mutex_unlock(&g->hier->lock);
}

/**
 * mlab_group_owned_sum - pages held by charge owners
 * @g: the group
 * @subtree: include the live descendants
 *
 * Context: process context, may sleep.
 * Return: the pages held (racy against concurrent charges).
 */
unsigned long mlab_group_owned_sum(struct mlab_group *g, bool subtree)
{
	struct mlab_group *pos;
	long sum = 0;

	if (!subtree)
		return max(mlab_group_owned_local(g), 0L);
	mutex_lock(&g->hier->lock);
	for (pos = g; pos; pos = mlab_group_walk_next(pos, g))
		sum += mlab_group_owned_local(pos);
	mutex_unlock(&g->hier->lock);
	return max(sum, 0L);
}

/* Recompute emin/elow from the top down to @g; the caller holds the lock. */
static void mlab_group_update_protection(struct mlab_group *g)
{
	struct mlab_counter *root = &g->ancestors[0]->counter;
	int level;

	for (level = 1; level <= g->level; level++)
		mlab_counter_calculate_protection(root,
						  &g->ancestors[level]->counter,
						  g->hier->recursiveprot);
}

/**
 * mlab_group_info - take a snapshot of a group
 * @g: the group
 * @info: filled in (see struct mlab_group_info)
 *
 * Context: process context, may sleep.
 */
void mlab_group_info(struct mlab_group *g, struct mlab_group_info *info)
{
	struct mlab_hier *h = g->hier;
	struct mlab_counter *c = &g->counter;
	int i;

	memset(info, 0, sizeof(*info));
	info->hier_id = h->id;
	info->id = g->id;
	info->parent_id = g->parent ? g->parent->id : 0;
	info->v1 = h->v1;
	mutex_lock(&h->lock);
	strscpy(info->policy, mlab_policy_name(h->policy), sizeof(info->policy));
	info->batch = mlab_policy_batch(h->policy);
	if (h->root)
		mlab_group_update_protection(g);
	mutex_unlock(&h->lock);
	info->usage = mlab_counter_read(c);
	info->owned = mlab_group_owned_sum(g, false);
	info->max = READ_ONCE(c->max);
	info->high = READ_ONCE(c->high);
	info->low = READ_ONCE(c->low);
	info->min = READ_ONCE(c->min);
	info->soft_limit = READ_ONCE(g->soft_limit);
	info->max_depth = READ_ONCE(g->max_depth);
	info->max_descendants = READ_ONCE(g->max_descendants);
	info->watermark = READ_ONCE(c->watermark);
	info->local_watermark = READ_ONCE(c->local_watermark);
	info->failcnt = READ_ONCE(c->failcnt);
	info->oom_kill_disable = READ_ONCE(g->oom_kill_disable);
	info->emin = mlab_counter_emin(c);
	info->elow = mlab_counter_elow(c);
	for (i = 0; i < MLAB_NR_EVENTS; i++) {
		info->events[i] = atomic_long_read(&g->events[i]);
		info->events_local[i] = atomic_long_read(&g->events_local[i]);
	}
	mlab_group_stats_add(g, &info->stats);
}
