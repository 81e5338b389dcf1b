// SPDX-License-Identifier: GPL-2.0
/*
 * ops_fuzz.c - libFuzzer harness: random operation sequences on the native
 * build of kmod/counter.c + kmod/policy.c (selftests/userspace/shim).
 *
 * The input chooses a policy, a batch, a tree of up to MAX_NODES counters
 * and then a sequence of operations: try_charge, forced charge, uncharge,
 * v1 set_max, v2 xchg_max, min/low/high, protection, drain, watermark and
 * failcnt resets, switching the "CPU" the caller runs on, and taking CPUs
 * offline.  A model records the pages the caller holds in each counter.
 * After every operation:
 *
 *   - usage[c] >= the sum of the children's usage;
 *   - strict/locked: usage[c] == pages held in c's subtree, exactly;
 *     batched: at most NR_CPUS * batch above it, exact after a drain;
 *   - try_charge fails only if some level on the path had usage + n > max,
 *     and (strict/locked) succeeds whenever every level had room;
 *   - usage <= max unless a forced charge or an unconditional (v2) max
 *     lowered below usage put it there, until usage is back under max;
 *   - usage <= local_watermark <= watermark;
 *   - min_usage/low_usage == min(usage, setting) and the parent's
 *     children_*_usage == the sum over its children;
 *   - effective protection never hands children more than the parent has;
 *   - failcnt moves only on try_charge, only where tracked;
 *   - no WARN (underflow) at all.
 *
 * At the end every held page is uncharged, stocks are drained, every usage
 * must be exactly zero, and the policy is destroyed (ASan checks leaks).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>
#include <linux/errno.h>
#include "counter.h"
#include "policy.h"
#include "shim.h"

#define MAX_NODES 8
#define MAX_OPS 2000

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t in_u8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static unsigned int in_u16(struct input *in)
{
	unsigned int v = in_u8(in);

	return v | (unsigned int)in_u8(in) << 8;
}

struct world {
	struct mlab_policy *p;
	enum shim_policy id;
	unsigned int batch;
	int nr;
	int parent[MAX_NODES];
	struct mlab_counter c[MAX_NODES];
	unsigned long held[MAX_NODES];	/* pages charged at exactly this node */
	bool may_exceed[MAX_NODES];	/* usage > max is legitimate for now */
	unsigned long warn_base;
	unsigned long op;		/* for messages */
	const char *opname;
};

static void __attribute__((format(printf, 3, 4), noreturn))
fail(struct world *w, int node, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ops_fuzz: policy %s batch %u op #%lu (%s) node %d: ",
		shim_policy_names[w->id], w->batch, w->op, w->opname, node);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static bool is_ancestor_or_self(struct world *w, int a, int node)
{
	for (; node >= 0; node = w->parent[node])
		if (node == a)
			return true;
	return false;
}

static unsigned long subtree_held(struct world *w, int a)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < w->nr; i++)
		if (is_ancestor_or_self(w, a, i))
			sum += w->held[i];
	return sum;
}

static long usage(struct world *w, int i)
{
	return (long)mlab_counter_read(&w->c[i]);
}

/* A limit near the interesting region: 0, max, usage-1, usage, usage+1, ... */
static unsigned long pick_limit(struct world *w, struct input *in, int node)
{
	uint8_t k = in_u8(in);
	long u = usage(w, node);

	switch (k % 8) {
	case 0:
		return 0;
	case 1:
		return MLAB_COUNTER_MAX;
	case 2:
		return u;
	case 3:
		return u ? u - 1 : 0;
	case 4:
		return u + 1;
	case 5:
		return u + (k >> 3);
	default:
		return in_u16(in) % 2048;
	}
}

static unsigned long pick_pages(struct input *in)
{
	uint8_t k = in_u8(in);

	if (k < 224)
		return 1 + k % 96;
	return 1 + in_u16(in);	/* bigger than any batch we pick */
}

static void check_all(struct world *w, bool drained)
{
	int i, j;

	if (shim_warn_count() != w->warn_base)
		fail(w, -1, "%lu WARN(s)",
		     shim_warn_count() - w->warn_base);

	for (i = 0; i < w->nr; i++) {
		struct mlab_counter *c = &w->c[i];
		long u = usage(w, i), held = (long)subtree_held(w, i);
		long kids = 0, kmin = 0, klow = 0;

		if (u < 0)
			fail(w, i, "negative usage %ld", u);
		for (j = 0; j < w->nr; j++) {
			if (w->parent[j] != i)
				continue;
			kids += usage(w, j);
			kmin += atomic_long_read(&w->c[j].min_usage);
			klow += atomic_long_read(&w->c[j].low_usage);
		}
		if (u < kids)
			fail(w, i, "usage %ld < children's sum %ld", u, kids);
		if (w->id != SHIM_POLICY_BATCHED || drained) {
			if (u != held)
				fail(w, i, "usage %ld != pages held %ld", u, held);
		} else if (u < held ||
			   u - held > (long)SHIM_NR_CPUS * (long)w->batch) {
			fail(w, i, "usage %ld vs pages held %ld: stock out of bounds",
			     u, held);
		}
		if ((unsigned long)u <= READ_ONCE(c->max))
			w->may_exceed[i] = false;
		else if (!w->may_exceed[i])
			fail(w, i, "usage %ld above max %ld", u, (long)c->max);
		if ((unsigned long)u > READ_ONCE(c->local_watermark) ||
		    READ_ONCE(c->local_watermark) > READ_ONCE(c->watermark))
			fail(w, i, "watermarks: local %ld global %ld",
			     (long)c->local_watermark, (long)c->watermark);
		if (atomic_long_read(&c->children_min_usage) != kmin)
			fail(w, i, "children_min_usage %ld != sum %ld",
			     atomic_long_read(&c->children_min_usage), kmin);
		if (atomic_long_read(&c->children_low_usage) != klow)
			fail(w, i, "children_low_usage %ld != sum %ld",
			     atomic_long_read(&c->children_low_usage), klow);
		if (w->parent[i] >= 0) {
			unsigned long m = READ_ONCE(c->min), l = READ_ONCE(c->low);

			if (atomic_long_read(&c->min_usage) !=
			    (long)((unsigned long)u < m ? (unsigned long)u : m))
				fail(w, i, "min_usage %ld for usage %ld",
				     atomic_long_read(&c->min_usage), u);
			if (atomic_long_read(&c->low_usage) !=
			    (long)((unsigned long)u < l ? (unsigned long)u : l))
				fail(w, i, "low_usage %ld for usage %ld",
				     atomic_long_read(&c->low_usage), u);
		}
		if (!c->track_failcnt && c->failcnt)
			fail(w, i, "failcnt %lu on an untracked counter",
			     c->failcnt);
	}
}

static void op_try_charge(struct world *w, int node, unsigned long n)
{
	unsigned long before_fc[MAX_NODES];
	bool room = true;
	struct mlab_counter *failc = NULL;
	int a, i, err;

	for (a = node; a >= 0; a = w->parent[a])
		if (usage(w, a) + n > READ_ONCE(w->c[a].max))
			room = false;
	for (i = 0; i < w->nr; i++)
		before_fc[i] = w->c[i].failcnt;

	err = mlab_policy_try_charge(w->p, &w->c[node], n, &failc);
	if (!err) {
		w->held[node] += n;
		if (!room && w->id != SHIM_POLICY_BATCHED)
			fail(w, node, "charge of %lu fitted nowhere but succeeded",
			     n);
	} else {
		long f = failc ? failc - w->c : -1;

		if (err != -ENOMEM)
			fail(w, node, "try_charge returned %d", err);
		if (room)
			fail(w, node, "charge of %lu had room but failed", n);
		if (f < 0 || f >= w->nr || !is_ancestor_or_self(w, f, node))
			fail(w, node, "limiting counter %ld is not on the path", f);
		if (usage(w, f) + n <= READ_ONCE(w->c[f].max))
			fail(w, node, "limiting counter %ld had room for %ld",
			     f, (long)n);
	}
	for (i = 0; i < w->nr; i++) {
		unsigned long d = w->c[i].failcnt - before_fc[i];

		if (d > 2 || (d && !is_ancestor_or_self(w, i, node)))
			fail(w, i, "failcnt moved by %lu", d);
	}
}

static void op_set_max(struct world *w, int node, unsigned long limit)
{
	unsigned long old = READ_ONCE(w->c[node].max);
	unsigned long real = subtree_held(w, node);
	int err = mlab_policy_set_max(w->p, &w->c[node], limit);

	if (err && err != -EBUSY)
		fail(w, node, "set_max returned %d", err);
	if (!err != (real <= limit))
		fail(w, node, "set_max(%ld) with %ld pages held: wrong outcome",
		     (long)limit, (long)real);
	if (READ_ONCE(w->c[node].max) != (err ? old : limit))
		fail(w, node, "max is %ld after set_max(%ld)",
		     (long)w->c[node].max, (long)limit);
}

static void check_protection(struct world *w, bool recursive)
{
	int i, j;

	/* Node order is a topological order: parents come first. */
	for (i = 0; i < w->nr; i++)
		mlab_counter_calculate_protection(&w->c[0], &w->c[i], recursive);
	for (i = 1; i < w->nr; i++) {
		unsigned long smin = 0, slow = 0;

		if (w->parent[i] < 0 || !usage(w, i))
			continue;
		for (j = 0; j < w->nr; j++) {
			if (w->parent[j] != i || !usage(w, j))
				continue;
			smin += mlab_counter_emin(&w->c[j]);
			slow += mlab_counter_elow(&w->c[j]);
		}
		if (smin > mlab_counter_emin(&w->c[i]))
			fail(w, i, "children's emin %ld > emin %ld", (long)smin,
			     (long)mlab_counter_emin(&w->c[i]));
		if (slow > mlab_counter_elow(&w->c[i]))
			fail(w, i, "children's elow %ld > elow %ld", (long)slow,
			     (long)mlab_counter_elow(&w->c[i]));
	}
}

enum {
	OP_TRY_CHARGE, OP_CHARGE, OP_UNCHARGE, OP_SET_MAX, OP_XCHG_MAX,
	OP_SET_MIN, OP_SET_LOW, OP_SET_HIGH, OP_PROTECTION, OP_DRAIN,
	OP_RESET_WM, OP_RESET_LOCAL_WM, OP_RESET_FAILCNT, OP_CPU, OP_OFFLINE,
	OP_TRY_CHARGE2, NR_OPS
};

static const char * const op_names[NR_OPS] = {
	"try_charge", "charge", "uncharge", "set_max", "xchg_max", "set_min",
	"set_low", "set_high", "protection", "drain", "reset_watermark",
	"reset_local_watermark", "reset_failcnt", "cpu", "offline",
	"try_charge",
};

static void run_op(struct world *w, struct input *in)
{
	uint8_t op = in_u8(in) % NR_OPS;
	int node = in_u8(in) % w->nr, a, cpu;
	unsigned long n, old;
	bool drained = false;

	w->opname = op_names[op];
	switch (op) {
	case OP_TRY_CHARGE:
	case OP_TRY_CHARGE2:
		op_try_charge(w, node, pick_pages(in));
		break;
	case OP_CHARGE:
		n = pick_pages(in);
		mlab_policy_charge(w->p, &w->c[node], n);
		w->held[node] += n;
		for (a = node; a >= 0; a = w->parent[a])
			w->may_exceed[a] = true;
		break;
	case OP_UNCHARGE:
		n = pick_pages(in);
		if (n > w->held[node])
			n = w->held[node];
		if (n) {
			mlab_policy_uncharge(w->p, &w->c[node], n);
			w->held[node] -= n;
		}
		break;
	case OP_SET_MAX:
		op_set_max(w, node, pick_limit(w, in, node));
		break;
	case OP_XCHG_MAX:
		n = pick_limit(w, in, node);
		old = READ_ONCE(w->c[node].max);
		if (mlab_counter_xchg_max(&w->c[node], n) != old)
			fail(w, node, "xchg_max returned a stale limit");
		w->may_exceed[node] = true;
		break;
	case OP_SET_MIN:
		mlab_counter_set_min(&w->c[node], pick_limit(w, in, node));
		break;
	case OP_SET_LOW:
		mlab_counter_set_low(&w->c[node], pick_limit(w, in, node));
		break;
	case OP_SET_HIGH:
		mlab_counter_set_high(&w->c[node], pick_limit(w, in, node));
		break;
	case OP_PROTECTION:
		check_protection(w, in_u8(in) & 1);
		break;
	case OP_DRAIN:
		if (in_u8(in) & 1) {
			mlab_policy_drain(w->p, NULL);
			drained = true;
		} else {
			mlab_policy_drain(w->p, &w->c[node]);
			if (usage(w, node) != (long)subtree_held(w, node))
				fail(w, node, "usage %ld != held %ld after drain",
				     usage(w, node), (long)subtree_held(w, node));
		}
		break;
	case OP_RESET_WM:
		mlab_counter_reset_watermark(&w->c[node]);
		if (w->c[node].watermark != (unsigned long)usage(w, node))
			fail(w, node, "watermark %ld after reset, usage %ld",
			     (long)w->c[node].watermark, usage(w, node));
		break;
	case OP_RESET_LOCAL_WM:
		mlab_counter_reset_local_watermark(&w->c[node]);
		break;
	case OP_RESET_FAILCNT:
		mlab_counter_reset_failcnt(&w->c[node]);
		if (w->c[node].failcnt)
			fail(w, node, "failcnt %lu after reset",
			     w->c[node].failcnt);
		break;
	case OP_CPU:
		cpu = in_u8(in) % SHIM_NR_CPUS;
		if (shim_cpu_online(cpu))
			shim_set_cpu(cpu);
		break;
	case OP_OFFLINE:
		/* Never the CPU we run on: an offline CPU runs nothing. */
		cpu = in_u8(in) % SHIM_NR_CPUS;
		if (cpu != shim_this_cpu())
			shim_set_cpu_online(cpu, !shim_cpu_online(cpu));
		break;
	}
	check_all(w, drained);
}

static const unsigned int batches[8] = { 0, 1, 2, 3, 16, 64, 100, 1000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct world *w = calloc(1, sizeof(*w));
	uint8_t flags;
	int i;

	if (!w)
		return 0;
	shim_warn_quiet(true);
	shim_set_cpu(0);
	for (i = 0; i < SHIM_NR_CPUS; i++)
		shim_set_cpu_online(i, true);

	w->id = in_u8(&in) % SHIM_NR_POLICIES;
	w->batch = batches[in_u8(&in) % 8];
	flags = in_u8(&in);
	if (flags & 0x80) {
		/* Allocation failure at create: a clean -ENOMEM, no leak. */
		shim_fail_alloc(1 + (flags & 1));
		w->p = mlab_policy_create(shim_policy_names[w->id], w->batch);
		shim_fail_alloc(0);
		if (IS_ERR(w->p) && PTR_ERR(w->p) != -ENOMEM)
			abort();
		if (IS_ERR(w->p))
			goto out;
	} else {
		w->p = mlab_policy_create(shim_policy_names[w->id], w->batch);
	}
	if (IS_ERR(w->p))
		abort();
	if (w->id == SHIM_POLICY_BATCHED)
		w->batch = mlab_policy_batch(w->p);
	else
		w->batch = 0;

	w->nr = 2 + in_u8(&in) % (MAX_NODES - 1);
	w->parent[0] = -1;
	mlab_policy_counter_init(w->p, &w->c[0], NULL, flags & 1);
	for (i = 1; i < w->nr; i++) {
		w->parent[i] = in_u8(&in) % i;
		mlab_policy_counter_init(w->p, &w->c[i], &w->c[w->parent[i]],
					 (flags >> (i % 7)) & 1);
	}
	w->warn_base = shim_warn_count();

	for (w->op = 0; in.left && w->op < MAX_OPS; w->op++)
		run_op(w, &in);

	/* Give everything back: every usage must come to exactly zero. */
	w->opname = "teardown";
	for (i = 0; i < SHIM_NR_CPUS; i++)
		shim_set_cpu_online(i, true);
	for (i = 0; i < w->nr; i++) {
		if (w->held[i])
			mlab_policy_uncharge(w->p, &w->c[i], w->held[i]);
		w->held[i] = 0;
	}
	mlab_policy_drain(w->p, NULL);
	for (i = 0; i < w->nr; i++) {
		if (usage(w, i))
			fail(w, i, "usage %ld after teardown", usage(w, i));
	}
	check_all(w, true);
	mlab_policy_destroy(w->p);
out:
	shim_set_cpu(0);
	free(w);
	return 0;
}
