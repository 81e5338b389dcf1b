// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_test.c - kmod/reclaim.c on trees of counters, natively.
 *
 * A tree of nodes (counter + LRU + what the test holds there) is driven
 * through the reclaim model's callbacks.  Properties checked on every
 * eviction, low event and charge, over random trees and sequences:
 *   - a group at or under its effective min is never reclaimed from;
 *   - reclaim never takes more than the file pages there were, and never
 *     anon;
 *   - low events come only from the second pass (a call that reclaimed
 *     nothing while skipping low-protected groups);
 *   - usage == anon + file (+ stock, zero after a drain) at every level;
 * plus the kernel selftest's min/low distribution and try_charge_memcg()'s
 * attempt count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "harness.h"
#include "reclaim.h"
#include "shim/shim.h"
#include "test_util.h"

#define MAXN 16

struct node {
	struct mlab_counter *c;
	struct mlab_lru lru;
	struct mlab_lru_entry entry;	/* the test's file pages here */
	struct mlab_lru_entry anon_entry; /* its resident anon pages */
	int parent;
	unsigned long anon;		/* the test's anon pages here */
	unsigned long swapped;		/* of them, swapped out */
	struct mlab_counter *swap;	/* the v2 swap counter */
	unsigned long low_events, max_events;
};

struct tree {
	struct mlab_policy *p;
	struct mlab_counter *counters;
	struct node v[MAXN];
	int n;
	int charging;			/* node of the charge in progress */
	bool recursive;
	/* per mlab_reclaim_pages() call bookkeeping, see t_evicted */
	unsigned long evicted, evicted_before_low;
	bool low_seen;
	struct mlab_lru *last;		/* the group evicted from last */
	struct mlab_lru *target;	/* of the reclaim in progress */
	unsigned long bad_min, bad_low;
	/* swap: a device of swap_total pages, swap counters per node */
	bool swap;
	int swappiness;
	struct mlab_counter *swap_counters;
	unsigned long swap_total, swap_used;
};

static struct tree *ctl_tree(const struct mlab_reclaim_ctl *ctl)
{
	return ctl->priv;
}

static int node_of(struct tree *t, struct mlab_lru *lru)
{
	return container_of(lru, struct node, lru) - t->v;
}

static bool is_descendant(struct tree *t, int i, int root)
{
	for (; i >= 0; i = t->v[i].parent)
		if (i == root)
			return true;
	return false;
}

/* Pre-order over the subtree: children have larger indices than parents. */
static int preorder_next(struct tree *t, int root, int pos)
{
	int i;

	/* first child of pos */
	for (i = pos + 1; i < t->n; i++)
		if (t->v[i].parent == pos)
			return i;
	/* next sibling of pos or of an ancestor below root */
	for (; pos != root; pos = t->v[pos].parent)
		for (i = pos + 1; i < t->n; i++)
			if (t->v[i].parent == t->v[pos].parent)
				return i;
	return -1;
}

static struct mlab_lru *t_next(const struct mlab_reclaim_ctl *ctl,
			       struct mlab_lru *root, struct mlab_lru *pos)
{
	struct tree *t = ctl_tree(ctl);
	int i;

	if (!pos)
		return root;
	i = preorder_next(t, node_of(t, root), node_of(t, pos));
	return i < 0 ? NULL : &t->v[i].lru;
}

/* Each mlab_reclaim_pages() call locks once: its bookkeeping starts here. */
static void t_lock(const struct mlab_reclaim_ctl *ctl)
{
	struct tree *t = ctl_tree(ctl);

	t->evicted = 0;
	t->low_seen = false;
	t->last = NULL;
}

static void t_unlock(const struct mlab_reclaim_ctl *ctl)
{
	(void)ctl;
}

static int t_try_charge(const struct mlab_reclaim_ctl *ctl,
			unsigned long nr_pages, struct mlab_lru **over,
			struct mlab_counter **limit)
{
	struct tree *t = ctl_tree(ctl);
	struct mlab_counter *fail = NULL;
	int i;

	if (!mlab_policy_try_charge(t->p, t->v[t->charging].c, nr_pages,
				    &fail))
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->v[i].c == fail) {
			t->v[i].max_events++;
			*over = &t->v[i].lru;
			*limit = fail;
			t->target = *over;
			return -ENOMEM;
		}
	abort();
}

static void t_evicted(const struct mlab_reclaim_ctl *ctl,
		      struct mlab_lru *lru, unsigned long nr_pages)
{
	struct tree *t = ctl_tree(ctl);
	struct node *x = &t->v[node_of(t, lru)];
	unsigned long usage = mlab_counter_read(x->c);

	/*
	 * Under its effective min when the walk reaches it: never touched.
	 * The first batch of a visit shows the usage the walk saw; later
	 * batches of the same visit may go below (the scan target is fixed
	 * per visit, as in shrink_lruvec()).
	 */
	if (lru != t->last && lru != t->target && x->c->parent &&
	    mlab_counter_emin(x->c) >= usage)
		t->bad_min++;
	t->last = lru;
	mlab_policy_uncharge(t->p, x->c, nr_pages);
	t->evicted += nr_pages;
}

static void t_low_event(const struct mlab_reclaim_ctl *ctl,
			struct mlab_lru *lru)
{
	struct tree *t = ctl_tree(ctl);

	/* The second pass runs only after a first that reclaimed nothing. */
	if (!t->low_seen) {
		t->low_seen = true;
		t->evicted_before_low = t->evicted;
		if (t->evicted)
			t->bad_low++;
	}
	t->v[node_of(t, lru)].low_events++;
}

/* mem_cgroup_get_nr_swap_pages(): the device, then swap.max below root. */
static unsigned long t_swap_room(const struct mlab_reclaim_ctl *ctl,
				 struct mlab_lru *lru)
{
	struct tree *t = ctl_tree(ctl);
	unsigned long room = t->swap_total - t->swap_used, u, m;
	int i;

	for (i = node_of(t, lru); i > 0; i = t->v[i].parent) {
		u = mlab_counter_read(t->v[i].swap);
		m = t->v[i].swap->max;
		if (room > (u < m ? m - u : 0))
			room = u < m ? m - u : 0;
	}
	return room;
}

static unsigned long t_swap_reserve(const struct mlab_reclaim_ctl *ctl,
				    struct mlab_lru *lru, unsigned long nr)
{
	struct tree *t = ctl_tree(ctl);
	unsigned long i, dev = t->swap_total - t->swap_used;
	struct mlab_counter *fail;

	if (dev > nr)
		dev = nr;

	for (i = 0; i < dev; i++)
		if (!mlab_counter_try_charge(t->v[node_of(t, lru)].swap, 1,
					     &fail))
			break;
	t->swap_used += i;
	return i;
}

static void t_swapped(const struct mlab_reclaim_ctl *ctl,
		      struct mlab_lru *lru, unsigned long nr,
		      unsigned long reserved)
{
	struct tree *t = ctl_tree(ctl);
	struct node *x = &t->v[node_of(t, lru)];

	if (nr > reserved)
		abort();
	mlab_policy_uncharge(t->p, x->c, nr);
	if (reserved > nr)
		mlab_counter_uncharge(x->swap, reserved - nr);
	t->swap_used -= reserved - nr;
	x->swapped += nr;
}

static int t_swappiness(const struct mlab_reclaim_ctl *ctl,
			struct mlab_lru *lru)
{
	(void)lru;
	return ctl_tree(ctl)->swappiness;
}

static const struct mlab_reclaim_ops t_ops = {
	.next = t_next,
	.lock = t_lock,
	.unlock = t_unlock,
	.try_charge = t_try_charge,
	.evicted = t_evicted,
	.low_event = t_low_event,
};

static const struct mlab_reclaim_ops t_swap_ops = {
	.next = t_next,
	.lock = t_lock,
	.unlock = t_unlock,
	.try_charge = t_try_charge,
	.evicted = t_evicted,
	.low_event = t_low_event,
	.swap_room = t_swap_room,
	.swap_reserve = t_swap_reserve,
	.swapped = t_swapped,
	.swappiness = t_swappiness,
};

static void t_ctl(struct tree *t, struct mlab_reclaim_ctl *ctl,
		  enum mlab_reclaim_mode mode)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->ops = t->swap ? &t_swap_ops : &t_ops;
	ctl->priv = t;
	ctl->policy = t->p;
	ctl->mode = mode;
	ctl->recursiveprot = t->recursive;
	ctl->may_swap = t->swap;
	ctl->swappiness = MLAB_SWAPPINESS_GROUP;
}

static void t_init(struct tree *t, int id, const int *parents, int n)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->p = mlab_policy_create(shim_policy_names[id], MLAB_DEFAULT_BATCH);
	if (IS_ERR(t->p))
		abort();
	t->counters = counters_alloc(n);
	t->swap_counters = counters_alloc(n);
	t->n = n;
	for (i = 0; i < n; i++) {
		struct node *x = &t->v[i];

		x->parent = parents[i];
		x->c = &t->counters[i];
		mlab_policy_counter_init(t->p, x->c,
					 x->parent < 0 ? NULL :
					 &t->counters[x->parent], true);
		x->swap = &t->swap_counters[i];
		mlab_counter_init(x->swap, x->parent < 0 ? NULL :
				  &t->swap_counters[x->parent], true);
		mlab_lru_init(&x->lru, x->c);
		mlab_lru_entry_init(&x->entry);
		mlab_lru_entry_init(&x->anon_entry);
	}
}

static void t_destroy(struct tree *t)
{
	mlab_policy_drain(t->p, NULL);
	mlab_policy_destroy(t->p);
	free(t->counters);
	free(t->swap_counters);
}

/* Charge through the reclaim loop; file pages go on the node's LRU. */
static int t_charge(struct tree *t, int i, unsigned long nr, bool file,
		    enum mlab_reclaim_mode mode)
{
	struct mlab_reclaim_ctl ctl;
	int err;

	t_ctl(t, &ctl, mode);
	t->charging = i;
	err = mlab_reclaim_charge(&ctl, nr, NULL);
	if (err)
		return err;
	if (file) {
		mlab_lru_add(&t->v[i].lru, &t->v[i].entry, nr);
	} else {
		mlab_lru_add_anon(&t->v[i].lru, &t->v[i].anon_entry, nr);
		t->v[i].anon += nr;
	}
	return 0;
}

static unsigned long subtree_sum(struct tree *t, int root, bool file)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < t->n; i++)
		if (is_descendant(t, i, root))
			sum += file ? mlab_lru_file(&t->v[i].lru) :
			       t->v[i].anon - t->v[i].swapped;
	return sum;
}

/* usage == anon + file at every level, once the stocks are drained. */
static void check_usage(struct tree *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		EXPECT_GE(mlab_counter_read(t->v[i].c),
			  subtree_sum(t, i, false) + subtree_sum(t, i, true));
	mlab_policy_drain(t->p, NULL);
	for (i = 0; i < t->n; i++)
		EXPECT_EQ(mlab_counter_read(t->v[i].c),
			  subtree_sum(t, i, false) + subtree_sum(t, i, true));
}

/*
 * The kernel's test_memcg_protection() layout:
 *   0 root, 1 A (max 200M), 2 A/B (50M), 3..6 A/B/C..F (75M, 25M, 0, 500M),
 *   7 A/G.  C, D, E hold 50M of page cache; G charges 148M, then 170M.
 */
static const int prot_parents[] = { -1, 0, 1, 2, 2, 2, 2, 1 };

static void prot_layout(struct tree *t, bool min, enum mlab_reclaim_mode mode)
{
	static const unsigned long prot[4] = {
		MB_PAGES(75), MB_PAGES(25), 0, MB_PAGES(500),
	};
	void (*set)(struct mlab_counter *c, unsigned long nr) =
		min ? mlab_counter_set_min : mlab_counter_set_low;
	int i;

	t_init(t, SHIM_POLICY_STRICT, prot_parents, 8);
	mlab_counter_set_max(t->v[1].c, MB_PAGES(200));
	set(t->v[2].c, MB_PAGES(50));
	for (i = 0; i < 4; i++)
		set(t->v[3 + i].c, prot[i]);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(t_charge(t, 3 + i, MB_PAGES(50), true, mode), 0);
}

/* G charges and gives back nr pages of anon; 0 or -ENOMEM. */
static int prot_anon(struct tree *t, unsigned long nr,
		     enum mlab_reclaim_mode mode)
{
	int err = t_charge(t, 7, nr, false, mode);

	if (!err) {
		mlab_policy_uncharge(t->p, t->v[7].c, nr);
		mlab_lru_remove_anon(&t->v[7].lru, &t->v[7].anon_entry, nr);
		t->v[7].anon -= nr;
	}
	return err;
}

static void prot_case(bool min)
{
	struct tree t;
	long c0, c1;
	int i;

	prot_layout(&t, min, MLAB_RECLAIM_LRU);
	EXPECT_EQ(mlab_counter_read(t.v[2].c), MB_PAGES(150));
	ASSERT_EQ(prot_anon(&t, MB_PAGES(148), MLAB_RECLAIM_LRU), 0);
	EXPECT_TRUE(values_close(mlab_counter_read(t.v[2].c), MB_PAGES(50), 3));
	c0 = mlab_counter_read(t.v[3].c);
	c1 = mlab_counter_read(t.v[4].c);
	harness_note("%s: C %ld KiB, D %ld KiB, E %ld KiB (kernel: ~29M, ~21M)",
		     min ? "min" : "low", c0 * 4, c1 * 4,
		     (long)mlab_counter_read(t.v[5].c) * 4);
	EXPECT_TRUE(values_close(c0, MB_PAGES(29), 10));
	EXPECT_TRUE(values_close(c1, MB_PAGES(21), 10));
	EXPECT_EQ(mlab_counter_read(t.v[6].c), 0);
	if (min) {
		EXPECT_EQ(prot_anon(&t, MB_PAGES(170), MLAB_RECLAIM_LRU),
			  -ENOMEM);
		EXPECT_TRUE(values_close(mlab_counter_read(t.v[2].c),
					 MB_PAGES(50), 3));
	} else {
		EXPECT_EQ(prot_anon(&t, MB_PAGES(170), MLAB_RECLAIM_LRU), 0);
		EXPECT_TRUE(values_close(mlab_counter_read(t.v[2].c),
					 MB_PAGES(30), 3));
		for (i = 0; i < 4; i++)
			if (i <= 1)
				EXPECT_GT(t.v[3 + i].low_events, 0);
			else
				EXPECT_EQ(t.v[3 + i].low_events, 0);
	}
	EXPECT_EQ(t.bad_min, 0);
	EXPECT_EQ(t.bad_low, 0);
	check_usage(&t);
	t_destroy(&t);
}

TEST(reclaim_kernel_selftest_min)
{
	prot_case(true);
}

TEST(reclaim_kernel_selftest_low)
{
	prot_case(false);
}

/*
 * MGLRU as 6.12 runs it has no proportional scaling: what it gives for
 * the same layout is reported, and min is still never breached.
 */
TEST(reclaim_mglru_distribution)
{
	struct tree t;

	prot_layout(&t, true, MLAB_RECLAIM_MGLRU);
	ASSERT_EQ(prot_anon(&t, MB_PAGES(148), MLAB_RECLAIM_MGLRU), 0);
	harness_note("mglru min: C %ld KiB, D %ld KiB, E %ld KiB",
		     (long)mlab_counter_read(t.v[3].c) * 4,
		     (long)mlab_counter_read(t.v[4].c) * 4,
		     (long)mlab_counter_read(t.v[5].c) * 4);
	EXPECT_TRUE(values_close(mlab_counter_read(t.v[2].c), MB_PAGES(50), 3));
	EXPECT_EQ(prot_anon(&t, MB_PAGES(170), MLAB_RECLAIM_MGLRU), -ENOMEM);
	EXPECT_EQ(t.bad_min, 0);
	check_usage(&t);
	t_destroy(&t);
}

/* Nothing to reclaim: 1 + 1 (after the drain) + 16 attempts, then -ENOMEM. */
TEST(reclaim_attempts)
{
	static const int parents[] = { -1, 0, 1 };
	int id;

	for (id = 0; id < SHIM_NR_POLICIES; id++) {
		struct tree t;

		t_init(&t, id, parents, 3);
		mlab_counter_set_max(t.v[1].c, 100);
		ASSERT_EQ(t_charge(&t, 2, 60, false, MLAB_RECLAIM_LRU), 0);
		EXPECT_EQ(t_charge(&t, 2, 50, false, MLAB_RECLAIM_LRU),
			  -ENOMEM);
		EXPECT_EQ(t.v[1].max_events, 18);
		/* batched tries its batch first in every attempt */
		if (id == SHIM_POLICY_BATCHED)
			EXPECT_EQ(t.v[1].c->failcnt, 36);
		else
			EXPECT_EQ(t.v[1].c->failcnt, 18);
		/* A charge that fits once reclaim ran: one more attempt. */
		ASSERT_EQ(t_charge(&t, 2, 30, true, MLAB_RECLAIM_LRU), 0);
		mlab_policy_drain(t.p, NULL);
		EXPECT_EQ(t_charge(&t, 2, 12, false, MLAB_RECLAIM_LRU), 0);
		EXPECT_EQ(t.v[1].max_events, 19);
		EXPECT_LT(mlab_lru_file(&t.v[2].lru), 30);
		check_usage(&t);
		t_destroy(&t);
	}
}

/* memory.reclaim, max below usage and force_empty on one group. */
TEST(reclaim_requests)
{
	static const int parents[] = { -1, 0, 1, 1 };
	struct mlab_reclaim_ctl ctl;
	struct tree t;

	t_init(&t, SHIM_POLICY_BATCHED, parents, 4);
	ASSERT_EQ(t_charge(&t, 2, 1000, true, MLAB_RECLAIM_LRU), 0);
	ASSERT_EQ(t_charge(&t, 3, 1000, true, MLAB_RECLAIM_LRU), 0);
	ASSERT_EQ(t_charge(&t, 3, 100, false, MLAB_RECLAIM_LRU), 0);
	t_ctl(&t, &ctl, MLAB_RECLAIM_LRU);
	EXPECT_EQ(mlab_reclaim_proactive(&ctl, &t.v[1].lru, 0), 0);
	EXPECT_EQ(mlab_reclaim_proactive(&ctl, &t.v[1].lru, 500), 0);
	EXPECT_LE(subtree_sum(&t, 1, true), 1500);
	EXPECT_EQ(mlab_reclaim_proactive(&ctl, &t.v[1].lru, 5000), -EAGAIN);
	EXPECT_EQ(subtree_sum(&t, 1, true), 0);
	EXPECT_EQ(subtree_sum(&t, 1, false), 100);
	ASSERT_EQ(t_charge(&t, 2, 1000, true, MLAB_RECLAIM_LRU), 0);
	mlab_counter_xchg_max(t.v[1].c, 600);
	EXPECT_TRUE(mlab_reclaim_to_limit(&ctl, &t.v[1].lru, 600));
	EXPECT_LE(mlab_counter_read(t.v[1].c), 600);
	EXPECT_FALSE(mlab_reclaim_to_limit(&ctl, &t.v[1].lru, 50));
	EXPECT_EQ(mlab_reclaim_resize_max(&ctl, &t.v[1].lru, 80), -EBUSY);
	EXPECT_EQ(t.v[1].c->max, 600);
	EXPECT_EQ(mlab_reclaim_resize_max(&ctl, &t.v[1].lru, 400), 0);
	EXPECT_EQ(t.v[1].c->max, 400);
	EXPECT_LE(mlab_counter_read(t.v[1].c), 400);
	EXPECT_EQ(mlab_reclaim_empty(&ctl, &t.v[2].lru), 0);
	EXPECT_EQ(mlab_counter_read(t.v[2].c), 0);
	EXPECT_EQ(mlab_reclaim_empty(&ctl, &t.v[1].lru), 0);
	EXPECT_EQ(mlab_counter_read(t.v[1].c), 100);
	EXPECT_EQ(t.bad_min + t.bad_low, 0);
	check_usage(&t);
	t_destroy(&t);
}

/* An LRU entry gives back only what reclaim left of it. */
TEST(reclaim_lru_entries)
{
	static const int parents[] = { -1, 0 };
	struct mlab_lru_entry a, b;
	struct mlab_reclaim_ctl ctl;
	struct tree t;

	t_init(&t, SHIM_POLICY_STRICT, parents, 2);
	mlab_lru_entry_init(&a);
	mlab_lru_entry_init(&b);
	mlab_policy_charge(t.p, t.v[1].c, 300);
	mlab_lru_add(&t.v[1].lru, &a, 100);
	mlab_lru_add(&t.v[1].lru, &b, 100);
	mlab_lru_add(&t.v[1].lru, &a, 100);	/* a is the youngest now */
	t_ctl(&t, &ctl, MLAB_RECLAIM_LRU);
	/*
	 * 300 pages scanned 0, 0, 0, 0, 1, 2, 4, 9, 17 at priorities 12..4:
	 * 33, the goal being checked after each walk.
	 */
	EXPECT_EQ(mlab_reclaim_pages(&ctl, &t.v[1].lru, 32), 33);
	/* The oldest holder (b) lost them. */
	EXPECT_EQ(mlab_lru_entry_pages(&t.v[1].lru, &b), 67);
	EXPECT_EQ(mlab_lru_entry_pages(&t.v[1].lru, &a), 200);
	EXPECT_EQ(mlab_lru_remove(&t.v[1].lru, &b, 100), 67);
	EXPECT_EQ(mlab_lru_remove(&t.v[1].lru, &b, 100), 0);
	EXPECT_EQ(mlab_lru_remove(&t.v[1].lru, &a, ULONG_MAX), 200);
	EXPECT_EQ(mlab_lru_file(&t.v[1].lru), 0);
	EXPECT_EQ(atomic_long_read(&t.v[1].lru.pgsteal), 33);
	EXPECT_EQ(atomic_long_read(&t.v[1].lru.pgscan), 33);
	mlab_policy_uncharge(t.p, t.v[1].c, 267);
	EXPECT_EQ(mlab_counter_read(t.v[1].c), 0);
	t_destroy(&t);
}

/*
 * A random tree of 2..MAXN nodes under a random policy, and a random reclaim
 * model for it; returns the node count.
 */
static int t_random(struct tree *t, uint64_t *seed, enum mlab_reclaim_mode *mode)
{
	int parents[MAXN], n, i;

	*mode = rnd_below(seed, 2);
	n = 2 + rnd_below(seed, MAXN - 2);
	parents[0] = -1;
	for (i = 1; i < n; i++)
		parents[i] = rnd_below(seed, i);
	t_init(t, rnd_below(seed, SHIM_NR_POLICIES), parents, n);
	return n;
}

/*
 * Random trees, protections, limits and charges of both types; the
 * properties are checked on every eviction and low event (bad_min,
 * bad_low) and after every operation.
 */
TEST(reclaim_properties)
{
	unsigned long rounds = harness_scale(300), r;
	uint64_t seed = 0x5eed0fec1a1dULL;

	for (r = 0; r < rounds; r++) {
		enum mlab_reclaim_mode mode;
		struct tree t;
		int i, op, n = t_random(&t, &seed, &mode);

		t.recursive = rnd_below(&seed, 2);
		for (i = 1; i < n; i++) {
			if (rnd_below(&seed, 2))
				mlab_counter_set_max(t.v[i].c,
						     100 + rnd_below(&seed, 4000));
			if (rnd_below(&seed, 2))
				mlab_counter_set_min(t.v[i].c,
						     rnd_below(&seed, 1500));
			if (rnd_below(&seed, 2))
				mlab_counter_set_low(t.v[i].c,
						     rnd_below(&seed, 1500));
		}
		for (op = 0; op < 40; op++) {
			unsigned long before_file, before_anon, nr;
			int g = 1 + rnd_below(&seed, n - 1);
			bool file = rnd_below(&seed, 3);

			before_file = subtree_sum(&t, 0, true);
			before_anon = subtree_sum(&t, 0, false);
			nr = 1 + rnd_below(&seed, 600);
			if (!t_charge(&t, g, nr, file, mode))
				before_file += file ? nr : 0,
				before_anon += file ? 0 : nr;
			/* Never anon, never more file than there was. */
			EXPECT_EQ(subtree_sum(&t, 0, false), before_anon);
			EXPECT_LE(subtree_sum(&t, 0, true), before_file);
			if (rnd_below(&seed, 8) == 0) {
				struct mlab_reclaim_ctl ctl;

				t_ctl(&t, &ctl, mode);
				t.target = &t.v[g].lru;
				mlab_reclaim_proactive(&ctl, &t.v[g].lru,
						       rnd_below(&seed, 800));
			}
			for (i = 1; i < n; i++)
				EXPECT_LE(mlab_counter_read(t.v[i].c),
					  t.v[i].c->max);
		}
		EXPECT_EQ(t.bad_min, 0);
		EXPECT_EQ(t.bad_low, 0);
		check_usage(&t);
		t_destroy(&t);
	}
}

/* Swap of a subtree: what its nodes swapped out. */
static unsigned long swapped_sum(struct tree *t, int root)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < t->n; i++)
		if (is_descendant(t, i, root))
			sum += t->v[i].swapped;
	return sum;
}

/*
 * Random trees with a swap device, swap.max at random levels and a random
 * swappiness: swap never passes the device or any swap.max, every level's
 * swap counter is the swapped anon of its subtree, usage is resident anon
 * + file (+ stock), and each node's anon is resident + swapped.
 */
TEST(reclaim_swap_properties)
{
	unsigned long rounds = harness_scale(300), r, used = 0;
	uint64_t seed = 0x5a9e5a9e5a9eULL;

	for (r = 0; r < rounds; r++) {
		enum mlab_reclaim_mode mode;
		struct tree t;
		int i, op, n = t_random(&t, &seed, &mode);

		t.swap = true;
		t.swappiness = rnd_below(&seed, 4) ? rnd_below(&seed, 201) :
			       rnd_below(&seed, 2) * 200;
		t.swap_total = rnd_below(&seed, 3000);
		for (i = 1; i < n; i++) {
			if (rnd_below(&seed, 2))
				mlab_counter_set_max(t.v[i].c,
						     100 + rnd_below(&seed, 3000));
			if (rnd_below(&seed, 2))
				mlab_counter_set_max(t.v[i].swap,
						     rnd_below(&seed, 1500));
			if (rnd_below(&seed, 3) == 0)
				mlab_counter_set_low(t.v[i].c,
						     rnd_below(&seed, 1000));
		}
		for (op = 0; op < 40; op++) {
			int g = 1 + rnd_below(&seed, n - 1);
			unsigned long nr = 1 + rnd_below(&seed, 600);
			struct mlab_reclaim_ctl ctl;

			switch (rnd_below(&seed, 4)) {
			case 0:
				t_ctl(&t, &ctl, mode);
				t.target = &t.v[g].lru;
				mlab_reclaim_proactive(&ctl, &t.v[g].lru, nr);
				break;
			case 1:
				t_charge(&t, g, nr, true, mode);
				break;
			default:
				t_charge(&t, g, nr, false, mode);
				break;
			}
			EXPECT_LE(t.swap_used, t.swap_total);
			EXPECT_EQ(t.swap_used, swapped_sum(&t, 0));
			for (i = 0; i < n; i++) {
				struct node *x = &t.v[i];

				EXPECT_LE(mlab_counter_read(x->swap),
					  x->swap->max);
				EXPECT_EQ(mlab_counter_read(x->swap),
					  swapped_sum(&t, i));
				EXPECT_EQ(x->anon, x->swapped +
					  mlab_lru_anon(&x->lru));
				if (!t.swappiness)
					EXPECT_EQ(x->swapped, 0);
			}
		}
		used += t.swap_used;
		EXPECT_EQ(t.bad_min, 0);
		check_usage(&t);
		t_destroy(&t);
	}
	/* The properties hold over trees that did swap. */
	harness_note("%lu swap slots in use at the ends of %lu rounds", used,
		     rounds);
	EXPECT_GT(used, 0);
}
