// SPDX-License-Identifier: GPL-2.0
/*
 * native_bench.c - the charge path at real CPU speed.
 *
 * Links kmod/counter.c and kmod/policy.c unchanged, through the native
 * tier's shim (selftests/userspace/shim) with three benchmark overrides
 * (shim/ here: irq save without a mutex, a real spinlock), and measures in
 * one process:
 *
 *   floors   atomic_pair: atomic add_return + sub_return on one counter
 *                         shared by every thread (what strict pays per level)
 *            percpu_inc:  one non-atomic increment of a private variable
 *                         (what this_cpu_inc() compiles to, minus %gs)
 *            irq_pair:    local_irq_save + restore as the benchmark shim
 *                         does them (pushf; pop: no cli/sti in user mode)
 *            walk:        the bare per-level work of a hierarchical charge
 *                         (see struct walk_node)
 *   neighbours  the false-sharing probe: strict, but every thread charges
 *            its own one-level hierarchy, and the threads' counters are
 *            neighbours in one array (as in a slab).  Nothing is shared
 *            but cache lines, so any cost above one thread is false sharing.
 *   policies charge + uncharge pairs of nr_pages on a tree of the given
 *            depth: a root shared by all threads, then `fanout` chains of
 *            depth - 1 levels; thread i charges the leaf of chain
 *            i % fanout (depth 1: everybody charges the root).
 *
 * Each point runs every thread for the same wall time; the result is the
 * mean over threads of (thread CPU time / pairs) and total pairs per
 * second of wall time.  JSON on the
 * file given with -o, a short table on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/err.h>
#include <linux/irqflags.h>

#include "counter.h"
#include "policy.h"
#include "shim.h"

#ifndef BENCH_LAYOUT
#define BENCH_LAYOUT "aligned"
#endif

#define MAX_THREADS SHIM_NR_CPUS
#define CHUNK 1024

enum kind { K_ATOMIC_PAIR = SHIM_NR_POLICIES, K_PERCPU_INC, K_IRQ_PAIR, K_WALK, K_NEIGHBOURS, NR_KINDS };

static const char *const kind_names[NR_KINDS] = {
	[SHIM_POLICY_STRICT] = "strict",
	[SHIM_POLICY_BATCHED] = "batched",
	[SHIM_POLICY_LOCKED] = "locked",
	[K_ATOMIC_PAIR] = "atomic_pair",
	[K_PERCPU_INC] = "percpu_inc",
	[K_IRQ_PAIR] = "irq_pair",
	[K_WALK] = "walk",
	[K_NEIGHBOURS] = "neighbours",
};

/*
 * The "walk" reference: what any lock-free hierarchical charge has to do
 * per level, and nothing more: add_return on the level's usage, read its
 * limit (after the add: that read is what makes try_charge race-free),
 * follow the parent pointer; then sub_return on the way back.  Nodes are
 * laid out like counters (same stride), not a kernel function.
 */
struct walk_node {
	atomic_long_t usage __attribute__((aligned(64)));
	long max __attribute__((aligned(64)));
	struct walk_node *parent;
} __attribute__((aligned(64)));

struct opts {
	double seconds;
	int max_threads;
	int depths[8], nr_depths;
	unsigned long nr_pages;
	const char *out;
	const char *only;
	int reps;
};

/* One measurement point, shared by its threads. */
struct point {
	enum kind kind;
	int depth, threads, fanout;
	unsigned long nr_pages;
	double seconds;
	struct mlab_policy *policy;
	struct mlab_counter *counters;	/* breadth-first: root, level 2, ... */
	struct walk_node *walk;		/* the same shape, for K_WALK */
	atomic_long_t shared __attribute__((aligned(64)));
	int ready __attribute__((aligned(64)));
	int go;
	struct slot {
		struct mlab_counter *leaf;
		struct walk_node *walk;
		unsigned long ops;
		double ns, wall;
		unsigned long inc __attribute__((aligned(64)));
		int id;
		struct point *pt;
	} slot[MAX_THREADS] __attribute__((aligned(64)));
};

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int nr_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* The loops.  Each runs CHUNK pairs between two looks at the clock. */
static unsigned long run_chunk(struct point *pt, struct slot *s)
{
	struct mlab_counter *fail;
	unsigned long sink = 0;
	int i;

	switch (pt->kind) {
	case K_ATOMIC_PAIR:
		for (i = 0; i < CHUNK; i++) {
			sink += atomic_long_add_return(1, &pt->shared);
			sink += atomic_long_sub_return(1, &pt->shared);
		}
		break;
	case K_PERCPU_INC:
		for (i = 0; i < CHUNK; i++)
			asm volatile("incq %0" : "+m" (s->inc));
		break;
	case K_IRQ_PAIR:
		for (i = 0; i < CHUNK; i++) {
			unsigned long flags;

			local_irq_save(flags);
			local_irq_restore(flags);
		}
		break;
	case K_WALK:
		for (i = 0; i < CHUNK; i++) {
			struct walk_node *w;

			for (w = s->walk; w; w = w->parent)
				if (atomic_long_add_return(pt->nr_pages, &w->usage) >
				    READ_ONCE(w->max))
					abort();
			for (w = s->walk; w; w = w->parent)
				sink += atomic_long_sub_return(pt->nr_pages, &w->usage);
		}
		break;
	default:
		for (i = 0; i < CHUNK; i++) {
			if (mlab_policy_try_charge(pt->policy, s->leaf,
						   pt->nr_pages, &fail)) {
				fprintf(stderr, "native_bench: %s: charge failed\n",
					kind_names[pt->kind]);
				exit(1);
			}
			mlab_policy_uncharge(pt->policy, s->leaf, pt->nr_pages);
		}
		break;
	}
	return sink;
}

static void *bench_thread(void *arg)
{
	struct slot *s = arg;
	struct point *pt = s->pt;
	unsigned long ops = 0, sink = 0;
	double start, end, until, cpu0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->id % nr_host_cpus(), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	shim_set_cpu(s->id);

	/* Warm up, then start together. */
	sink += run_chunk(pt, s);
	__atomic_fetch_add(&pt->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&pt->go, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();

	/*
	 * Run for a wall-clock time, but charge each thread only the CPU
	 * time it got: the machine is shared, and time spent preempted by
	 * somebody else's compiler is not the charge path's cost.
	 */
	start = now_ns(CLOCK_MONOTONIC);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	until = start + pt->seconds * 1e9;
	do {
		sink += run_chunk(pt, s);
		ops += CHUNK;
		end = now_ns(CLOCK_MONOTONIC);
	} while (end < until);

	s->ops = ops;
	s->ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	s->wall = end - start;
	/* Keep the floor loops' results alive. */
	if (sink == 1)
		fputc(' ', stderr);
	return NULL;
}

/* Index of the level-l (0 = root) node of chain k, breadth-first. */
static size_t node_index(int l, int k, int fanout)
{
	return l ? 1 + (size_t)(l - 1) * fanout + k : 0;
}

static void *alloc_nodes(size_t n, size_t size)
{
	void *p = aligned_alloc(64, (n * size + 63) / 64 * 64);

	if (!p) {
		perror("native_bench: aligned_alloc");
		exit(1);
	}
	memset(p, 0, n * size);
	return p;
}

static void build_tree(struct point *pt)
{
	int levels = pt->depth, fanout = pt->fanout, l, k;
	size_t n = node_index(levels - 1, fanout - 1, fanout) + 1, i;

	if (pt->kind == K_WALK) {
		pt->walk = alloc_nodes(n, sizeof(struct walk_node));
		for (l = 1; l < levels; l++)
			for (k = 0; k < fanout; k++)
				pt->walk[node_index(l, k, fanout)].parent =
					&pt->walk[node_index(l - 1, k, fanout)];
		for (i = 0; i < n; i++)
			pt->walk[i].max = MLAB_COUNTER_MAX;
		for (k = 0; k < pt->threads; k++)
			pt->slot[k].walk = &pt->walk[node_index(levels - 1,
						k % fanout, fanout)];
		return;
	}

	if (pt->kind == K_NEIGHBOURS) {
		pt->counters = alloc_nodes(pt->threads, sizeof(struct mlab_counter));
		for (k = 0; k < pt->threads; k++) {
			mlab_policy_counter_init(pt->policy, &pt->counters[k],
						 NULL, false);
			pt->slot[k].leaf = &pt->counters[k];
		}
		return;
	}

	pt->counters = alloc_nodes(n, sizeof(struct mlab_counter));
	mlab_policy_counter_init(pt->policy, &pt->counters[0], NULL, false);
	for (l = 1; l < levels; l++)
		for (k = 0; k < fanout; k++)
			mlab_policy_counter_init(pt->policy,
				&pt->counters[node_index(l, k, fanout)],
				&pt->counters[node_index(l - 1, k, fanout)],
				false);
	for (k = 0; k < pt->threads; k++)
		pt->slot[k].leaf = &pt->counters[node_index(levels - 1,
						k % fanout, fanout)];
}

static void check_tree(struct point *pt)
{
	size_t n = node_index(pt->depth - 1, pt->fanout - 1, pt->fanout) + 1, i;

	if (pt->kind == K_NEIGHBOURS)
		n = pt->threads;
	for (i = 0; i < n; i++)
		if (mlab_counter_read(&pt->counters[i])) {
			fprintf(stderr, "native_bench: %s depth %d: counter %zu holds %lu pages after the run\n",
				kind_names[pt->kind], pt->depth, i,
				mlab_counter_read(&pt->counters[i]));
			exit(1);
		}
}

/* One timed run of every thread; returns the mean ns per pair. */
static double measure_once(struct point *pt)
{
	pthread_t tid[MAX_THREADS];
	double sum_ns = 0;
	int t;

	if (pt->kind < (enum kind)SHIM_NR_POLICIES || pt->kind == K_NEIGHBOURS) {
		pt->policy = mlab_policy_create(pt->kind == K_NEIGHBOURS ?
						"strict" : kind_names[pt->kind],
						0);
		if (IS_ERR(pt->policy)) {
			fprintf(stderr, "native_bench: policy %s: error %ld\n",
				kind_names[pt->kind], PTR_ERR(pt->policy));
			exit(1);
		}
		build_tree(pt);
	} else if (pt->kind == K_WALK) {
		build_tree(pt);
	}
	atomic_long_set(&pt->shared, 0);
	pt->ready = 0;
	pt->go = 0;
	for (t = 0; t < pt->threads; t++) {
		pt->slot[t].id = t;
		pt->slot[t].pt = pt;
		if (pthread_create(&tid[t], NULL, bench_thread, &pt->slot[t])) {
			perror("native_bench: pthread_create");
			exit(1);
		}
	}
	while (__atomic_load_n(&pt->ready, __ATOMIC_SEQ_CST) < pt->threads)
		sched_yield();
	__atomic_store_n(&pt->go, 1, __ATOMIC_RELEASE);
	for (t = 0; t < pt->threads; t++)
		pthread_join(tid[t], NULL);

	if (pt->policy) {
		mlab_policy_destroy(pt->policy);
		pt->policy = NULL;
		check_tree(pt);
		free(pt->counters);
		pt->counters = NULL;
	}
	free(pt->walk);
	pt->walk = NULL;

	for (t = 0; t < pt->threads; t++)
		sum_ns += pt->slot[t].ns / pt->slot[t].ops;
	return sum_ns / pt->threads;
}

/*
 * The CPUs are shared with other work: run the point `reps` times and keep
 * the fastest run (the one least disturbed), for floors and policies alike.
 */
static void run_point(struct point *pt, int reps, FILE *json, int *first)
{
	double best = 0, per_thread[MAX_THREADS], total_ops = 0, wall = 0, ns;
	unsigned long ops[MAX_THREADS];
	int r, t;

	pt->seconds /= reps;
	for (r = 0; r < reps; r++) {
		ns = measure_once(pt);
		if (r && ns >= best)
			continue;
		best = ns;
		for (t = 0; t < pt->threads; t++) {
			per_thread[t] = pt->slot[t].ns / pt->slot[t].ops;
			ops[t] = pt->slot[t].ops;
		}
		total_ops = wall = 0;
		for (t = 0; t < pt->threads; t++) {
			total_ops += ops[t];
			if (pt->slot[t].wall > wall)
				wall = pt->slot[t].wall;
		}
	}

	printf("%-12s depth %d threads %d  %8.2f ns/pair  %8.2f Mpairs/s\n",
	       kind_names[pt->kind], pt->depth, pt->threads, best,
	       total_ops / wall * 1e3);
	fprintf(json, "%s\n    {\"kind\": \"%s\", \"depth\": %d, \"threads\": %d, "
		"\"fanout\": %d, \"nr_pages\": %lu, \"ns_per_pair\": %.3f, "
		"\"ops_per_sec\": %.0f, \"per_thread_ns\": [",
		*first ? "" : ",", kind_names[pt->kind], pt->depth, pt->threads,
		pt->fanout, pt->nr_pages, best, total_ops / wall * 1e9);
	for (t = 0; t < pt->threads; t++)
		fprintf(json, "%s%.3f", t ? ", " : "", per_thread[t]);
	fprintf(json, "]}");
	*first = 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: native_bench [-s SECONDS] [-t MAX_THREADS] [-d 1,2,4,8] [-n NR_PAGES]\n"
		   "                    [-k KIND,...] [-r REPS] [-o OUT.json]\n"
		   "  every point (policy x depth x threads 1..MAX, and the floors) runs SECONDS\n"
		   "  in REPS runs (default 3); the fastest run is reported\n"
		   "  KIND: strict batched locked atomic_pair percpu_inc irq_pair walk neighbours\n");
}

static void parse(int argc, char **argv, struct opts *o)
{
	char *tok, *save;
	int c;

	o->seconds = 0.5;
	o->max_threads = nr_host_cpus();
	o->nr_pages = 1;
	o->out = "/dev/null";
	o->only = NULL;
	o->reps = 3;
	o->nr_depths = 4;
	o->depths[0] = 1, o->depths[1] = 2, o->depths[2] = 4, o->depths[3] = 8;
	while ((c = getopt(argc, argv, "s:t:d:n:o:k:r:h")) != -1) {
		switch (c) {
		case 's': o->seconds = atof(optarg); break;
		case 't': o->max_threads = atoi(optarg); break;
		case 'n': o->nr_pages = strtoul(optarg, NULL, 0); break;
		case 'o': o->out = optarg; break;
		case 'k': o->only = optarg; break;
		case 'r': o->reps = atoi(optarg); break;
		case 'd':
			o->nr_depths = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && o->nr_depths < 8;
			     tok = strtok_r(NULL, ",", &save))
				o->depths[o->nr_depths++] = atoi(tok);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->seconds <= 0 || o->reps < 1 || o->max_threads < 1 || o->max_threads > MAX_THREADS ||
	    !o->nr_pages || !o->nr_depths) {
		usage(stderr);
		exit(2);
	}
	for (c = 0; c < o->nr_depths; c++)
		if (o->depths[c] < 1 || o->depths[c] > 64) {
			usage(stderr);
			exit(2);
		}
}

int main(int argc, char **argv)
{
	static struct point pt;
	struct opts o;
	int first = 1, k, d, t;
	FILE *json;

	parse(argc, argv, &o);
	json = fopen(o.out, "w");
	if (!json) {
		fprintf(stderr, "native_bench: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	fprintf(json, "{\"layout\": \"%s\", \"counter_size\": %zu, "
		"\"offsets\": {\"usage\": %zu, \"watermark\": %zu, \"max\": %zu, \"parent\": %zu}, "
		"\"cpus\": %d, \"seconds\": %g, \"points\": [",
		BENCH_LAYOUT, sizeof(struct mlab_counter),
		offsetof(struct mlab_counter, usage),
		offsetof(struct mlab_counter, watermark),
		offsetof(struct mlab_counter, max),
		offsetof(struct mlab_counter, parent), nr_host_cpus(), o.seconds);
	printf("# native, layout %s: sizeof(struct mlab_counter) = %zu, %g s per point\n",
	       BENCH_LAYOUT, sizeof(struct mlab_counter), o.seconds);

	for (t = 1; t <= o.max_threads; t++)
		for (k = 0; k < NR_KINDS; k++) {
			if (o.only && !strstr(o.only, kind_names[k]))
				continue;
			for (d = 0; d < o.nr_depths; d++) {
				memset(&pt, 0, sizeof(pt));
				pt.kind = k;
				pt.depth = k == K_ATOMIC_PAIR || k == K_PERCPU_INC ||
					   k == K_IRQ_PAIR || k == K_NEIGHBOURS ?
					   1 : o.depths[d];
				pt.threads = t;
				pt.fanout = t;
				pt.nr_pages = o.nr_pages;
				pt.seconds = o.seconds;
				run_point(&pt, o.reps, json, &first);
				fflush(stdout);
				if (pt.depth == 1 && k != K_WALK &&
				    k >= SHIM_NR_POLICIES)
					break;
			}
		}
	fprintf(json, "\n]}\n");
	if (fclose(json)) {
		fprintf(stderr, "native_bench: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	return 0;
}
