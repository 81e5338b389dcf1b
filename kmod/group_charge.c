// SPDX-License-Identifier: GPL-2.0
/*
 * group_charge.c - charging and uncharging a group for an owner: one
 * attempt through the policy, reclaim and the OOM path around it.
 */
#include "group.h"
#include "pressure.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* After a successful charge: a high event at each level above memory.high. */
static void mlab_group_check_high(struct mlab_group *g)
{
	for (; g; g = g->parent) {
		unsigned long high = READ_ONCE(g->counter.high);

		if (high < MLAB_COUNTER_MAX &&
		    mlab_counter_read(&g->counter) > high)
			mlab_group_event(g, MLAB_EVENT_HIGH, high);
	}
}

/**
 * mlab_group_charge - charge pages to a group for an owner
 * @g: the group
 * @nr_pages: how many
 * @flags: MLAB_CHARGE_FORCE charges past the limits (never refused);
 *	MLAB_CHARGE_NOWAIT never parks in the OOM wait nor sleeps over high
 *
 * The caller is attached to @g (mlab_group_attach()), so @g is live.  A
 * charge that does not fit reclaims and retries (kmod/pressure.c); when
 * reclaim gives up, the OOM path (oom.c) may reap a victim and have the
 * charge retried, park the charger (v1 oom_kill_disable), or give up.  A
 * charge that leaves a level over memory.high is throttled (oom.c).
 *
 * Context: process context, no spinlock held; may sleep.
 * Return: 0, -ENOMEM (refused after reclaim and the OOM path: usage
 * unchanged), -EINTR (a fatal signal ended the OOM wait).
 */
int mlab_group_charge(struct mlab_group *g, unsigned long nr_pages,
		      unsigned int flags)
{
	struct mlab_oom_ctx oom_ctx = { };
	struct mlab_group *over;
	int err;

	if (flags & MLAB_CHARGE_FORCE) {
		err = mlab_group_try_charge(g, nr_pages, true, NULL, NULL);
	} else {
		for (;;) {
			over = NULL;
			err = mlab_group_charge_reclaim(g, nr_pages, &over);
			if (err != -ENOMEM || !over)
				break;
			/* Reclaim has given up: kill, park, or fail. */
			err = mlab_oom_charge_failed(g, over, nr_pages, flags,
						     &oom_ctx);
			if (err)
				return err;
		}
	}
	if (!err)
		mlab_oom_handle_high(g, nr_pages, flags);
	return err;
}

/**
 * mlab_group_try_charge - one charge attempt, no reclaim
 * @g: the group
 * @nr_pages: how many
 * @force: charge past the limits (never refused)
 * @over: set to the limiting group when refused (may be NULL)
 * @limit: set to the counter that refused: the limiting group's memory
 *	counter or its v1 memory+swap counter (may be NULL)
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, or -ENOMEM (refused: a max event at the limiting ancestor, its
 * failcnt counted, usage unchanged).
 */
int mlab_group_try_charge(struct mlab_group *g, unsigned long nr_pages,
			  bool force, struct mlab_group **over,
			  struct mlab_counter **limit)
{
	struct mlab_policy *p = g->hier->policy;
	struct mlab_counter *fail = NULL;
	struct mlab_group *lim = NULL;
	struct mlab_group_pcpu *pc;
	unsigned long before;
	int err;

	/* v1 charges memory+swap first, as try_charge_memcg(). */
	err = mlab_swap_charge_memsw(g, nr_pages, force, &lim);
	before = mlab_counter_read(&g->counter);
	if (!err) {
		if (force)
			mlab_policy_charge(p, &g->counter, nr_pages);
		else
			err = mlab_policy_try_charge(p, &g->counter, nr_pages,
						     &fail);
		if (err)
			mlab_swap_uncharge_memsw(g, nr_pages);
	}
	pc = get_cpu_ptr(g->pcpu);
	if (err) {
		pc->stats.fails++;
	} else {
		pc->owned += nr_pages;
		pc->stats.charges++;
		pc->stats.charged_pages += nr_pages;
		/*
		 * A stock hit, the kernel's consume_stock(): the policy served
		 * the charge without raising the group's counter. Exact while
		 * nothing else charges or uncharges the group meanwhile, as in
		 * a replay; a statistic otherwise.
		 */
		if (mlab_counter_read(&g->counter) == before)
			pc->stats.stock_hits++;
	}
	put_cpu_ptr(g->pcpu);

	if (err) {
		if (lim) {
			fail = &lim->swap.counter;
		} else {
			lim = fail ? container_of(fail, struct mlab_group,
						  counter) : g;
			fail = &lim->counter;
		}
		if (limit)
			*limit = fail;
		trace_mlab_charge_fail(g, lim, nr_pages);
		mlab_group_event(lim, MLAB_EVENT_MAX,
				 READ_ONCE(lim->counter.max));
		if (over)
			*over = lim;
		return -ENOMEM;
	}
	trace_mlab_charge(g, nr_pages);
	mlab_group_check_high(g);
	return 0;
}

/**
 * mlab_group_uncharge - give back pages an owner held
 * @g: the group
 * @nr_pages: how many (the owner checked it holds them)
 *
 * Context: process context; does not sleep.
 */
void mlab_group_uncharge(struct mlab_group *g, unsigned long nr_pages)
{
	struct mlab_group_pcpu *pc;

	mlab_policy_uncharge(g->hier->policy, &g->counter, nr_pages);
	mlab_swap_uncharge_memsw(g, nr_pages);
	pc = get_cpu_ptr(g->pcpu);
	pc->owned -= nr_pages;
	pc->stats.uncharges++;
	pc->stats.uncharged_pages += nr_pages;
	put_cpu_ptr(g->pcpu);
	trace_mlab_uncharge(g, nr_pages);
	mlab_oom_uncharged();
}
