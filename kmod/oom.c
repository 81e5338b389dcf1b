// SPDX-License-Identifier: GPL-2.0
/*
 * oom.c - after reclaim gives up: the lab's OOM killer, the v1 OOM wait
 * (oom_kill_disable) and memory.high throttling.  See docs/oom.md.
 *
 * The candidates are charge owners (struct mlab_oom_target), scored the
 * way oom_badness() scores tasks: pages held in the OOM domain plus the
 * opener's oom_score_adj in thousandths of the domain's limit.  A victim is
 * reaped at once, as the kernel's oom_reaper would: its charges go back
 * and it refuses further charges, so a descriptor shared with or inherited
 * by another process cannot keep the pages.  With oom=kill its opener also
 * gets SIGKILL.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include "group.h"
#include "oom.h"
#include "pressure.h"

/* The kernel's constants (mm/memcontrol.c, 6.1). */
#define MLAB_CHARGE_BATCH		64UL
#define MLAB_MAX_RECLAIM_RETRIES	16
#define MLAB_SWAP_CLUSTER_MAX		32UL
#define MLAB_DELAY_PRECISION_SHIFT	20
#define MLAB_DELAY_SCALING_SHIFT	14
#define MLAB_MAX_HIGH_DELAY_JIFFIES	(2UL * HZ)

/* Keep in step with enum mlab_oom_mode. */
const char * const mlab_oom_mode_names[MLAB_NR_OOM_MODES] = {
	[MLAB_OOM_KILL]		= "kill",
	[MLAB_OOM_REVOKE]	= "revoke",
	[MLAB_OOM_OFF]		= "off",
};

/* Serialises victim selection and kills (the kernel's oom_lock). */
static DEFINE_MUTEX(mlab_oom_lock);
static LIST_HEAD(mlab_oom_targets);

/* The v1 OOM wait: parked chargers sleep until the generation moves. */
static DECLARE_WAIT_QUEUE_HEAD(mlab_oom_waitq);
static atomic_t mlab_oom_gen = ATOMIC_INIT(0);
static atomic_t mlab_oom_parked = ATOMIC_INIT(0);

/**
 * mlab_oom_target_add - make a charge owner a candidate victim
 * @t: the target, embedded in the owner
 * @ops: how to measure and reap it
 *
 * Records the calling thread group as the target's opener.
 *
 * Context: process context, may sleep.
 */
void mlab_oom_target_add(struct mlab_oom_target *t,
			 const struct mlab_oom_target_ops *ops)
{
	t->ops = ops;
	t->pid = get_task_pid(current, PIDTYPE_TGID);
	mutex_lock(&mlab_oom_lock);
	list_add_tail(&t->node, &mlab_oom_targets);
	mutex_unlock(&mlab_oom_lock);
}

/**
 * mlab_oom_target_del - withdraw a candidate
 * @t: the target
 *
 * Waits for a running OOM kill, so @t may be freed afterwards.
 *
 * Context: process context, may sleep.
 */
void mlab_oom_target_del(struct mlab_oom_target *t)
{
	mutex_lock(&mlab_oom_lock);
	list_del_init(&t->node);
	mutex_unlock(&mlab_oom_lock);
	put_pid(t->pid);
	t->pid = NULL;
}

/**
 * mlab_oom_group_init - initialise a group's OOM state
 * @g: the new group
 *
 * Context: any context.
 */
void mlab_oom_group_init(struct mlab_group *g)
{
	g->oom.oom_group = false;
	atomic_set(&g->oom.under_oom, 0);
}

/**
 * mlab_oom_set_group - the v2 memory.oom.group setting
 * @g: the group
 * @oom_group: kill the whole group when one of its owners is the victim
 *
 * Context: any context.
 * Return: 0, -ENODEV for a removed group.
 */
int mlab_oom_set_group(struct mlab_group *g, bool oom_group)
{
	if (READ_ONCE(g->dead))
		return -ENODEV;
	WRITE_ONCE(g->oom.oom_group, oom_group);
	return 0;
}

/**
 * mlab_oom_is_group - memory.oom.group
 * @g: the group
 *
 * Context: any context.
 * Return: true when the OOM killer takes @g's owners as one.
 */
bool mlab_oom_is_group(struct mlab_group *g)
{
	return READ_ONCE(g->oom.oom_group);
}

/**
 * mlab_oom_under_oom - v1 under_oom
 * @g: the group
 *
 * As mem_cgroup_mark_under_oom() marks the whole subtree of the group
 * whose charger waits, a group reads under_oom while a charger is parked
 * in its own or an ancestor's OOM wait.
 *
 * Context: any context; the caller holds a reference on @g.
 * Return: true while a charger is parked at @g or above it.
 */
bool mlab_oom_under_oom(struct mlab_group *g)
{
	for (; g; g = g->parent)
		if (atomic_read(&g->oom.under_oom) > 0)
			return true;
	return false;
}

/*
 * The opener's oom_score_adj; false if it must never be chosen (the
 * global init, a kernel thread).  An opener that has exited scores 0: the
 * owner lives on in whoever inherited the descriptor.
 */
static bool mlab_oom_target_adj(struct mlab_oom_target *t, long *adj)
{
	struct task_struct *task;
	bool ok = true;

	*adj = 0;
	rcu_read_lock();
	task = t->pid ? pid_task(t->pid, PIDTYPE_TGID) : NULL;
	if (task) {
		if (is_global_init(task) || (task->flags & PF_KTHREAD))
			ok = false;
		else
			*adj = READ_ONCE(task->signal->oom_score_adj);
	}
	rcu_read_unlock();
	return ok;
}

/* oom_badness(): pages in the domain, adj scaled to the domain's size. */
static struct mlab_oom_target *mlab_oom_select(struct mlab_group *domain,
					       struct mlab_group **home)
{
	unsigned long total = READ_ONCE(domain->counter.max);
	struct mlab_oom_target *t, *chosen = NULL;
	long points, chosen_points = LONG_MIN;

	lockdep_assert_held(&mlab_oom_lock);
	if (total == MLAB_COUNTER_MAX)
		total = mlab_group_usage(domain);
	list_for_each_entry(t, &mlab_oom_targets, node) {
		struct mlab_group *h = NULL;
		unsigned long pages;
		long adj;

		pages = t->ops->pages(t, domain, &h);
		if (!pages || !mlab_oom_target_adj(t, &adj) ||
		    adj == OOM_SCORE_ADJ_MIN)
			continue;
		points = min_t(unsigned long, pages, LONG_MAX / 2) +
			 adj * (long)(total / 1000);
		/* As oom_evaluate_task(): a later equal score wins. */
		if (points < chosen_points)
			continue;
		chosen = t;
		chosen_points = points;
		*home = h;
	}
	return chosen;
}

/* __oom_kill_process(): count at the victim's group, signal, reap. */
static void mlab_oom_kill_target(struct mlab_oom_target *t,
				 struct mlab_group *home,
				 enum mlab_oom_mode mode)
{
	mlab_group_event(home, MLAB_EVENT_OOM_KILL,
			 READ_ONCE(home->counter.max));
	if (mode == MLAB_OOM_KILL && t->pid)
		kill_pid(t->pid, SIGKILL, 1);
	t->ops->reap(t);
}

/* mem_cgroup_get_oom_group(): the highest oom.group from @home to @domain. */
static struct mlab_group *mlab_oom_get_group(struct mlab_group *home,
					     struct mlab_group *domain)
{
	struct mlab_group *pos, *oom_group = NULL;

	if (home->hier->v1 || mlab_group_is_root(home))
		return NULL;
	for (pos = home; pos; pos = pos->parent) {
		if (READ_ONCE(pos->oom.oom_group))
			oom_group = pos;
		if (pos == domain)
			break;
	}
	return oom_group;
}

/*
 * Pick and kill a victim in @domain's subtree, and with memory.oom.group
 * every member of its group.  As oom_kill_memcg_member(), the member walk
 * also meets the victim (it has not gone away yet) and counts it again.
 * Returns false when there is nothing to kill.
 */
static bool mlab_oom_kill(struct mlab_group *domain, enum mlab_oom_mode mode)
{
	struct mlab_group *home = NULL, *oom_group;
	struct mlab_oom_target *victim, *t;

	lockdep_assert_held(&mlab_oom_lock);
	victim = mlab_oom_select(domain, &home);
	if (!victim)
		return false;
	oom_group = mlab_oom_get_group(home, domain);
	mlab_oom_kill_target(victim, home, mode);
	if (!oom_group)
		return true;
	mlab_group_event(oom_group, MLAB_EVENT_OOM_GROUP_KILL,
			 READ_ONCE(oom_group->counter.max));
	list_for_each_entry(t, &mlab_oom_targets, node) {
		struct mlab_group *h = NULL;
		long adj;

		t->ops->pages(t, oom_group, &h);
		if (!h || !mlab_oom_target_adj(t, &adj) ||
		    adj == OOM_SCORE_ADJ_MIN)
			continue;
		mlab_oom_kill_target(t, h, mode);
	}
	return true;
}

static bool mlab_oom_margin(struct mlab_group *g, unsigned long nr_pages)
{
	return mlab_group_usage(g) + nr_pages <= READ_ONCE(g->counter.max);
}

/*
 * The v1 OOM wait (mem_cgroup_oom_synchronize()): sleep killably until
 * usage falls somewhere or a limit or oom_kill_disable changes, then let
 * the charge retry.  The wake-up is broadcast; a charge that still fails
 * comes back here and counts another oom event, as a retried fault does.
 */
static int mlab_oom_wait(struct mlab_group *over, unsigned long nr_pages,
			 unsigned int flags)
{
	int gen, err = 0;

	if (flags & MLAB_CHARGE_NOWAIT)
		return -ENOMEM;
	atomic_inc(&over->oom.under_oom);
	atomic_inc(&mlab_oom_parked);
	/* Pairs with the barrier in mlab_oom_uncharged(). */
	smp_mb__after_atomic();
	gen = atomic_read(&mlab_oom_gen);
	if (!mlab_oom_margin(over, nr_pages) &&
	    READ_ONCE(over->oom_kill_disable))
		err = wait_event_killable(mlab_oom_waitq,
					  atomic_read(&mlab_oom_gen) != gen);
	atomic_dec(&mlab_oom_parked);
	atomic_dec(&over->oom.under_oom);
	return err ? -EINTR : 0;
}

/**
 * mlab_oom_charge_failed - a charge failed after reclaim: OOM handling
 * @g: the group being charged
 * @over: the ancestor (or @g) whose limit refused the charge: the OOM domain
 * @nr_pages: the size of the charge
 * @flags: the charge's MLAB_CHARGE_* flags
 * @ctx: this charge's OOM state, zeroed before the first attempt
 *
 * Drains the policy's stocks once per charge and retries if that made
 * room.  Then, as mem_cgroup_oom(): counts an oom event at @over; with v1
 * oom_kill_disable parks the charger (unless MLAB_CHARGE_NOWAIT);
 * otherwise kills or revokes a victim in @over's subtree per the oom=
 * mount option.  A charger that already passed the OOM killer and is now
 * dying gives up, as task_is_dying() makes the kernel's do.
 *
 * Context: process context, may sleep; no spinlock or RCU read lock held.
 * Return: 0 when the charge should be retried (a victim was reaped, room
 * appeared, or a parked charger was woken); -ENOMEM to fail it (oom=off,
 * nothing to kill, a dying charger, NOWAIT with oom_kill_disable); -EINTR
 * when a fatal signal ended the OOM wait.
 */
int mlab_oom_charge_failed(struct mlab_group *g, struct mlab_group *over,
			   unsigned long nr_pages, unsigned int flags,
			   struct mlab_oom_ctx *ctx)
{
	enum mlab_oom_mode mode = READ_ONCE(g->hier->oom_mode);
	int err = -ENOMEM;

	if (mode == MLAB_OOM_OFF)
		return -ENOMEM;
	if (ctx->passed_oom && fatal_signal_pending(current))
		return -ENOMEM;
	/* Stocks may hold what the charge needs (drain_all_stock()). */
	if (!ctx->drained) {
		ctx->drained = true;
		mlab_policy_drain(g->hier->policy, &over->counter);
		if (mlab_oom_margin(over, nr_pages))
			return 0;
	}
	mlab_group_event(over, MLAB_EVENT_OOM, READ_ONCE(over->counter.max));
	if (READ_ONCE(over->oom_kill_disable))
		return mlab_oom_wait(over, nr_pages, flags);
	if (mutex_lock_killable(&mlab_oom_lock))
		return -ENOMEM;
	if (mlab_oom_margin(over, nr_pages))
		err = 0;
	else if (!fatal_signal_pending(current) && mlab_oom_kill(over, mode))
		err = 0;
	mutex_unlock(&mlab_oom_lock);
	ctx->passed_oom = true;
	return err;
}

/**
 * mlab_oom_over_max - v2 memory.max was set below usage
 * @g: the group
 * @max: the new limit in pages
 *
 * As memory_max_write() once reclaim has failed: count an oom event and
 * kill, until usage fits, nothing is left to kill, or a signal arrives.
 * With oom=off one oom event is counted and nothing killed.
 *
 * Context: process context, may sleep.
 */
void mlab_oom_over_max(struct mlab_group *g, unsigned long max)
{
	enum mlab_oom_mode mode = READ_ONCE(g->hier->oom_mode);
	bool killed;

	while (mlab_group_usage(g) > max && !signal_pending(current)) {
		mlab_group_event(g, MLAB_EVENT_OOM, max);
		if (mode == MLAB_OOM_OFF ||
		    mutex_lock_killable(&mlab_oom_lock))
			break;
		killed = mlab_oom_kill(g, mode);
		mutex_unlock(&mlab_oom_lock);
		if (!killed)
			break;
	}
}

/**
 * mlab_oom_recover - wake the chargers parked in the v1 OOM wait
 *
 * Called when usage falls, a limit is raised or oom_kill_disable cleared
 * (the kernel's memcg_oom_recover()).
 *
 * Context: any context.
 */
void mlab_oom_recover(void)
{
	atomic_inc(&mlab_oom_gen);
	wake_up_all(&mlab_oom_waitq);
}

/**
 * mlab_oom_uncharged - pages were given back somewhere
 *
 * Context: any context.
 */
void mlab_oom_uncharged(void)
{
	/* Pairs with the barrier in mlab_oom_wait(). */
	smp_mb();
	if (atomic_read(&mlab_oom_parked))
		mlab_oom_recover();
}

/* calculate_overage(): how far over high, in 2^-20 units of high. */
static u64 mlab_oom_overage(unsigned long usage, unsigned long high)
{
	if (usage <= high)
		return 0;
	high = max(high, 1UL);
	return div64_u64((u64)(usage - high) << MLAB_DELAY_PRECISION_SHIFT,
			 high);
}

/* mem_find_max_overage(): the worst level from @g up, the root excluded. */
static u64 mlab_oom_max_overage(struct mlab_group *g)
{
	u64 overage = 0;

	for (; g && !mlab_group_is_root(g); g = g->parent)
		overage = max(overage,
			      mlab_oom_overage(mlab_group_usage(g),
					       READ_ONCE(g->counter.high)));
	return overage;
}

/*
 * swap_find_max_overage(): the same over memory.swap.high; every level over
 * it counts a swap "high" event, as the kernel counts them here (each time
 * the penalty is worked out).
 */
static u64 mlab_oom_swap_max_overage(struct mlab_group *g)
{
	u64 overage, max_overage = 0;

	if (g->hier->v1)
		return 0;
	for (; g && !mlab_group_is_root(g); g = g->parent) {
		overage = mlab_oom_overage(mlab_counter_read(&g->swap.counter),
					   READ_ONCE(g->swap.counter.high));
		if (overage)
			mlab_swap_event(g, MLAB_SWAP_EVENT_HIGH, 1);
		max_overage = max(overage, max_overage);
	}
	return max_overage;
}

/* calculate_high_delay(): quadratic in the overage, linear in the charge. */
static unsigned long mlab_oom_high_delay(u64 max_overage,
					 unsigned long nr_pages)
{
	unsigned long penalty;

	if (!max_overage)
		return 0;
	penalty = max_overage * max_overage * HZ;
	penalty >>= MLAB_DELAY_PRECISION_SHIFT;
	penalty >>= MLAB_DELAY_SCALING_SHIFT;
	return penalty * nr_pages / MLAB_CHARGE_BATCH;
}

/**
 * mlab_oom_handle_high - a charge succeeded: reclaim and throttle over high
 * @g: the group charged
 * @nr_pages: the size of the charge
 * @flags: the charge's MLAB_CHARGE_* flags
 *
 * As mem_cgroup_handle_over_high(), but in the charger's own context
 * rather than on the return to user space, for memory.high and
 * memory.swap.high (whose penalty adds to memory's): reclaim toward
 * memory.high while it makes progress (and up to MAX_RECLAIM_RETRIES times
 * when it does not), then sleep killably for calculate_high_delay() jiffies, capped at two
 * seconds and skipped when under HZ/100.  MLAB_CHARGE_NOWAIT charges
 * reclaim but do not sleep.
 *
 * Context: process context, may sleep; no spinlock or RCU read lock held.
 */
void mlab_oom_handle_high(struct mlab_group *g, unsigned long nr_pages,
			  unsigned int flags)
{
	int nr_retries = MLAB_MAX_RECLAIM_RETRIES;
	unsigned long penalty, reclaimed;
	bool in_retry = false;

	if (!mlab_oom_max_overage(g) && !mlab_swap_over_high(g))
		return;
	for (;;) {
		reclaimed = mlab_reclaim_high(g, in_retry ?
					      MLAB_SWAP_CLUSTER_MAX : nr_pages);
		penalty = mlab_oom_high_delay(mlab_oom_max_overage(g),
					      nr_pages);
		penalty += mlab_oom_high_delay(mlab_oom_swap_max_overage(g),
					       nr_pages);
		penalty = min(penalty, MLAB_MAX_HIGH_DELAY_JIFFIES);
		if (penalty <= HZ / 100)
			return;
		if (!reclaimed && !nr_retries--)
			break;
		in_retry = true;
	}
	if (!(flags & MLAB_CHARGE_NOWAIT))
		schedule_timeout_killable(penalty);
}
