// SPDX-License-Identifier: GPL-2.0
/*
 * property_test.c - random trees, random operation sequences, every step
 * checked against a plain sequential reference model of the same policy.
 *
 * The model is written for clarity, not speed: arrays of longs, a loop up
 * the parent indices, memcg's stock algorithm spelled out.  After each
 * operation every counter's usage, max, watermarks and failcnt must match
 * the model, and the invariants must hold:
 *   - parent usage >= sum of its children's usage;
 *   - usage <= max, unless a forced charge or xchg_max put it over;
 *   - protected usage bookkeeping equals min(usage, setting), summed;
 * and when a tree is retired (all charges returned, stocks drained) every
 * usage is exactly zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "harness.h"
#include "shim/shim.h"
#include "test_util.h"

#define MAXN 16
#define NCPU 4			/* CPUs the sequence moves between */

struct mnode {
	int parent;		/* -1 for the root */
	bool track;
	bool over_ok;		/* usage may exceed max (forced/xchg) */
	long usage, max, min, low, wm, lwm, failcnt, emin, elow;
	long held;		/* pages the test owns, charged here */
};

struct mstock {
	int cached;		/* -1: none */
	long nr;
};

struct model {
	enum shim_policy id;
	long batch;
	int n, cpu;
	struct mnode v[MAXN];
	struct mstock stock[NCPU];
};

static void m_add_level(struct model *m, int i, long n)
{
	struct mnode *x = &m->v[i];

	x->usage += n;
	if (x->usage > x->lwm) {
		x->lwm = x->usage;
		if (x->usage > x->wm)
			x->wm = x->usage;
	}
}

static void m_charge(struct model *m, int i, long n)
{
	for (; i >= 0; i = m->v[i].parent)
		m_add_level(m, i, n);
}

static void m_uncharge(struct model *m, int i, long n)
{
	for (; i >= 0; i = m->v[i].parent)
		m->v[i].usage -= n;
}

/* Returns the failing index, or -1. */
static int m_try_charge(struct model *m, int leaf, long n)
{
	int i, j;

	for (i = leaf; i >= 0; i = m->v[i].parent) {
		if (m->v[i].usage + n > m->v[i].max) {
			if (m->v[i].track)
				m->v[i].failcnt++;
			for (j = leaf; j != i; j = m->v[j].parent)
				m->v[j].usage -= n;
			return i;
		}
		m_add_level(m, i, n);
	}
	return -1;
}

static void m_drain_stock(struct model *m, struct mstock *s)
{
	if (s->cached >= 0 && s->nr)
		m_uncharge(m, s->cached, s->nr);
	s->cached = -1;
	s->nr = 0;
}

static void m_refill(struct model *m, int i, long n)
{
	struct mstock *s = &m->stock[m->cpu];

	if (s->cached != i) {
		m_drain_stock(m, s);
		s->cached = i;
	}
	s->nr += n;
	if (s->nr > m->batch)
		m_drain_stock(m, s);
}

static bool m_consume(struct model *m, int i, long n)
{
	struct mstock *s = &m->stock[m->cpu];

	if (m->id != SHIM_POLICY_BATCHED || s->cached != i || s->nr < n)
		return false;
	s->nr -= n;
	return true;
}

static bool m_in_subtree(struct model *m, int i, int root)
{
	for (; i >= 0; i = m->v[i].parent)
		if (i == root)
			return true;
	return false;
}

static void m_drain(struct model *m, int root)
{
	int cpu;

	if (m->id != SHIM_POLICY_BATCHED)
		return;
	for (cpu = 0; cpu < NCPU; cpu++) {
		struct mstock *s = &m->stock[cpu];

		if (s->cached >= 0 &&
		    (root < 0 || m_in_subtree(m, s->cached, root)))
			m_drain_stock(m, s);
	}
}

static int m_policy_try_charge(struct model *m, int i, long n)
{
	long batch;
	int fail;

	if (m->id != SHIM_POLICY_BATCHED)
		return m_try_charge(m, i, n);
	if (m_consume(m, i, n))
		return -1;
	batch = n > m->batch ? n : m->batch;
	fail = m_try_charge(m, i, batch);
	if (fail >= 0) {
		if (batch == n)
			return fail;
		fail = m_try_charge(m, i, n);
		if (fail >= 0)
			return fail;
		batch = n;
	}
	if (batch > n)
		m_refill(m, i, batch - n);
	return -1;
}

static void m_policy_charge(struct model *m, int i, long n)
{
	int j;

	if (!m_consume(m, i, n))
		m_charge(m, i, n);
	for (j = i; j >= 0; j = m->v[j].parent)
		m->v[j].over_ok = true;
}

static void m_policy_uncharge(struct model *m, int i, long n)
{
	if (m->id == SHIM_POLICY_BATCHED && m->stock[m->cpu].cached == i)
		m_refill(m, i, n);
	else
		m_uncharge(m, i, n);
}

static int m_set_max(struct model *m, int i, long v)
{
	if (m->v[i].usage > v)
		return -EBUSY;
	m->v[i].max = v;
	return 0;
}

static int m_policy_set_max(struct model *m, int i, long v)
{
	int ret = m_set_max(m, i, v);

	if (ret && m->id == SHIM_POLICY_BATCHED) {
		m_drain(m, i);
		ret = m_set_max(m, i, v);
	}
	return ret;
}

static long m_effective(long usage, long parent_usage, long setting,
			long parent_eff, long siblings, bool rec)
{
	long prot = usage < setting ? usage : setting;

	if (siblings > parent_eff)
		return prot * parent_eff / siblings;
	if (rec && parent_eff > siblings && parent_usage > siblings &&
	    usage > prot)
		prot += (parent_eff - siblings) * (usage - prot) /
			(parent_usage - siblings);
	return prot;
}

/* children's protected usage, recomputed from scratch */
static long m_children_prot(struct model *m, int p, bool low)
{
	long sum = 0;
	int i;

	for (i = 0; i < m->n; i++) {
		struct mnode *x = &m->v[i];
		long s = low ? x->low : x->min;

		if (x->parent == p)
			sum += x->usage < s ? x->usage : s;
	}
	return sum;
}

static void m_protect(struct model *m, int root, int i, bool rec)
{
	struct mnode *x = &m->v[i], *p;

	if (i == root || !x->usage)
		return;
	if (x->parent == root) {
		x->emin = x->min;
		x->elow = x->low;
		return;
	}
	p = &m->v[x->parent];
	x->emin = m_effective(x->usage, p->usage, x->min, p->emin,
			      m_children_prot(m, x->parent, false), rec);
	x->elow = m_effective(x->usage, p->usage, x->low, p->elow,
			      m_children_prot(m, x->parent, true), rec);
}

struct world {
	struct model m;
	struct mlab_policy *p;
	struct mlab_counter *c;
	uint64_t rng;
	unsigned long ops, mismatches;
};

static bool check_world(struct world *w, const char *op)
{
	struct model *m = &w->m;
	bool ok = true;
	int i;

	for (i = 0; i < m->n; i++) {
		struct mnode *x = &m->v[i];
		struct mlab_counter *c = &w->c[i];
		long kids = 0;
		int j;

		ok &= EXPECT_EQ(mlab_counter_read(c), x->usage);
		ok &= EXPECT_EQ(c->max, x->max);
		ok &= EXPECT_EQ(c->watermark, x->wm);
		ok &= EXPECT_EQ(c->local_watermark, x->lwm);
		ok &= EXPECT_EQ(c->failcnt, x->failcnt);
		ok &= EXPECT_EQ(c->emin, x->emin);
		ok &= EXPECT_EQ(c->elow, x->elow);
		ok &= EXPECT_LE(c->local_watermark, c->watermark);
		for (j = 0; j < m->n; j++)
			if (m->v[j].parent == i)
				kids += mlab_counter_read(&w->c[j]);
		ok &= EXPECT_GE(mlab_counter_read(c), kids);
		if (x->usage <= x->max)
			x->over_ok = false;
		else
			ok &= EXPECT_TRUE(x->over_ok);
		ok &= EXPECT_EQ(atomic_long_read(&c->children_min_usage),
				m_children_prot(m, i, false));
		ok &= EXPECT_EQ(atomic_long_read(&c->children_low_usage),
				m_children_prot(m, i, true));
	}
	if (!ok && w->mismatches++ < 3)
		harness_note("mismatch after op %lu (%s), policy %s, %d nodes",
			     w->ops, op, shim_policy_names[m->id], m->n);
	return ok;
}

static void world_build(struct world *w, enum shim_policy id)
{
	struct model *m = &w->m;
	static const unsigned int batches[] = { 1, 4, 16, 64 };
	int i;

	memset(m, 0, sizeof(*m));
	m->id = id;
	m->n = 2 + rnd_below(&w->rng, MAXN - 1);
	m->batch = batches[rnd_below(&w->rng, 4)];
	shim_set_cpu(0);
	for (i = 0; i < NCPU; i++)
		m->stock[i].cached = -1;
	w->p = mlab_policy_create(shim_policy_names[id], m->batch);
	if (IS_ERR(w->p))
		abort();
	w->c = counters_alloc(m->n);
	for (i = 0; i < m->n; i++) {
		struct mnode *x = &m->v[i];

		x->parent = i ? (int)rnd_below(&w->rng, i) : -1;
		x->track = rnd_below(&w->rng, 2);
		x->max = MLAB_COUNTER_MAX;
		mlab_policy_counter_init(w->p, &w->c[i],
					 i ? &w->c[x->parent] : NULL, x->track);
		if (i && rnd_below(&w->rng, 2)) {
			x->max = rnd_below(&w->rng, 400);
			mlab_counter_set_max(&w->c[i], x->max);
		}
	}
}

static void world_retire(struct world *w)
{
	struct model *m = &w->m;
	int i;

	for (i = 0; i < m->n; i++) {
		if (m->v[i].held) {
			mlab_policy_uncharge(w->p, &w->c[i], m->v[i].held);
			m_policy_uncharge(m, i, m->v[i].held);
			m->v[i].held = 0;
		}
	}
	mlab_policy_drain(w->p, NULL);
	m_drain(m, -1);
	check_world(w, "retire");
	for (i = 0; i < m->n; i++) {
		EXPECT_EQ(mlab_counter_read(&w->c[i]), 0);
		EXPECT_EQ(atomic_long_read(&w->c[i].children_min_usage), 0);
		EXPECT_EQ(atomic_long_read(&w->c[i].children_low_usage), 0);
	}
	mlab_policy_destroy(w->p);
	free(w->c);
}

static long pick_amount(struct world *w)
{
	unsigned long r = rnd_below(&w->rng, 100);

	if (r < 70)
		return 1 + rnd_below(&w->rng, 8);
	if (r < 95)
		return 1 + rnd_below(&w->rng, 80);
	return 1 + rnd_below(&w->rng, 400);
}

static long pick_limit(struct world *w, int i)
{
	long u = w->m.v[i].usage;

	switch (rnd_below(&w->rng, 5)) {
	case 0:
		return MLAB_COUNTER_MAX;
	case 1:
		return u;
	case 2:
		return u > 5 ? u - 1 - rnd_below(&w->rng, 5) : 0;
	case 3:
		return u + rnd_below(&w->rng, 100);
	default:
		return rnd_below(&w->rng, 500);
	}
}

static const char *world_step(struct world *w)
{
	struct model *m = &w->m;
	int i = rnd_below(&w->rng, m->n), j, ret;
	unsigned long op = rnd_below(&w->rng, 1000);
	struct mlab_counter *fail = NULL;
	long n, v;

	if (op < 380) {
		n = pick_amount(w);
		ret = mlab_policy_try_charge(w->p, &w->c[i], n, &fail);
		j = m_policy_try_charge(m, i, n);
		EXPECT_EQ(ret, j < 0 ? 0 : -ENOMEM);
		if (j >= 0)
			EXPECT_PTR(fail, &w->c[j]);
		else if (!ret)
			m->v[i].held += n;
		return "try_charge";
	}
	if (op < 700) {
		for (j = 0; j < m->n && !m->v[i].held; j++)
			i = (i + 1) % m->n;
		if (!m->v[i].held)
			return "nothing to uncharge";
		n = 1 + rnd_below(&w->rng, m->v[i].held);
		mlab_policy_uncharge(w->p, &w->c[i], n);
		m_policy_uncharge(m, i, n);
		m->v[i].held -= n;
		return "uncharge";
	}
	if (op < 715) {
		n = pick_amount(w);
		mlab_policy_charge(w->p, &w->c[i], n);
		m_policy_charge(m, i, n);
		m->v[i].held += n;
		return "charge";
	}
	if (op < 800) {
		v = pick_limit(w, i);
		EXPECT_EQ(mlab_policy_set_max(w->p, &w->c[i], v),
			  m_policy_set_max(m, i, v));
		return "set_max";
	}
	if (op < 805) {
		v = pick_limit(w, i);
		EXPECT_EQ(mlab_counter_xchg_max(&w->c[i], v), m->v[i].max);
		m->v[i].max = v;
		if (m->v[i].usage > v)
			m->v[i].over_ok = true;
		return "xchg_max";
	}
	if (op < 830) {
		v = rnd_below(&w->rng, 300);
		if (op & 1) {
			mlab_counter_set_min(&w->c[i], v);
			m->v[i].min = v;
		} else {
			mlab_counter_set_low(&w->c[i], v);
			m->v[i].low = v;
		}
		return "set_min/low";
	}
	if (op < 845) {
		mlab_counter_reset_watermark(&w->c[i]);
		m->v[i].wm = m->v[i].lwm = m->v[i].usage;
		return "reset_watermark";
	}
	if (op < 860) {
		mlab_counter_reset_local_watermark(&w->c[i]);
		m->v[i].lwm = m->v[i].usage;
		return "reset_local_watermark";
	}
	if (op < 870) {
		mlab_counter_reset_failcnt(&w->c[i]);
		m->v[i].failcnt = 0;
		return "reset_failcnt";
	}
	if (op < 900) {
		if (op & 1) {
			mlab_policy_drain(w->p, &w->c[i]);
			m_drain(m, i);
		} else {
			mlab_policy_drain(w->p, NULL);
			m_drain(m, -1);
		}
		return "drain";
	}
	if (op < 960) {
		m->cpu = rnd_below(&w->rng, NCPU);
		shim_set_cpu(m->cpu);
		return "switch cpu";
	}
	{
		bool rec = op & 1;

		for (j = 0; j < m->n; j++) {
			if (!m_in_subtree(m, j, i))
				continue;
			mlab_counter_calculate_protection(&w->c[i], &w->c[j],
							  rec);
			m_protect(m, i, j, rec);
		}
		return "calculate_protection";
	}
}

static void run_property(enum shim_policy id, uint64_t seed)
{
	struct world w = { .rng = seed };
	unsigned long total = harness_scale(1000000), per_tree = 5000;

	shim_set_cpu(0);
	while (w.ops < total && w.mismatches < 3) {
		unsigned long k;

		world_build(&w, id);
		for (k = 0; k < per_tree && w.ops < total; k++, w.ops++) {
			const char *op = world_step(&w);

			if (!check_world(&w, op))
				break;
		}
		world_retire(&w);
	}
	shim_set_cpu(0);
	harness_note("%s: %lu operations checked", shim_policy_names[id],
		     w.ops);
	EXPECT_GE(w.ops, total);
}

TEST(property_strict)
{
	run_property(SHIM_POLICY_STRICT, 0x9e3779b97f4a7c15ULL);
}

TEST(property_batched)
{
	run_property(SHIM_POLICY_BATCHED, 0xd1b54a32d192ed03ULL);
}

TEST(property_locked)
{
	run_property(SHIM_POLICY_LOCKED, 0x8cb92ba72f3d8dd7ULL);
}
