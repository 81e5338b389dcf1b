// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test.c - concurrent charges, uncharges, limit changes, drains and
 * protection updates on one hierarchy; built under TSan by `make tsan`.
 *
 * Workers each run on their own shim CPU and only uncharge what they
 * charged.  A single "admin" thread (callers serialise limit changes)
 * moves limits, protections and watermarks and drains stocks.  At the end
 * the workers stop at a barrier with their charges still held: then no
 * usage may exceed its max (no forced charges are used) and parents hold
 * at least their children's sum.  After everything is returned and the
 * stocks are drained, every usage is zero.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "harness.h"
#include "shim/shim.h"
#include "test_util.h"

#define NODES 7
#define WORKERS 4

struct stress {
	struct mlab_policy *p;
	struct mlab_counter *c;
	unsigned long ops;
	int finished;			/* workers past their loops */
	int stop;			/* admin runs until the workers are done */
	pthread_barrier_t quiet, checked;
};

struct worker {
	struct stress *s;
	int cpu;
	uint64_t rng;
	long held[NODES];
	unsigned long charged, failed;
};

/* 0 root; 1, 2 under root; 3, 4 under 1; 5, 6 under 2 */
static const int parent_of[NODES] = { -1, 0, 0, 1, 1, 2, 2 };

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct mlab_counter *fail;
	unsigned long k;
	int i;

	shim_set_cpu(w->cpu);
	for (k = 0; k < s->ops; k++) {
		i = 1 + rnd_below(&w->rng, NODES - 1);
		if (rnd_below(&w->rng, 2)) {
			long n = 1 + rnd_below(&w->rng,
					       rnd_below(&w->rng, 8) ? 4 : 100);

			if (!mlab_policy_try_charge(s->p, &s->c[i], n, &fail)) {
				w->held[i] += n;
				w->charged++;
			} else {
				w->failed++;
			}
		} else if (w->held[i]) {
			long n = 1 + rnd_below(&w->rng, w->held[i]);

			mlab_policy_uncharge(s->p, &s->c[i], n);
			w->held[i] -= n;
		}
	}

	__atomic_fetch_add(&s->finished, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&s->quiet);	/* admin stopped too */
	pthread_barrier_wait(&s->checked);	/* main thread looked */
	for (i = 0; i < NODES; i++)
		if (w->held[i])
			mlab_policy_uncharge(s->p, &s->c[i], w->held[i]);
	return NULL;
}

static void *admin_fn(void *arg)
{
	struct stress *s = arg;
	uint64_t rng = 42;
	unsigned long rounds = 0;

	shim_set_cpu(WORKERS);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int i = rnd_below(&rng, NODES), j;
		unsigned long v;

		switch (rnd_below(&rng, 6)) {
		case 0:
		case 1:
			v = rnd_below(&rng, 4) ? 50 + rnd_below(&rng, 400)
					       : MLAB_COUNTER_MAX;
			mlab_policy_set_max(s->p, &s->c[i], v);
			break;
		case 2:
			mlab_counter_set_min(&s->c[i], rnd_below(&rng, 200));
			mlab_counter_set_low(&s->c[i], rnd_below(&rng, 200));
			break;
		case 3:
			mlab_policy_drain(s->p, rnd_below(&rng, 2) ?
					  &s->c[i] : NULL);
			break;
		case 4:
			mlab_counter_reset_watermark(&s->c[i]);
			mlab_counter_reset_local_watermark(&s->c[i]);
			mlab_counter_reset_failcnt(&s->c[i]);
			mlab_counter_set_high(&s->c[i], rnd_below(&rng, 100));
			break;
		default:
			for (j = 0; j < NODES; j++)
				mlab_counter_calculate_protection(&s->c[0],
								  &s->c[j],
								  rounds & 1);
			break;
		}
		rounds++;
	}
	pthread_barrier_wait(&s->quiet);
	return NULL;
}

static void run_stress(const char *name)
{
	struct stress s = { .ops = harness_scale(200000) };
	struct worker w[WORKERS];
	pthread_t tw[WORKERS], ta;
	unsigned long charged = 0, failed = 0;
	int i, j;

	s.p = mlab_policy_create(name, 16);
	ASSERT_TRUE(!IS_ERR(s.p));
	s.c = counters_alloc(NODES);
	for (i = 0; i < NODES; i++)
		mlab_policy_counter_init(s.p, &s.c[i],
					 i ? &s.c[parent_of[i]] : NULL, true);
	mlab_counter_set_max(&s.c[1], 300);
	mlab_counter_set_max(&s.c[5], 100);
	pthread_barrier_init(&s.quiet, NULL, WORKERS + 2);
	pthread_barrier_init(&s.checked, NULL, WORKERS + 1);

	for (i = 0; i < WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = &s;
		w[i].cpu = i;
		w[i].rng = 0x1234567ULL * (i + 1) + name[0];
		pthread_create(&tw[i], NULL, worker_fn, &w[i]);
	}
	pthread_create(&ta, NULL, admin_fn, &s);

	/* wait for the workers' loops, then stop the admin */
	while (__atomic_load_n(&s.finished, __ATOMIC_ACQUIRE) < WORKERS)
		sched_yield();
	/* workers reach `quiet` after their loops; admin after `stop` */
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&s.quiet);

	/* quiescent, charges held: the invariants must hold */
	for (i = 0; i < NODES; i++) {
		long kids = 0;

		for (j = 0; j < NODES; j++)
			if (parent_of[j] == i)
				kids += mlab_counter_read(&s.c[j]);
		EXPECT_LE(mlab_counter_read(&s.c[i]), s.c[i].max);
		EXPECT_GE(mlab_counter_read(&s.c[i]), kids);
		EXPECT_LE(s.c[i].local_watermark, s.c[i].watermark);
	}
	pthread_barrier_wait(&s.checked);

	for (i = 0; i < WORKERS; i++) {
		pthread_join(tw[i], NULL);
		charged += w[i].charged;
		failed += w[i].failed;
	}
	pthread_join(ta, NULL);
	mlab_policy_drain(s.p, NULL);
	for (i = 0; i < NODES; i++) {
		EXPECT_EQ(mlab_counter_read(&s.c[i]), 0);
		EXPECT_EQ(atomic_long_read(&s.c[i].children_min_usage), 0);
		EXPECT_EQ(atomic_long_read(&s.c[i].children_low_usage), 0);
	}
	EXPECT_GT(charged, 0);
	EXPECT_GT(failed, 0);
	harness_note("%s: %lu ops/worker, %lu charges, %lu refused",
		     name, s.ops, charged, failed);
	mlab_policy_destroy(s.p);
	pthread_barrier_destroy(&s.quiet);
	pthread_barrier_destroy(&s.checked);
	free(s.c);
	shim_set_cpu(0);
}

TEST(stress_strict)
{
	run_stress("strict");
}

TEST(stress_batched)
{
	run_stress("batched");
}

TEST(stress_locked)
{
	run_stress("locked");
}

/* The policy modules, linked in (Makefile: POLICIES). */
TEST(stress_multistock)
{
	run_stress("multistock");
}

TEST(stress_example)
{
	run_stress("example");
}

/*
 * set_max against racing try_charge: chargers fill the counter page by
 * page while the limit is lowered and raised.  Whenever set_max returns
 * 0 the limit must hold, so at the end usage <= max.
 */
struct race {
	struct mlab_counter *c;
	int started;		/* chargers running */
	int stop;		/* main: stop charging */
	int idle;		/* chargers stopped, pages held */
	int release;		/* main: give the pages back */
};

static void *race_charger(void *arg)
{
	struct race *r = arg;
	struct mlab_counter *fail;
	long held = 0;

	__atomic_fetch_add(&r->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (mlab_counter_try_charge(&r->c[1], 1, &fail)) {
			held++;
		} else {
			mlab_counter_uncharge(&r->c[1], held);
			held = 0;
		}
	}
	__atomic_fetch_add(&r->idle, 1, __ATOMIC_RELEASE);
	/* keep the pages: the final check looks at a full counter */
	while (!__atomic_load_n(&r->release, __ATOMIC_ACQUIRE))
		sched_yield();
	mlab_counter_uncharge(&r->c[1], held);
	return NULL;
}

TEST(stress_set_max_race)
{
	struct race r = { 0 };
	unsigned long k, rounds = harness_scale(100000), ok = 0, busy = 0;
	pthread_t t[2];
	uint64_t rng = 7;
	int i;

	r.c = counters_alloc(2);
	mlab_counter_init(&r.c[0], NULL, true);
	mlab_counter_init(&r.c[1], &r.c[0], true);
	mlab_counter_set_max(&r.c[1], 1000);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, race_charger, &r);
	while (__atomic_load_n(&r.started, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	for (k = 0; k < rounds; k++) {
		unsigned long v = 10 + rnd_below(&rng, 1000);

		if (mlab_counter_set_max(&r.c[1], v))
			busy++;
		else
			ok++;
		EXPECT_LE(READ_ONCE(r.c[1].max), 1010);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&r.idle, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	/* chargers are idle and still hold their pages */
	EXPECT_LE(mlab_counter_read(&r.c[1]), r.c[1].max);
	__atomic_store_n(&r.release, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(mlab_counter_read(&r.c[1]), 0);
	EXPECT_EQ(mlab_counter_read(&r.c[0]), 0);
	EXPECT_GT(r.c[1].failcnt, 0);
	harness_note("set_max: %lu applied, %lu refused", ok, busy);
	free(r.c);
}
