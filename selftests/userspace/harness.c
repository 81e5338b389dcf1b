// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - runs the registered tests and prints TAP.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define MAX_TESTS 256

struct test_entry {
	const char *name;
	test_fn fn;
};

static struct test_entry tests[MAX_TESTS];
static int nr_tests;
static int cur_failed;

void harness_register(const char *name, test_fn fn)
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "harness: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

void harness_fail(const char *file, int line, const char *expr,
		  long long a, long long b)
{
	/* One diagnostic line per test is enough to start debugging. */
	if (__atomic_fetch_add(&cur_failed, 1, __ATOMIC_RELAXED) < 5)
		printf("# %s:%d: expected %s (%lld vs %lld)\n",
		       file, line, expr, a, b);
}

void harness_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

unsigned long harness_scale(unsigned long n)
{
	const char *s = getenv("MLAB_TEST_SCALE");
	long div = s ? atol(s) : 1;

	/* MLAB_TEST_SCALE=10 runs a tenth of the operations. */
	if (div <= 1 || n / div == 0)
		return n;
	return n / div;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int by_name(const void *a, const void *b)
{
	const struct test_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	int i, run = 0, passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;
	double start = now();

	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, nr_tests, sizeof(tests[0]), by_name);
	for (i = 0; i < nr_tests; i++)
		if (!filter || strstr(tests[i].name, filter))
			run++;

	printf("TAP version 13\n1..%d\n", run);
	run = 0;
	for (i = 0; i < nr_tests; i++) {
		double t0;

		if (filter && !strstr(tests[i].name, filter))
			continue;
		cur_failed = 0;
		t0 = now();
		tests[i].fn();
		run++;
		if (cur_failed) {
			failed++;
			printf("not ok %d %s\n", run, tests[i].name);
		} else {
			passed++;
			printf("ok %d %s # %.2fs\n", run, tests[i].name,
			       now() - t0);
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0 (%.1fs)\n",
	       passed, failed, now() - start);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
