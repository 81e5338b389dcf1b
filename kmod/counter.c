// SPDX-License-Identifier: GPL-2.0
/*
 * counter.c - lock-free hierarchical page counting and limiting
 *
 * Every level holds the pages charged to it and below.  A charge walks from
 * a counter to the root adding at each level; a limited charge backs out
 * again when some level would go over its maximum.  See docs/counter.md.
 */

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/page.h>

#include "counter.h"

static void propagate_protected_usage(struct mlab_counter *c,
				      unsigned long usage)
{
	unsigned long protected, old_protected;
	long delta;

	if (!c->parent)
		return;

	protected = min(usage, READ_ONCE(c->min));
	old_protected = atomic_long_read(&c->min_usage);
	if (protected != old_protected) {
		old_protected = atomic_long_xchg(&c->min_usage, protected);
		delta = protected - old_protected;
		if (delta)
			atomic_long_add(delta, &c->parent->children_min_usage);
	}

	protected = min(usage, READ_ONCE(c->low));
	old_protected = atomic_long_read(&c->low_usage);
	if (protected != old_protected) {
		old_protected = atomic_long_xchg(&c->low_usage, protected);
		delta = protected - old_protected;
		if (delta)
			atomic_long_add(delta, &c->parent->children_low_usage);
	}
}

/* Re-propagate after a setting change; usage above @counter is unchanged. */
static void propagate_path(struct mlab_counter *counter)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent)
		propagate_protected_usage(c, mlab_counter_read(c));
}

static void update_watermarks(struct mlab_counter *c, long usage)
{
	/*
	 * This is racy, but we can live with some inaccuracy in the
	 * watermarks: a concurrent charge may overwrite a slightly higher
	 * value.  Both watermarks are reset together (or the local one on
	 * its own, to the current usage), so local_watermark <= watermark
	 * and the global one only needs checking when the local one moves.
	 */
	if (usage > READ_ONCE(c->local_watermark)) {
		WRITE_ONCE(c->local_watermark, usage);
		if (usage > READ_ONCE(c->watermark))
			WRITE_ONCE(c->watermark, usage);
	}
}

/**
 * mlab_counter_init - initialise a counter and attach it to its parent
 * @c: the counter
 * @parent: the next level up, or NULL for a root
 * @track_failcnt: whether failures limited by @c bump @c->failcnt
 *
 * The counter starts empty and unlimited (max = MLAB_COUNTER_MAX); high,
 * min and low start at 0, as in the kernel, where memcg itself then sets
 * high to the maximum.  Policy state (@c->lock) is left to the policy.
 *
 * Context: any context; @c must not be in use yet.
 */
void mlab_counter_init(struct mlab_counter *c, struct mlab_counter *parent,
		       bool track_failcnt)
{
	atomic_long_set(&c->usage, 0);
	c->failcnt = 0;
	c->emin = 0;
	atomic_long_set(&c->min_usage, 0);
	atomic_long_set(&c->children_min_usage, 0);
	c->elow = 0;
	atomic_long_set(&c->low_usage, 0);
	atomic_long_set(&c->children_low_usage, 0);
	c->watermark = 0;
	c->local_watermark = 0;
	c->track_failcnt = track_failcnt;
	c->min = 0;
	c->low = 0;
	c->high = 0;
	c->max = MLAB_COUNTER_MAX;
	c->parent = parent;
}

/**
 * mlab_counter_cancel - take pages out of one level only
 * @c: the counter
 * @nr_pages: pages to remove
 *
 * Removing more than the counter holds is a bug: it warns once and leaves
 * the usage at zero instead of wrapping.
 *
 * Context: any context.
 */
void mlab_counter_cancel(struct mlab_counter *c, unsigned long nr_pages)
{
	long new;

	new = atomic_long_sub_return(nr_pages, &c->usage);
	/* More uncharges than charges? */
	if (WARN_ONCE(new < 0, "mlab_counter underflow: %ld nr_pages=%lu\n",
		      new, nr_pages)) {
		new = 0;
		atomic_long_set(&c->usage, new);
	}
	propagate_protected_usage(c, new);
}

/**
 * mlab_counter_charge_local - add pages at one level, ignoring its limit
 * @c: the counter
 * @nr_pages: pages to add
 *
 * For policies that do their own limit checking (the locked policy).
 *
 * Context: any context.
 * Return: the new usage of @c.
 */
long mlab_counter_charge_local(struct mlab_counter *c, unsigned long nr_pages)
{
	long new;

	new = atomic_long_add_return(nr_pages, &c->usage);
	propagate_protected_usage(c, new);
	update_watermarks(c, new);
	return new;
}

/**
 * mlab_counter_charge - charge pages to a counter and its ancestors
 * @counter: the counter
 * @nr_pages: pages to charge
 *
 * This is a forced charge: limits are not consulted, so usage may end up
 * above max.
 *
 * Context: any context.
 */
void mlab_counter_charge(struct mlab_counter *counter,
			 unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent)
		mlab_counter_charge_local(c, nr_pages);
}

/**
 * mlab_counter_note_failure - count a charge that @c refused
 * @c: the limiting counter
 *
 * Context: any context.
 */
void mlab_counter_note_failure(struct mlab_counter *c)
{
	if (!c->track_failcnt)
		return;
	/*
	 * This is racy, but we can live with some inaccuracy in the
	 * failcnt, which is only reported as a statistic.
	 */
	data_race(c->failcnt++);
}

/**
 * mlab_counter_try_charge - charge pages unless a limit is in the way
 * @counter: the counter
 * @nr_pages: pages to charge
 * @fail: set to the first counter, walking up, that would exceed its max
 *
 * A level may be filled exactly to its max.  On failure the levels below
 * the limiting one are uncharged again and the limiting one counts the
 * failure (if it tracks failcnt).
 *
 * Context: any context.
 * Return: %true if every level was charged, %false (and *@fail) if not.
 */
bool mlab_counter_try_charge(struct mlab_counter *counter,
			     unsigned long nr_pages,
			     struct mlab_counter **fail)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent) {
		long new;

		/*
		 * Add first and check afterwards, to avoid a cmpxchg loop.
		 * A bigger charge racing with this one may make it fail
		 * although it alone would fit; the error is bounded by the
		 * bigger charge's size, which we accept.
		 *
		 * The value-returning atomic is a full barrier between the
		 * add and the read of max.  Against mlab_counter_set_max()
		 * either we see the new max, or the setter sees our usage
		 * and retries.
		 */
		new = atomic_long_add_return(nr_pages, &c->usage);
		if (new > READ_ONCE(c->max)) {
			atomic_long_sub(nr_pages, &c->usage);
			mlab_counter_note_failure(c);
			*fail = c;
			goto failed;
		}
		propagate_protected_usage(c, new);
		update_watermarks(c, new);
	}
	return true;

failed:
	for (c = counter; c != *fail; c = c->parent)
		mlab_counter_cancel(c, nr_pages);
	return false;
}

/**
 * mlab_counter_uncharge - uncharge pages from a counter and its ancestors
 * @counter: the counter
 * @nr_pages: pages to uncharge
 *
 * Context: any context.
 */
void mlab_counter_uncharge(struct mlab_counter *counter,
			   unsigned long nr_pages)
{
	struct mlab_counter *c;

	for (c = counter; c; c = c->parent)
		mlab_counter_cancel(c, nr_pages);
}

/**
 * mlab_counter_set_max - lower or raise the limit unless usage is above it
 * @c: the counter
 * @nr_pages: the new limit
 *
 * Race-free against concurrent try_charge: the limit never ends up below
 * a usage that a charge was allowed to reach.  The caller serialises calls
 * on the same counter.
 *
 * Context: process context, may sleep (it reschedules while retrying).
 * Return: 0 on success, -EBUSY if usage is above @nr_pages.
 */
int mlab_counter_set_max(struct mlab_counter *c, unsigned long nr_pages)
{
	for (;;) {
		unsigned long old;
		long usage;

		/*
		 * Read usage, swap the limit, read usage again.  The xchg
		 * is a full barrier on both sides, and try_charge adds
		 * before it reads max: if a charge saw the old limit, the
		 * second read sees its pages and we go round again with
		 * the old limit restored.
		 */
		usage = mlab_counter_read(c);
		if (usage > nr_pages)
			return -EBUSY;

		old = xchg(&c->max, nr_pages);
		if (mlab_counter_read(c) <= usage || nr_pages >= old)
			return 0;

		WRITE_ONCE(c->max, old);
		cond_resched();
	}
}

/**
 * mlab_counter_xchg_max - set the limit unconditionally
 * @c: the counter
 * @nr_pages: the new limit
 *
 * cgroup v2's memory.max: the limit takes effect even below the current
 * usage; the caller then works usage down.
 *
 * Context: any context.
 * Return: the previous limit.
 */
unsigned long mlab_counter_xchg_max(struct mlab_counter *c,
				    unsigned long nr_pages)
{
	return xchg(&c->max, nr_pages);
}

/**
 * mlab_counter_set_high - set the high boundary
 * @c: the counter
 * @nr_pages: the new value
 *
 * Context: any context.
 */
void mlab_counter_set_high(struct mlab_counter *c, unsigned long nr_pages)
{
	WRITE_ONCE(c->high, nr_pages);
}

/**
 * mlab_counter_set_min - set the hard protection (memory.min)
 * @counter: the counter
 * @nr_pages: the new value
 *
 * Re-propagates the protected usage of @counter and its ancestors.  The caller
 * serialises calls on the same counter.
 *
 * Context: any context.
 */
void mlab_counter_set_min(struct mlab_counter *counter,
			  unsigned long nr_pages)
{
	WRITE_ONCE(counter->min, nr_pages);
	propagate_path(counter);
}

/**
 * mlab_counter_set_low - set the best-effort protection (memory.low)
 * @counter: the counter
 * @nr_pages: the new value
 *
 * Re-propagates the protected usage of @counter and its ancestors.  The caller
 * serialises calls on the same counter.
 *
 * Context: any context.
 */
void mlab_counter_set_low(struct mlab_counter *counter,
			  unsigned long nr_pages)
{
	WRITE_ONCE(counter->low, nr_pages);
	propagate_path(counter);
}

/**
 * mlab_counter_reset_watermark - restart both watermarks from usage
 * @c: the counter
 *
 * Context: any context.
 */
void mlab_counter_reset_watermark(struct mlab_counter *c)
{
	unsigned long usage = mlab_counter_read(c);

	/* Local first, so that it stays <= watermark as charges see them. */
	WRITE_ONCE(c->local_watermark, usage);
	WRITE_ONCE(c->watermark, usage);
}

/**
 * mlab_counter_reset_local_watermark - restart the local watermark only
 * @c: the counter
 *
 * Context: any context.
 */
void mlab_counter_reset_local_watermark(struct mlab_counter *c)
{
	WRITE_ONCE(c->local_watermark, mlab_counter_read(c));
}

/**
 * mlab_counter_reset_failcnt - zero the failure count
 * @c: the counter
 *
 * Context: any context.
 */
void mlab_counter_reset_failcnt(struct mlab_counter *c)
{
	WRITE_ONCE(c->failcnt, 0);
}

/**
 * mlab_counter_memparse - parse a limit the way memcg files do
 * @buf: NUL-terminated input, without a trailing newline
 * @max_str: the spelling of "unlimited": "max" (v2) or "-1" (v1)
 * @nr_pages: where to store the result
 *
 * An exact match of @max_str gives MLAB_COUNTER_MAX.  Anything else goes
 * through memparse(): 0x and 0 prefixes select hex and octal, one suffix
 * of K, M, G, T, P or E (either case) shifts without overflow checks, and
 * the empty string is 0.  Bytes round down to pages and clamp to the max.
 *
 * Context: any context.
 * Return: 0 and *@nr_pages, or -EINVAL on trailing characters.
 */
int mlab_counter_memparse(const char *buf, const char *max_str,
			  unsigned long *nr_pages)
{
	char *end;
	u64 bytes;

	if (!strcmp(buf, max_str)) {
		*nr_pages = MLAB_COUNTER_MAX;
		return 0;
	}

	bytes = memparse(buf, &end);
	if (*end != '\0')
		return -EINVAL;

	*nr_pages = min(bytes / PAGE_SIZE, (u64)MLAB_COUNTER_MAX);
	return 0;
}

/*
 * Effective protection of one counter from its own setting, its parent's
 * effective protection and what its siblings claim (children_*_usage of
 * the parent):
 *
 * - protected = min(usage, setting): only used memory is protected;
 * - if the siblings together claim more than the parent has, each gets
 *   a share in proportion to its claim;
 * - otherwise each gets its claim, and in recursive mode the parent's
 *   unclaimed remainder is shared in proportion to unprotected usage.
 */
static unsigned long effective_protection(unsigned long usage,
					  unsigned long parent_usage,
					  unsigned long setting,
					  unsigned long parent_effective,
					  unsigned long siblings_protected,
					  bool recursive)
{
	unsigned long protected, unclaimed;

	protected = min(usage, setting);
	if (siblings_protected > parent_effective)
		return protected * parent_effective / siblings_protected;

	if (!recursive)
		return protected;

	/*
	 * usage, parent_usage and siblings_protected are not read
	 * atomically together: check all three before dividing.
	 */
	if (parent_effective > siblings_protected &&
	    parent_usage > siblings_protected && usage > protected) {
		unclaimed = parent_effective - siblings_protected;
		unclaimed *= usage - protected;
		unclaimed /= parent_usage - siblings_protected;
		protected += unclaimed;
	}
	return protected;
}

/**
 * mlab_counter_calculate_protection - update emin and elow of a counter
 * @root: the top of the subtree being considered (its values are ignored)
 * @c: the counter, a descendant of @root or @root itself
 * @recursive: share unclaimed parental protection (memory_recursiveprot)
 *
 * Uses the parent's emin/elow, so it must be called top-down over the
 * subtree.  @root is left alone, children of @root get their settings as
 * they are, and a counter with no usage keeps its stale values, as in the
 * kernel.
 *
 * Context: any context.
 */
void mlab_counter_calculate_protection(struct mlab_counter *root,
				       struct mlab_counter *c, bool recursive)
{
	struct mlab_counter *parent = c->parent;
	unsigned long usage, parent_usage, siblings_min, siblings_low;

	if (c == root)
		return;

	usage = mlab_counter_read(c);
	if (!usage)
		return;

	if (parent == root) {
		WRITE_ONCE(c->emin, READ_ONCE(c->min));
		WRITE_ONCE(c->elow, READ_ONCE(c->low));
		return;
	}

	parent_usage = mlab_counter_read(parent);
	siblings_min = atomic_long_read(&parent->children_min_usage);
	siblings_low = atomic_long_read(&parent->children_low_usage);

	WRITE_ONCE(c->emin,
		   effective_protection(usage, parent_usage, READ_ONCE(c->min),
					READ_ONCE(parent->emin), siblings_min,
					recursive));
	WRITE_ONCE(c->elow,
		   effective_protection(usage, parent_usage, READ_ONCE(c->low),
					READ_ONCE(parent->elow), siblings_low,
					recursive));
}
