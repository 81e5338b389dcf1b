/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - the in-kernel benchmark of the charge path (bench.c).
 *
 * One run measures one kind: a charging policy on a private hierarchy, or
 * one of the anchors it is compared with.  The BENCH netlink operation
 * (netlink.c) runs it; the kinds and bounds are the uapi's, number for
 * number.
 */
#ifndef _MLAB_BENCH_H
#define _MLAB_BENCH_H

#include <linux/types.h>
#include <linux/memcglab.h>

/* The most threads, levels and leaves one run may use. */
#define MLAB_BENCH_MAX_THREADS	MEMCGLAB_BENCH_MAX_THREADS
#define MLAB_BENCH_MAX_SIBLINGS	MEMCGLAB_BENCH_MAX_SIBLINGS
#define MLAB_BENCH_MAX_DEPTH	MEMCGLAB_BENCH_MAX_DEPTH
#define MLAB_BENCH_MAX_MS	MEMCGLAB_BENCH_MAX_MS
#define MLAB_BENCH_MAX_COUNT	((u64)MEMCGLAB_BENCH_MAX_COUNT)

/*
 * What a run measures: a policy named by mlab_bench_params.policy, or a
 * floor or anchor; the uapi's enum memcglab_bench_kind, number for number.
 */
enum mlab_bench_kind {
	MLAB_BENCH_POLICY,	/* charge + uncharge through a named policy */
	MLAB_BENCH_ATOMIC_PAIR,	/* add_return + sub_return on one shared atomic */
	MLAB_BENCH_PERCPU_INC,	/* this_cpu_inc() */
	MLAB_BENCH_IRQ_PAIR,	/* local_irq_save() + local_irq_restore() */
	MLAB_BENCH_WALK,	/* bare per-level work of a hierarchical charge */
	MLAB_BENCH_MEMCG,	/* alloc+free with and without __GFP_ACCOUNT */
	MLAB_BENCH_PAGE,	/* alloc+free without it (both in the caller) */
	MLAB_BENCH_NR_KINDS
};

/**
 * struct mlab_bench_params - one run
 * @kind: what to measure
 * @policy: MLAB_BENCH_POLICY: the registered policy's name
 * @depth: levels of the hierarchy, root included (policies and walk)
 * @fanout: chains below the root; thread i charges the leaves of chains
 *          (i * @siblings + j) % @fanout, j < @siblings (0: one per leaf,
 *          at most MLAB_BENCH_MAX_THREADS)
 * @siblings: MLAB_BENCH_POLICY: leaves each thread alternates its charges
 *          between (0: 1)
 * @threads: kthreads, bound round-robin to the online CPUs (0: one per CPU);
 *           the memcg and page kinds always run in the calling task
 * @nr_pages: pages per charge
 * @batch: batch of a policy that takes one (0: MLAB_DEFAULT_BATCH)
 * @ms: run for this long ...
 * @count: ... or until each thread has done this many pairs (if nonzero)
 */
struct mlab_bench_params {
	enum mlab_bench_kind kind;
	char policy[MEMCGLAB_POLICY_NAME_MAX];
	u32 depth, fanout, siblings, threads, nr_pages, batch, ms;
	u64 count;
};

/**
 * struct mlab_bench_result - what a run measured
 * @params: the parameters, defaults filled in
 * @wall_ns: from the start signal until the last thread stopped
 * @ops: charge+uncharge pairs (or floor operations) per thread
 * @ns: time each thread spent in its loop
 * @accounted: memcg and page kinds: a page allocated with __GFP_ACCOUNT
 *             was charged to a memcg (the caller is not in the root cgroup)
 * @base_ops: memcg and page kinds: pages allocated without __GFP_ACCOUNT,
 *            in chunks alternating with the accounted ones
 * @base_ns: the time those took
 */
struct mlab_bench_result {
	struct mlab_bench_params params;
	u64 wall_ns;
	u64 ops[MLAB_BENCH_MAX_THREADS];
	u64 ns[MLAB_BENCH_MAX_THREADS];
	bool accounted;
	u64 base_ops, base_ns;
};

int mlab_bench_run(struct mlab_bench_params *params,
		   struct mlab_bench_result *res);

#endif /* _MLAB_BENCH_H */
