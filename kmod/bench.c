// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - the in-kernel benchmark of the charge path and its anchors
 *
 * A run is one kind (struct mlab_bench_params).  Policies charge and
 * uncharge nr_pages in a loop on a private hierarchy: a root shared by all
 * threads, then `fanout` chains of depth - 1 levels, thread i on the leaf
 * of chain i % fanout.  The floors run the same loop around one primitive.
 * Each thread is a kthread bound to a CPU; they start together and run for
 * a time or a count.
 *
 * The real memcg's accounting is measured in the calling task, not in a
 * kthread: __GFP_ACCOUNT charges the current task's memory cgroup, and a
 * kthread belongs to the root cgroup, which is never charged.  The caller
 * (selftests/bench/guest-bench.sh) moves itself into a memory cgroup first;
 * the result says whether the pages really were accounted.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bench.h"
#include "counter.h"
#include "policy.h"

/* Pairs between two looks at the clock. */
#define MLAB_BENCH_CHUNK 256

/* Indexed by enum mlab_bench_kind: give every new kind its name here. */
static const char * const mlab_bench_kind_names[MLAB_BENCH_NR_KINDS] = {
	[MLAB_BENCH_STRICT]	 = "strict",
	[MLAB_BENCH_BATCHED]	 = "batched",
	[MLAB_BENCH_LOCKED]	 = "locked",
	[MLAB_BENCH_ATOMIC_PAIR] = "atomic_pair",
	[MLAB_BENCH_PERCPU_INC]	 = "percpu_inc",
	[MLAB_BENCH_IRQ_PAIR]	 = "irq_pair",
	[MLAB_BENCH_WALK]	 = "walk",
	[MLAB_BENCH_MEMCG]	 = "memcg",
	[MLAB_BENCH_PAGE]	 = "page",
};

/* The policy each policy kind measures. */
static const enum mlab_policy_id mlab_bench_policy[] = {
	[MLAB_BENCH_STRICT]	= MLAB_POLICY_STRICT,
	[MLAB_BENCH_BATCHED]	= MLAB_POLICY_BATCHED,
	[MLAB_BENCH_LOCKED]	= MLAB_POLICY_LOCKED,
};

/*
 * The walk floor: per level only what a lock-free hierarchical charge
 * cannot avoid (add, read the limit after the add, follow the parent;
 * subtract on the way back), laid out like struct mlab_counter.
 */
struct mlab_walk_node {
	atomic_long_t usage ____cacheline_aligned_in_smp;
	long max ____cacheline_aligned_in_smp;
	struct mlab_walk_node *parent;
};

struct mlab_bench_run;

struct mlab_bench_thread {
	struct mlab_bench_run *run;
	struct task_struct *task;
	struct mlab_counter *leaf;
	struct mlab_walk_node *walk;
	unsigned int id;
	unsigned long sink;
	u64 ops, ns, end;
	struct completion exited;
};

struct mlab_bench_run {
	struct mlab_bench_params *params;
	struct mlab_policy *policy;
	struct mlab_counter *counters;
	struct mlab_walk_node *walk;
	unsigned long __percpu *percpu;
	atomic_long_t shared ____cacheline_aligned_in_smp;
	atomic_t ready ____cacheline_aligned_in_smp;
	bool go;
	bool stop;	/* the requester is being killed: end early */
	u64 start;
	struct mlab_bench_thread thread[MLAB_BENCH_MAX_THREADS];
};

/* One run at a time: the threads would only measure each other. */
static DEFINE_MUTEX(mlab_bench_lock);

/* --- the loops --- */

static void mlab_bench_fail(struct mlab_bench_run *run)
{
	WARN_ONCE(1, "memcglab bench: %s: a charge failed on an unlimited hierarchy\n",
		  mlab_bench_kind_names[run->params->kind]);
}

static unsigned long mlab_bench_chunk(struct mlab_bench_thread *t)
{
	struct mlab_bench_run *run = t->run;
	unsigned long nr = run->params->nr_pages, sink = 0, flags;
	struct mlab_counter *fail;
	struct mlab_walk_node *w;
	int i;

	switch (run->params->kind) {
	case MLAB_BENCH_ATOMIC_PAIR:
		for (i = 0; i < MLAB_BENCH_CHUNK; i++) {
			sink += atomic_long_add_return(1, &run->shared);
			sink += atomic_long_sub_return(1, &run->shared);
		}
		break;
	case MLAB_BENCH_PERCPU_INC:
		for (i = 0; i < MLAB_BENCH_CHUNK; i++)
			this_cpu_inc(*run->percpu);
		break;
	case MLAB_BENCH_IRQ_PAIR:
		for (i = 0; i < MLAB_BENCH_CHUNK; i++) {
			local_irq_save(flags);
			local_irq_restore(flags);
		}
		break;
	case MLAB_BENCH_WALK:
		for (i = 0; i < MLAB_BENCH_CHUNK; i++) {
			for (w = t->walk; w; w = w->parent)
				if (atomic_long_add_return(nr, &w->usage) >
				    READ_ONCE(w->max))
					sink++;
			for (w = t->walk; w; w = w->parent)
				sink += atomic_long_sub_return(nr, &w->usage);
		}
		break;
	default:
		for (i = 0; i < MLAB_BENCH_CHUNK; i++) {
			if (mlab_policy_try_charge(run->policy, t->leaf, nr,
						   &fail)) {
				mlab_bench_fail(run);
				return sink;
			}
			mlab_policy_uncharge(run->policy, t->leaf, nr);
		}
		break;
	}
	return sink;
}

static bool mlab_bench_more(const struct mlab_bench_params *p, u64 ops,
			    u64 now, u64 until)
{
	return p->count ? ops < p->count : now < until;
}

static int mlab_bench_thread_fn(void *data)
{
	struct mlab_bench_thread *t = data;
	struct mlab_bench_run *run = t->run;
	u64 ops = 0, start, now, until;
	unsigned long sink;

	sink = mlab_bench_chunk(t);	/* warm up */
	atomic_inc(&run->ready);
	/* Pairs with the release in mlab_bench_threads(): start together. */
	while (!smp_load_acquire(&run->go))
		cond_resched();

	start = ktime_get_ns();
	until = start + (u64)run->params->ms * NSEC_PER_MSEC;
	do {
		sink += mlab_bench_chunk(t);
		ops += MLAB_BENCH_CHUNK;
		now = ktime_get_ns();
		cond_resched();
	} while (!READ_ONCE(run->stop) &&
		 mlab_bench_more(run->params, ops, now, until));

	t->ops = ops;
	t->ns = now - start;
	t->end = now;
	WRITE_ONCE(t->sink, sink);	/* keeps the floors' results alive */
	/* Leaves no instruction of the module to run once waited for. */
	kthread_complete_and_exit(&t->exited, 0);
}

/* --- the hierarchy --- */

/* Index of the level-l (0 = root) node of chain k, breadth-first. */
static size_t mlab_bench_node(u32 l, u32 k, u32 fanout)
{
	return l ? 1 + (size_t)(l - 1) * fanout + k : 0;
}

/* Index of the parent of that node. */
static size_t mlab_bench_up(u32 l, u32 k, const struct mlab_bench_params *p)
{
	return mlab_bench_node(l - 1, k, p->fanout);
}

static int mlab_bench_build(struct mlab_bench_run *run)
{
	struct mlab_bench_params *p = run->params;
	size_t n = mlab_bench_node(p->depth - 1, p->fanout - 1, p->fanout) + 1;
	struct mlab_counter *c, *parent;
	size_t leaf;
	u32 l, k;

	if (p->kind == MLAB_BENCH_WALK) {
		run->walk = kcalloc(n, sizeof(*run->walk), GFP_KERNEL);
		if (!run->walk)
			return -ENOMEM;
		for (l = 0; l < p->depth; l++)
			for (k = 0; k < (l ? p->fanout : 1); k++) {
				struct mlab_walk_node *w;

				w = &run->walk[mlab_bench_node(l, k, p->fanout)];
				w->max = MLAB_COUNTER_MAX;
				if (l)
					w->parent = &run->walk[mlab_bench_up(l, k, p)];
			}
	} else if (p->kind <= MLAB_BENCH_LOCKED) {
		run->policy = mlab_policy_create(mlab_bench_policy[p->kind],
						 p->batch);
		if (IS_ERR(run->policy))
			return PTR_ERR(run->policy);
		run->counters = kcalloc(n, sizeof(*run->counters), GFP_KERNEL);
		if (!run->counters)
			return -ENOMEM;
		for (l = 0; l < p->depth; l++)
			for (k = 0; k < (l ? p->fanout : 1); k++) {
				c = &run->counters[mlab_bench_node(l, k, p->fanout)];
				parent = l ? &run->counters[mlab_bench_up(l, k, p)] : NULL;
				mlab_policy_counter_init(run->policy, c, parent, false);
			}
	} else if (p->kind == MLAB_BENCH_PERCPU_INC) {
		run->percpu = alloc_percpu(unsigned long);
		if (!run->percpu)
			return -ENOMEM;
	}

	for (k = 0; k < p->threads; k++) {
		leaf = mlab_bench_node(p->depth - 1, k % p->fanout, p->fanout);
		if (run->counters)
			run->thread[k].leaf = &run->counters[leaf];
		if (run->walk)
			run->thread[k].walk = &run->walk[leaf];
	}
	return 0;
}

/* Frees the hierarchy; every page must have come back. */
static int mlab_bench_teardown(struct mlab_bench_run *run)
{
	struct mlab_bench_params *p = run->params;
	size_t n = mlab_bench_node(p->depth - 1, p->fanout - 1, p->fanout) + 1;
	int err = 0;
	size_t i;

	if (!IS_ERR_OR_NULL(run->policy)) {
		mlab_policy_drain(run->policy, NULL);
		for (i = 0; run->counters && i < n; i++)
			if (mlab_counter_read(&run->counters[i]))
				err = -EUCLEAN;
		mlab_policy_destroy(run->policy);
	}
	WARN_ONCE(err, "memcglab bench: pages left in the hierarchy\n");
	kfree(run->counters);
	kfree(run->walk);
	free_percpu(run->percpu);
	return err;
}

/* --- the runs --- */

static int mlab_bench_threads(struct mlab_bench_run *run,
			      struct mlab_bench_result *res)
{
	struct mlab_bench_params *p = run->params;
	unsigned int i, made;
	int cpu = -1, err = 0;
	u64 end = 0;

	for (made = 0; made < p->threads; made++) {
		struct mlab_bench_thread *t = &run->thread[made];

		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		t->run = run;
		t->id = made;
		init_completion(&t->exited);
		t->task = kthread_create_on_node(mlab_bench_thread_fn, t,
						 cpu_to_node(cpu),
						 "memcglab-bench/%u", made);
		if (IS_ERR(t->task)) {
			err = PTR_ERR(t->task);
			/* Let the ones already made do a single pair. */
			p->count = 1;
			break;
		}
		kthread_bind(t->task, cpu);
	}
	for (i = 0; i < made; i++)
		wake_up_process(run->thread[i].task);
	while (atomic_read(&run->ready) < made)
		schedule_timeout_uninterruptible(1);
	run->start = ktime_get_ns();
	/* Pairs with the acquire in mlab_bench_thread_fn(). */
	smp_store_release(&run->go, true);
	/*
	 * A count may keep the threads busy for long: a fatal signal to the
	 * requester stops them at their next chunk.  Every thread is still
	 * waited for, since each one runs this module's code until it
	 * completes.
	 */
	for (i = 0; i < made; i++) {
		struct completion *exited = &run->thread[i].exited;

		if (!READ_ONCE(run->stop) && !wait_for_completion_killable(exited))
			continue;
		WRITE_ONCE(run->stop, true);
		wait_for_completion(exited);
	}
	if (err)
		return err;
	if (READ_ONCE(run->stop))
		return -EINTR;

	for (i = 0; i < p->threads; i++) {
		res->ops[i] = run->thread[i].ops;
		res->ns[i] = run->thread[i].ns;
		end = max(end, run->thread[i].end);
	}
	res->wall_ns = end - run->start;
	return 0;
}

/* MLAB_BENCH_CHUNK page allocations and frees; the time they took. */
static int mlab_bench_page_chunk(gfp_t gfp, u64 *ns)
{
	u64 start = ktime_get_ns();
	struct page *page;
	int i;

	for (i = 0; i < MLAB_BENCH_CHUNK; i++) {
		page = alloc_page(gfp);
		if (!page)
			return -ENOMEM;
		__free_page(page);
	}
	*ns += ktime_get_ns() - start;
	return 0;
}

/*
 * Page allocation and free in the calling task, with __GFP_ACCOUNT (ops[0],
 * ns[0]) and, in alternating chunks of the same run, without (base_ops,
 * base_ns).  The difference per page is what the real memcg's accounting
 * costs: the charge through its per-cpu stock, the kmem statistic, the
 * objcg reference, and the uncharge on free.  Alternating keeps drift (and,
 * under TCG, the host's load) out of the difference.  The page kind runs
 * the unaccounted half only.
 */
static int mlab_bench_pages(struct mlab_bench_params *p,
			    struct mlab_bench_result *res)
{
	bool memcg = p->kind == MLAB_BENCH_MEMCG;
	u64 ops = 0, start, now, until;
	struct page *page;
	int err;

	page = alloc_page(GFP_KERNEL | __GFP_ACCOUNT);
	if (!page)
		return -ENOMEM;
	res->accounted = PageMemcgKmem(page);
	__free_page(page);

	start = ktime_get_ns();
	until = start + (u64)p->ms * NSEC_PER_MSEC;
	do {
		err = mlab_bench_page_chunk(GFP_KERNEL, &res->base_ns);
		if (!err && memcg)
			err = mlab_bench_page_chunk(GFP_KERNEL | __GFP_ACCOUNT,
						    &res->ns[0]);
		if (err)
			return err;
		ops += MLAB_BENCH_CHUNK;
		now = ktime_get_ns();
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	} while (mlab_bench_more(p, ops, now, until));

	res->base_ops = ops;
	res->ops[0] = ops;
	if (!memcg)
		res->ns[0] = res->base_ns;
	res->wall_ns = now - start;
	return 0;
}

/**
 * mlab_bench_run - measure one kind
 * @params: what to run; defaults are filled in
 * @res: the result
 *
 * Context: process context, may sleep for up to MLAB_BENCH_MAX_MS (or a
 * count); runs are serialised.
 * Return: 0, -EINVAL for out-of-range parameters, -ENOMEM, -EINTR if a
 * signal arrived while waiting for another run or a fatal one during it,
 * -EUCLEAN if pages were left in the hierarchy (a bug, with a warning).
 */
int mlab_bench_run(struct mlab_bench_params *params,
		   struct mlab_bench_result *res)
{
	struct mlab_bench_params *p = params;
	struct mlab_bench_run *run;
	int err, err2;

	if (!p->threads)
		p->threads = num_online_cpus();
	if (p->kind >= MLAB_BENCH_MEMCG)
		p->threads = 1;
	if (!p->depth ||
	    (p->kind > MLAB_BENCH_LOCKED && p->kind != MLAB_BENCH_WALK))
		p->depth = 1;
	if (!p->fanout)
		p->fanout = p->threads;
	if (!p->nr_pages)
		p->nr_pages = 1;
	if (!p->ms && !p->count)
		p->ms = 1000;
	if (p->kind >= MLAB_BENCH_NR_KINDS ||
	    p->threads > MLAB_BENCH_MAX_THREADS ||
	    p->depth > MLAB_BENCH_MAX_DEPTH ||
	    p->fanout > MLAB_BENCH_MAX_THREADS || p->ms > MLAB_BENCH_MAX_MS ||
	    p->nr_pages > MLAB_COUNTER_MAX / 2 / MLAB_BENCH_MAX_THREADS ||
	    p->batch > MLAB_MAX_BATCH ||
	    p->count > MLAB_BENCH_MAX_COUNT)
		return -EINVAL;

	memset(res, 0, sizeof(*res));
	if (mutex_lock_interruptible(&mlab_bench_lock))
		return -EINTR;
	if (p->kind >= MLAB_BENCH_MEMCG) {
		err = mlab_bench_pages(p, res);
		goto out;
	}

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	err = -ENOMEM;
	if (!run)
		goto out;
	run->params = p;
	err = mlab_bench_build(run);
	if (!err)
		err = mlab_bench_threads(run, res);
	err2 = mlab_bench_teardown(run);
	kfree(run);
	if (!err)
		err = err2;
out:
	mutex_unlock(&mlab_bench_lock);
	res->params = *p;
	return err;
}
