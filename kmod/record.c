// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - record the real memcg's charging of one cgroup subtree.
 *
 * Kprobes on mm/memcontrol.c's charge path turn every charge request
 * (try_charge_memcg), every uncharge and every stock drain of a memcg in
 * the subtree into a memcglab_rec tracepoint (record_trace.h); user space
 * reads them from a tracefs instance (docs/trace.md says why a tracepoint).
 * One recording at a time.  The probes read struct mem_cgroup through the
 * running kernel's own headers, so the layout is always right; which
 * functions exist differs between kernels (compat.h lists them).
 *
 * What is a request and what is the stock's own traffic is decided by
 * nesting: a page_counter_try_charge() or refill_stock() inside a
 * recorded try_charge_memcg() belongs to that charge (its batch and its
 * surplus), a page_counter_uncharge() inside drain_stock() is the stock
 * giving pages back.  Nesting is tracked per task and context in a small
 * table (try_charge_memcg may sleep in reclaim) and per cpu for the drain
 * (which runs with interrupts off).
 */
#include <linux/bits.h>
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/page_counter.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include "compat.h"
#include "record.h"

#define CREATE_TRACE_POINTS
#include "record_trace.h"

/* Charge requests in flight at once (tasks in reclaim hold theirs). */
#define MLAB_REC_CALLS_BITS	6
#define MLAB_REC_CALLS		BIT(MLAB_REC_CALLS_BITS)
/* Memcgs of the subtree a recording can follow. */
#define MLAB_REC_MEMCGS_BITS	9
#define MLAB_REC_MEMCGS		BIT(MLAB_REC_MEMCGS_BITS)

enum mlab_rec_kind {
	MLAB_REC_UNCHARGE_PAGE,
	MLAB_REC_UNCHARGE_STOCK,
	MLAB_REC_DRAIN,
};

/*
 * A charge request in flight: key is the task with its context level in
 * the low bits (0 when free); the nested probes fill in the rest.
 */
struct mlab_rec_call {
	unsigned long key;
	struct mem_cgroup *memcg;
	unsigned int nr;
	unsigned int batch;
	unsigned int fails;
	bool refilled;
	u64 over;
};

/* What the entry of a probed function hands to its return. */
struct mlab_rec_data {
	struct mem_cgroup *memcg;
	struct page_counter *counter;
	struct page_counter **fail;
	unsigned long nr;
	unsigned int gfp;
	int call;
};

static DEFINE_MUTEX(mlab_rec_lock);
/* The subtree's root; set before the probes go in, cleared after. */
static struct cgroup *mlab_rec_root;
static struct mlab_rec_call mlab_rec_calls[MLAB_REC_CALLS];
static atomic_t mlab_rec_ncalls;
/* Each entry holds a css reference, dropped when the recording stops. */
static struct mem_cgroup *mlab_rec_memcgs[MLAB_REC_MEMCGS];
static atomic_long_t mlab_rec_overflow;
static DEFINE_PER_CPU(int, mlab_rec_draining);

static u64 mlab_rec_id(struct mem_cgroup *memcg)
{
	return cgroup_id(memcg->css.cgroup);
}

static bool mlab_rec_ours(struct mem_cgroup *memcg)
{
	struct cgroup *root = READ_ONCE(mlab_rec_root);

	return memcg && root && cgroup_is_descendant(memcg->css.cgroup, root);
}

static unsigned long mlab_rec_usage(struct mem_cgroup *memcg)
{
	return page_counter_read(&memcg->memory);
}

/* --- the memcgs of the subtree ---------------------------------------- */

static bool mlab_rec_known(const struct mem_cgroup *memcg)
{
	unsigned int h = hash_ptr(memcg, MLAB_REC_MEMCGS_BITS), i;
	struct mem_cgroup *m;

	for (i = 0; i < MLAB_REC_MEMCGS; i++) {
		m = READ_ONCE(mlab_rec_memcgs[(h + i) % MLAB_REC_MEMCGS]);
		if (m == memcg)
			return true;
		if (!m)
			return false;
	}
	return false;
}

/* Remember @memcg; takes a css reference unless it is known already. */
static void mlab_rec_learn(struct mem_cgroup *memcg)
{
	unsigned int h = hash_ptr(memcg, MLAB_REC_MEMCGS_BITS), i;
	struct mem_cgroup **slot;

	if (mlab_rec_known(memcg) || !css_tryget(&memcg->css))
		return;
	for (i = 0; i < MLAB_REC_MEMCGS; i++) {
		slot = &mlab_rec_memcgs[(h + i) % MLAB_REC_MEMCGS];
		if (!cmpxchg(slot, NULL, memcg))
			return;
	}
	css_put(&memcg->css);
	atomic_long_inc(&mlab_rec_overflow);
}

/* Which memcg of the subtree does @counter count memory for? */
static struct mem_cgroup *mlab_rec_counter_memcg(struct page_counter *counter)
{
	struct mem_cgroup *memcg;

	memcg = container_of(counter, struct mem_cgroup, memory);
	return mlab_rec_known(memcg) ? memcg : NULL;
}

/* --- charge requests in flight ----------------------------------------- */

static unsigned long mlab_rec_key(void)
{
	unsigned long level = in_nmi() ? 3 : in_hardirq() ? 2 :
			      in_serving_softirq() ? 1 : 0;

	return (unsigned long)current | level;
}

static int mlab_rec_call_find(unsigned long key)
{
	unsigned int h = hash_long(key, MLAB_REC_CALLS_BITS), i, idx;

	if (!atomic_read(&mlab_rec_ncalls))
		return -1;
	for (i = 0; i < MLAB_REC_CALLS; i++) {
		idx = (h + i) % MLAB_REC_CALLS;
		if (READ_ONCE(mlab_rec_calls[idx].key) == key)
			return idx;
	}
	return -1;
}

static int mlab_rec_call_claim(struct mem_cgroup *memcg, unsigned int nr)
{
	unsigned long key = mlab_rec_key();
	unsigned int h = hash_long(key, MLAB_REC_CALLS_BITS), i, idx;
	struct mlab_rec_call *c;

	for (i = 0; i < MLAB_REC_CALLS; i++) {
		idx = (h + i) % MLAB_REC_CALLS;
		c = &mlab_rec_calls[idx];
		if (cmpxchg(&c->key, 0, key))
			continue;
		c->memcg = memcg;
		c->nr = nr;
		c->refilled = false;
		c->batch = 0;
		c->fails = 0;
		c->over = 0;
		atomic_inc(&mlab_rec_ncalls);
		return idx;
	}
	atomic_long_inc(&mlab_rec_overflow);
	return -1;
}

static void mlab_rec_call_release(int idx)
{
	atomic_dec(&mlab_rec_ncalls);
	/* The fields are read before the slot can be claimed again. */
	smp_store_release(&mlab_rec_calls[idx].key, 0);
}

/* --- the probes -------------------------------------------------------- */

static int mlab_rec_charge_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;

	d->memcg = (struct mem_cgroup *)regs_get_kernel_argument(regs, 0);
	if (!mlab_rec_ours(d->memcg))
		return 1;
	d->gfp = regs_get_kernel_argument(regs, 1);
	d->nr = regs_get_kernel_argument(regs, 2);
	mlab_rec_learn(d->memcg);
	d->call = mlab_rec_call_claim(d->memcg, d->nr);
	return 0;
}

static int mlab_rec_charge_ret(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;
	unsigned int batch = 0, fails = 0;
	u64 over = 0;

	if (d->call >= 0) {
		batch = mlab_rec_calls[d->call].batch;
		fails = mlab_rec_calls[d->call].fails;
		over = mlab_rec_calls[d->call].over;
		mlab_rec_call_release(d->call);
	}
	trace_memcglab_rec_charge(mlab_rec_id(d->memcg), d->nr, d->gfp,
				  (int)regs_return_value(regs), batch, fails,
				  over, mlab_rec_usage(d->memcg));
	return 0;
}

static int mlab_rec_try_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;

	d->call = mlab_rec_call_find(mlab_rec_key());
	if (d->call < 0)
		return 1;
	d->counter = (struct page_counter *)regs_get_kernel_argument(regs, 0);
	d->nr = regs_get_kernel_argument(regs, 1);
	d->fail = (struct page_counter **)regs_get_kernel_argument(regs, 2);
	return 0;
}

/* The memcg on @memcg's path to the root whose counter is @counter. */
static u64 mlab_rec_over(struct mem_cgroup *memcg, struct page_counter *counter)
{
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (&memcg->memory == counter || &memcg->memsw == counter)
			return mlab_rec_id(memcg);
	return 0;
}

static int mlab_rec_try_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;
	struct mlab_rec_call *c = &mlab_rec_calls[d->call];

	if (READ_ONCE(c->key) != mlab_rec_key())
		return 0;
	if (regs_return_value(regs)) {
		if (d->counter == &c->memcg->memory)
			c->batch = d->nr;
		return 0;
	}
	c->fails++;
	if (!c->over)
		c->over = mlab_rec_over(c->memcg, *d->fail);
	return 0;
}

static int mlab_rec_uncharge_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct page_counter *counter;
	struct mem_cgroup *memcg;
	unsigned int kind = MLAB_REC_UNCHARGE_PAGE;
	unsigned long nr, usage;

	counter = (struct page_counter *)regs_get_kernel_argument(regs, 0);
	memcg = mlab_rec_counter_memcg(counter);
	if (!memcg)
		return 0;
	/*
	 * Inside a charge this is reclaim freeing pages: a charge never
	 * gives back its own memory counter's pages (only memsw's).
	 */
	if (this_cpu_read(mlab_rec_draining))
		kind = MLAB_REC_DRAIN;
	/* The counter is read before it drops: report the usage after. */
	nr = regs_get_kernel_argument(regs, 1);
	usage = mlab_rec_usage(memcg);
	trace_memcglab_rec_uncharge(mlab_rec_id(memcg), nr, kind,
				    usage > nr ? usage - nr : 0);
	return 0;
}

static int mlab_rec_refill_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct mem_cgroup *memcg;
	struct mlab_rec_call *c;
	unsigned int nr;
	int call;

	memcg = (struct mem_cgroup *)regs_get_kernel_argument(regs, 0);
	if (!mlab_rec_ours(memcg))
		return 0;
	nr = regs_get_kernel_argument(regs, 1);
	/*
	 * A charge that took a batch puts the surplus, batch - nr, into the
	 * stock once; anything else inside it is reclaim freeing memory.
	 */
	call = mlab_rec_call_find(mlab_rec_key());
	c = call >= 0 ? &mlab_rec_calls[call] : NULL;
	if (c && c->memcg == memcg && !c->refilled && c->batch > c->nr &&
	    nr == c->batch - c->nr) {
		c->refilled = true;
		return 0;
	}
	trace_memcglab_rec_uncharge(mlab_rec_id(memcg), nr,
				    MLAB_REC_UNCHARGE_STOCK,
				    mlab_rec_usage(memcg));
	return 0;
}

static int mlab_rec_drain_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	this_cpu_inc(mlab_rec_draining);
	return 0;
}

static int mlab_rec_drain_ret(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	this_cpu_dec(mlab_rec_draining);
	return 0;
}

static int mlab_rec_reclaim_entry(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;

	d->memcg = (struct mem_cgroup *)regs_get_kernel_argument(regs, 0);
	if (!mlab_rec_ours(d->memcg))
		return 1;
	d->nr = regs_get_kernel_argument(regs, 1);
	trace_memcglab_rec_reclaim(mlab_rec_id(d->memcg), d->nr, -1);
	return 0;
}

static int mlab_rec_reclaim_ret(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct mlab_rec_data *d = (struct mlab_rec_data *)ri->data;

	trace_memcglab_rec_reclaim(mlab_rec_id(d->memcg), d->nr,
				   (long)regs_return_value(regs));
	return 0;
}

/*
 * The probes, in the order they go in (the nested ones first, so that no
 * request is seen without them).  A probe with a NULL symbol for this
 * kernel, or whose symbol the kernel lacks, is left out when optional.
 */
struct mlab_rec_probe {
	const char *symbol;
	bool required;
	bool ret;
	struct kretprobe rp;	/* rp.kp alone for a plain kprobe */
	kprobe_pre_handler_t pre;
	kretprobe_handler_t entry, handler;
	bool on;
};

static struct mlab_rec_probe mlab_rec_probes[] = {
	{ .symbol = MLAB_REC_SYM_DRAIN, .ret = true,
	  .entry = mlab_rec_drain_entry, .handler = mlab_rec_drain_ret },
	{ .symbol = "page_counter_try_charge", .ret = true,
	  .entry = mlab_rec_try_entry, .handler = mlab_rec_try_ret },
	{ .symbol = "page_counter_uncharge", .required = true,
	  .pre = mlab_rec_uncharge_pre },
	{ .symbol = MLAB_REC_SYM_REFILL, .pre = mlab_rec_refill_pre },
	{ .symbol = "try_to_free_mem_cgroup_pages", .ret = true,
	  .entry = mlab_rec_reclaim_entry, .handler = mlab_rec_reclaim_ret },
	{ .symbol = "try_charge_memcg", .required = true, .ret = true,
	  .entry = mlab_rec_charge_entry, .handler = mlab_rec_charge_ret },
};

static int mlab_rec_probe_on(struct mlab_rec_probe *p)
{
	struct kretprobe *rp = &p->rp;

	memset(rp, 0, sizeof(*rp));
	rp->kp.symbol_name = p->symbol;
	if (!p->ret) {
		rp->kp.pre_handler = p->pre;
		return register_kprobe(&rp->kp);
	}
	rp->entry_handler = p->entry;
	rp->handler = p->handler;
	rp->data_size = sizeof(struct mlab_rec_data);
	rp->maxactive = MLAB_REC_CALLS;
	return register_kretprobe(rp);
}

static void mlab_rec_probes_off(void)
{
	unsigned long missed = 0;
	struct mlab_rec_probe *p;

	for (p = mlab_rec_probes; p < mlab_rec_probes + ARRAY_SIZE(mlab_rec_probes); p++) {
		if (!p->on)
			continue;
		if (p->ret) {
			unregister_kretprobe(&p->rp);
			missed += p->rp.nmissed;
		} else {
			unregister_kprobe(&p->rp.kp);
		}
		missed += p->rp.kp.nmissed;
		p->on = false;
	}
	trace_memcglab_rec_end(missed, atomic_long_read(&mlab_rec_overflow));
}

static void mlab_rec_forget(void)
{
	unsigned int i;

	for (i = 0; i < MLAB_REC_MEMCGS; i++) {
		if (mlab_rec_memcgs[i])
			css_put(&mlab_rec_memcgs[i]->css);
		mlab_rec_memcgs[i] = NULL;
	}
	memset(mlab_rec_calls, 0, sizeof(mlab_rec_calls));
	atomic_set(&mlab_rec_ncalls, 0);
	atomic_long_set(&mlab_rec_overflow, 0);
}

/* The memory css of @root, referenced; NULL when the controller is off there. */
static struct cgroup_subsys_state *mlab_rec_root_css(struct cgroup *root)
{
	struct cgroup_subsys_state *css;

	css = cgroup_get_e_css(root, &memory_cgrp_subsys);
	if (css && css->cgroup != root) {
		css_put(css);
		return NULL;	/* an ancestor's: memory is off at root */
	}
	return css;
}

/* Learn the memcgs the subtree has now: their uncharges count too. */
static int mlab_rec_learn_subtree(struct cgroup *root)
{
	struct cgroup_subsys_state *css, *pos;

	css = mlab_rec_root_css(root);
	if (!css)
		return -ENOENT;
	rcu_read_lock();
	css_for_each_descendant_pre(pos, css)
		mlab_rec_learn(mem_cgroup_from_css(pos));
	rcu_read_unlock();
	css_put(css);
	return 0;
}

/*
 * Each memcg's counter, read while the probes still run, so that a reader
 * can compare with it at its place in the stream.  What the kernel does
 * between the end of the command and the end of the recording (an exited
 * task's deferred frees, a stock drained by the exit) is in the stream
 * before or after it, never only in the numbers.  An event racing with the
 * read on another CPU may fall on either side: one charge, at most a
 * batch per CPU, which compare's tolerance covers.
 */
static void mlab_rec_snapshot(struct cgroup *root)
{
	struct cgroup_subsys_state *css, *pos;
	struct mem_cgroup *memcg;

	css = mlab_rec_root_css(root);
	if (!css)
		return;
	rcu_read_lock();
	css_for_each_descendant_pre(pos, css) {
		memcg = mem_cgroup_from_css(pos);
		trace_memcglab_rec_usage(mlab_rec_id(memcg),
					 mlab_rec_usage(memcg));
	}
	rcu_read_unlock();
	css_put(css);
}

/**
 * mlab_rec_cgroup_by_id - the cgroup (v2) of an id, to record
 * @cgroup_id: the cgroup's id on the default hierarchy
 *
 * cgroup_get_from_id() looks in the default hierarchy only: a v1 hierarchy
 * is reached through a task in it (mlab_rec_cgroup_by_task()).
 *
 * Context: process context.
 * Return: the cgroup, referenced; ERR_PTR(-ENOENT) when there is none;
 * ERR_PTR(-EOPNOTSUPP) when the kernel runs without memcg.
 */
struct cgroup *mlab_rec_cgroup_by_id(u64 cgroup_id)
{
	if (mem_cgroup_disabled())
		return ERR_PTR(-EOPNOTSUPP);
	return cgroup_get_from_id(cgroup_id);
}

/**
 * mlab_rec_cgroup_by_task - the cgroup of a task's memcg, to record
 * @nr: the task's pid in the caller's pid namespace
 *
 * The task's memory css names its cgroup on whichever hierarchy the memory
 * controller is bound to: the default one (v2) or a v1 hierarchy.  Only
 * exported helpers are used, so this works on every target kernel.
 *
 * Context: process context.
 * Return: the cgroup, referenced; ERR_PTR(-ESRCH) when there is no such
 * task; ERR_PTR(-ENOENT) when its memcg is a hierarchy's root (nothing is
 * charged there: the controller is not mounted, or the task was not moved)
 * or going away; ERR_PTR(-EOPNOTSUPP) when the kernel runs without memcg.
 */
struct cgroup *mlab_rec_cgroup_by_task(pid_t nr)
{
	struct cgroup *cgrp = ERR_PTR(-ENOENT);
	struct task_struct *task;
	struct mem_cgroup *memcg;
	struct pid *pid;

	if (mem_cgroup_disabled())
		return ERR_PTR(-EOPNOTSUPP);
	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);
	rcu_read_lock();
	memcg = mem_cgroup_from_task(task);
	if (memcg && cgroup_parent(memcg->css.cgroup) &&
	    css_tryget_online(&memcg->css)) {
		cgrp = memcg->css.cgroup;
		cgroup_get(cgrp);
		css_put(&memcg->css);
	}
	rcu_read_unlock();
	put_task_struct(task);
	return cgrp;
}

/**
 * mlab_rec_start - start recording the memcg subtree of a cgroup
 * @root: the cgroup (v2 or v1) whose subtree to record; the recording
 *	takes over this reference, and drops it at once on an error
 * @probes: filled with the names of the functions probed, comma-separated
 * @size: size of @probes
 *
 * Context: process context, may sleep.
 * Return: 0; -EBUSY while another recording runs; -ENOENT when the memory
 * controller is off at @root; or the error of a required probe's
 * registration (nothing stays registered then).
 */
int mlab_rec_start(struct cgroup *root, char *probes, size_t size)
{
	struct mlab_rec_probe *p;
	int err = 0;

	mutex_lock(&mlab_rec_lock);
	if (mlab_rec_root) {
		err = -EBUSY;
		goto unlock;
	}
	err = mlab_rec_learn_subtree(root);
	if (err)
		goto forget;
	WRITE_ONCE(mlab_rec_root, root);
	probes[0] = '\0';
	for (p = mlab_rec_probes; p < mlab_rec_probes + ARRAY_SIZE(mlab_rec_probes); p++) {
		if (!p->symbol)
			continue;
		err = mlab_rec_probe_on(p);
		if (err && p->required)
			goto off;
		p->on = !err;
		err = 0;
		if (p->on && probes[0])
			strlcat(probes, ",", size);
		if (p->on)
			strlcat(probes, p->symbol, size);
	}
	mutex_unlock(&mlab_rec_lock);
	return 0;

off:
	mlab_rec_probes_off();
	WRITE_ONCE(mlab_rec_root, NULL);
forget:
	mlab_rec_forget();
unlock:
	mutex_unlock(&mlab_rec_lock);
	cgroup_put(root);
	return err;
}

/**
 * mlab_rec_stop - stop the recording, if one runs
 *
 * Context: process context, may sleep.  Once it returns no probe runs and
 * every reference the recording took is dropped.
 */
void mlab_rec_stop(void)
{
	struct cgroup *root;

	mutex_lock(&mlab_rec_lock);
	root = mlab_rec_root;
	if (root) {
		mlab_rec_snapshot(root);
		mlab_rec_probes_off();
		WRITE_ONCE(mlab_rec_root, NULL);
		mlab_rec_forget();
	}
	mutex_unlock(&mlab_rec_lock);
	if (root)
		cgroup_put(root);
}
