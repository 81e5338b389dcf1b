// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_stock_test.c - what the real memcg's per-cpu charge stock keeps, as
 * the memcg target's tolerance model assumes it (docs/compare.md).
 *
 * Until 6.15 a CPU's stock caches one memcg: a charge from another memcg on
 * that CPU drains it.  From 6.16 a CPU caches up to seven memcgs and keeps
 * each one's pages.  The test charges two sibling groups from CPU 0, one
 * after the other, each by a task that then exits, and asks whether the
 * first group's stock survived the second group's charges.
 */
/* 6.1's harness has an unused parameter; -Wextra -Werror would stop here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "mlab.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define TOUCH (4UL << 20)
#define LIMIT_TOUCH (8UL << 20)
#define MIN_STOCK_PAGES 32UL
#define KERNEL_SLACK 16UL

/* @group's memory.current in pages. */
static long pages_of(const char *group)
{
	return (long)(mlab_num(group, "memory.current") / PAGE);
}

/*
 * A task on CPU 0 joins @group and faults in anonymous pages until its
 * group's stock holds at least MIN_STOCK_PAGES (a refill tops it up to 64),
 * then exits.  Its pages and page tables go with it; the stock stays (and a
 * few pages of kernel objects).  Returns @group's usage in pages then, or -1.
 *
 * memory.current less the pages touched is the stock plus the task's kernel
 * objects (page tables, a few slab pages: under KERNEL_SLACK pages here), so
 * the task stops once that exceeds MIN_STOCK_PAGES + KERNEL_SLACK.
 */
static long charge_from_cpu0(const char *group)
{
	char path[MLAB_PATH_MAX], pid[16];
	int status;
	pid_t child = fork();

	if (child < 0)
		return -1;
	if (!child) {
		cpu_set_t set;
		char *mem;
		size_t i;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (sched_setaffinity(0, sizeof(set), &set) ||
		    mlab_write(mlab_path(path, group, "cgroup.procs"), pid) < 0)
			_exit(1);
		mem = mmap(NULL, LIMIT_TOUCH, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(1);
		madvise(mem, LIMIT_TOUCH, MADV_NOHUGEPAGE);
		for (i = 0; i < LIMIT_TOUCH; i += PAGE) {
			mem[i] = 1;
			if (i >= TOUCH && pages_of(group) - (long)(i / PAGE + 1) >=
			    (long)(MIN_STOCK_PAGES + KERNEL_SLACK))
				_exit(0);
		}
		_exit(2);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return pages_of(group);
}

static bool multi_stock_kernel(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (!uname(&u))
		sscanf(u.release, "%d.%d", &maj, &min);
	return maj > 6 || (maj == 6 && min >= 16);
}

FIXTURE(stock) {
	char parent[MLAB_PATH_MAX], x[MLAB_PATH_MAX], y[MLAB_PATH_MAX];
};

FIXTURE_SETUP(stock)
{
	const char *why = mlab_memcg_elsewhere(2);
	char path[MLAB_PATH_MAX];
	int err;

	if (why)
		SKIP(return, "%s", why);
	err = mlab_memcg2_create("memcglab-stock", self->parent);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, err);
	ASSERT_LE(0, mlab_write(mlab_path(path, self->parent, "cgroup.subtree_control"),
				"+memory"));
	ASSERT_EQ(0, mkdir(mlab_path(self->x, self->parent, "x"), 0755));
	ASSERT_EQ(0, mkdir(mlab_path(self->y, self->parent, "y"), 0755));
}

FIXTURE_TEARDOWN(stock)
{
	rmdir(self->x);
	rmdir(self->y);
	mlab_memcg2_remove(self->parent);
}

/* Does x's stock on CPU 0 survive y's charges on CPU 0? */
TEST_F(stock, second_group_on_one_cpu)
{
	long x_before, x_after, y_left;

	x_before = charge_from_cpu0(self->x);
	ASSERT_LE((long)(MIN_STOCK_PAGES + KERNEL_SLACK), x_before);
	y_left = charge_from_cpu0(self->y);
	ASSERT_LE((long)MIN_STOCK_PAGES, y_left);
	x_after = pages_of(self->x);
	TH_LOG("x holds %ld pages before y charged, %ld after; y holds %ld",
	       x_before, x_after, y_left);
	/*
	 * Besides its stock, x holds a few pages of the exited task's kernel
	 * objects, some freed later (RCU): under KERNEL_SLACK pages.  So x
	 * still holds a stock after y's charges when it has MIN_STOCK_PAGES
	 * or more, and lost it when it has less.
	 */
	if (multi_stock_kernel())
		EXPECT_LE((long)MIN_STOCK_PAGES, x_after);	/* cached side by side */
	if (!multi_stock_kernel())
		EXPECT_GT((long)MIN_STOCK_PAGES, x_after);	/* drained by y */
}

TEST_HARNESS_MAIN
