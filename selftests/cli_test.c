// SPDX-License-Identifier: GPL-2.0
/*
 * cli_test - the memcglab CLI against the module: exit codes, help, prefixes,
 * text and JSON output (JSON parsed, not compared as text), charge holding,
 * monitor and top. The CLI is $MEMCGLAB, else `memcglab` on $PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The harness trips -Wextra (unused ucontext, EXPECT_* sign mixing). */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "mlab.h"
#include "mlab_json.h"

#define M (1024 * 1024ULL)
#define OUTSZ (1 << 16)

struct run {
	int status;		/* exit code, or 128 + signal */
	char out[OUTSZ];
	char err[OUTSZ];
	struct tjson *v[8];	/* parsed stdout (-j), JSON lines allowed */
	int nv;			/* values parsed, -1 when stdout is not JSON */
};

static const char *cli(void)
{
	const char *c = getenv("MEMCGLAB");

	return c ? c : "memcglab";
}

static void slurp(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, OUTSZ - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run "memcglab ARGS" through sh (so ARGS may hold a pipe's input side). */
static void run(struct run *r, const char *input, const char *fmt, ...)
{
	char args[1024], cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s%s%s %s >/tmp/cli_test.out 2>/tmp/cli_test.err",
		 input ? input : "", input ? " | " : "", cli(), args);
	st = system(cmd);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp("/tmp/cli_test.out", r->out);
	slurp("/tmp/cli_test.err", r->err);
	r->nv = tjson_parse_all(r->out, r->v, 8);
}

static void run_free(struct run *r)
{
	for (int i = 0; i < r->nv; i++)
		tjson_free(r->v[i]);
	r->nv = 0;
}

static uint64_t num(const struct tjson *v)
{
	return v && v->type == TJ_NUM && v->is_uint ? v->u : UINT64_MAX - 1;
}

static const char *str(const struct tjson *v)
{
	return v && v->type == TJ_STR ? v->str : "";
}

FIXTURE(cli) {
	char dir[MLAB_PATH_MAX], a[MLAB_PATH_MAX], b[MLAB_PATH_MAX];
	uint32_t hier;
	uint64_t ida;
	struct run r;
};

FIXTURE_SETUP(cli)
{
	ASSERT_EQ(0, mlab_ensure_module());
	ASSERT_EQ(0, mlab_mount(NULL, self->dir));
	ASSERT_EQ(0, mlab_mkgroup(self->dir, "a", self->a));
	ASSERT_EQ(0, mlab_mkgroup(self->a, "b", self->b));
	ASSERT_EQ(0, mlab_group_ids(self->a, &self->hier, &self->ida));
}

FIXTURE_TEARDOWN(cli)
{
	run_free(&self->r);
	rmdir(self->b);
	rmdir(self->a);
	mlab_umount(self->dir, false);
}

TEST_F(cli, usage_and_exit_codes)
{
	struct run *r = &self->r;

	run(r, NULL, "");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "help");
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "monitor"));
	run(r, NULL, "group help");
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "group show GROUP"));
	run(r, NULL, "group set help");
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "Usage: memcglab group set"));
	run(r, NULL, "bogus");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group s %s", self->a);	/* ambiguous: show, set */
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group show");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group set %s bogus 1M", self->a);
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group set %s max 1Q", self->a);
	EXPECT_EQ(2, r->status);
	run(r, NULL, "group show %s/nonexistent", self->dir);
	EXPECT_EQ(1, r->status);
	EXPECT_NE(NULL, strstr(r->err, "No such file"));
}

TEST_F(cli, show_text_and_json)
{
	struct run *r = &self->r;
	const struct tjson *o;

	run(r, NULL, "gr sh %s", self->a);	/* prefixes */
	ASSERT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "usage 0"));
	EXPECT_NE(NULL, strstr(r->out, "max max"));

	run_free(r);
	run(r, NULL, "-j group show %s", self->a);
	ASSERT_EQ(0, r->status);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	o = r->v[0];
	EXPECT_EQ(self->ida, num(tjson_get(o, "id")));
	EXPECT_EQ(self->hier, num(tjson_get(o, "hier")));
	EXPECT_EQ(0, num(tjson_get(o, "usage")));
	EXPECT_EQ(TJ_NULL, tjson_get(o, "max")->type);	/* unlimited */
	EXPECT_STREQ("strict", str(tjson_get(o, "policy")));
	EXPECT_EQ(0, num(tjson_get(tjson_get(o, "events"), "max")));

	run_free(r);
	run(r, NULL, "-j -p group show id %u:%llu", self->hier,
	    (unsigned long long)self->ida);
	ASSERT_EQ(0, r->status);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	EXPECT_EQ(self->ida, num(tjson_get(r->v[0], "id")));
	EXPECT_NE(NULL, strchr(r->out, '\n'));
}

TEST_F(cli, set_reset_and_errors)
{
	struct run *r = &self->r;

	run(r, NULL, "group set %s max 10M high 8M", self->a);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_EQ(10 * M, mlab_num(self->a, "memory.max"));
	EXPECT_EQ(8 * M, mlab_num(self->a, "memory.high"));
	run(r, NULL, "-j group show %s", self->a);
	ASSERT_EQ(1, r->nv);
	EXPECT_EQ(10 * M, num(tjson_get(r->v[0], "max")));
	run_free(r);

	/* the kernel's extack message reaches the user, with the errno */
	run(r, NULL, "group set %s max 1M", self->dir);
	EXPECT_EQ(1, r->status);
	EXPECT_NE(NULL, strstr(r->err, "root group has no limits"));
	EXPECT_NE(NULL, strstr(r->err, "Invalid argument"));

	run(r, NULL, "group reset %s watermark", self->a);
	EXPECT_EQ(0, r->status);
	run(r, NULL, "group reset %s", self->a);
	EXPECT_EQ(0, r->status);
}

TEST_F(cli, tree_json)
{
	struct run *r = &self->r;
	const struct tjson *arr;

	run(r, NULL, "-j group tree %s", self->dir);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	arr = r->v[0];
	ASSERT_EQ(TJ_ARR, arr->type);
	ASSERT_EQ(3, arr->n);
	EXPECT_STREQ("a", str(tjson_get(tjson_at(arr, 1), "name")));
	EXPECT_STREQ("b", str(tjson_get(tjson_at(arr, 2), "name")));
	EXPECT_EQ(2, num(tjson_get(tjson_at(arr, 2), "depth")));
	run_free(r);
	run(r, NULL, "group tree %s", self->dir);
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "    b"));
}

TEST_F(cli, charge_probe_and_refused)
{
	struct run *r = &self->r;
	const struct tjson *e;

	run(r, NULL, "-j charge %s 1M", self->b);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	e = tjson_at(r->v[0], 0);
	EXPECT_EQ(TJ_BOOL, tjson_get(e, "ok")->type);
	EXPECT_TRUE(tjson_get(e, "ok")->b);
	EXPECT_EQ(M, num(tjson_get(e, "held")));
	/* the socket is gone, and so is its charge */
	EXPECT_EQ(0, mlab_num(self->b, "memory.current"));
	run_free(r);

	run(r, NULL, "group set %s max 1M", self->a);
	ASSERT_EQ(0, r->status);
	run(r, NULL, "-j charge %s 2M", self->b);
	EXPECT_EQ(1, r->status);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	e = tjson_at(r->v[0], 0);
	EXPECT_FALSE(tjson_get(e, "ok")->b);
	EXPECT_EQ(ENOMEM, num(tjson_get(e, "errno")));
	run_free(r);
	run(r, NULL, "charge %s 2M", self->b);
	EXPECT_EQ(1, r->status);
	EXPECT_NE(NULL, strstr(r->out, "Cannot allocate memory"));
}

TEST_F(cli, charge_stdin)
{
	struct run *r = &self->r;
	char input[2 * MLAB_PATH_MAX + 64];

	snprintf(input, sizeof(input), "printf 'charge %s 8K\\nuncharge %s 4K\\n'",
		 self->a, self->a);
	run(r, input, "-j charge -");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(2, r->nv) TH_LOG("not JSON lines: %s", r->out);
	EXPECT_EQ(8192, num(tjson_get(tjson_at(r->v[0], 0), "held")));
	EXPECT_EQ(4096, num(tjson_get(tjson_at(r->v[1], 0), "held")));
}

/*
 * charge GROUP file SIZE: page cache, reclaimed under a limit when anon
 * needs the room; the JSON result names the type.
 */
TEST_F(cli, charge_file)
{
	struct run *r = &self->r;
	char input[3 * MLAB_PATH_MAX + 128];

	snprintf(input, sizeof(input),
		 "printf 'charge %s file 3M\\ncharge %s anon 2M\\nuncharge %s file 3M\\n'",
		 self->b, self->b, self->b);
	run(r, NULL, "group set %s max 4M", self->a);
	ASSERT_EQ(0, r->status);
	run_free(r);
	run(r, input, "-j charge -");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(3, r->nv) TH_LOG("not JSON lines: %s", r->out);
	EXPECT_STREQ("file", tjson_get(tjson_at(r->v[0], 0), "type")->str);
	EXPECT_STREQ("anon", tjson_get(tjson_at(r->v[1], 0), "type")->str);
	/* 3M of file + 2M of anon under 4M: at least 1M of the file went */
	EXPECT_GE(4 * M, num(tjson_get(tjson_at(r->v[1], 0), "held")));
	EXPECT_EQ(2 * M, num(tjson_get(tjson_at(r->v[2], 0), "held")));
	run_free(r);
	run(r, NULL, "charge %s fil 1M", self->b);
	EXPECT_NE(0, r->status);
}

static bool wait_current(const char *dir, uint64_t want, int ms)
{
	for (; ms > 0; ms -= 50) {
		if (mlab_num(dir, "memory.current") == want)
			return true;
		usleep(50000);
	}
	return false;
}

static pid_t spawn(const char *out, const char *fmt, ...)
{
	char args[512], cmd[1024];
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "exec %s %s >%s 2>&1", cli(), args, out);
	pid = fork();
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

TEST_F(cli, charge_hold)
{
	int status;
	pid_t pid;

	pid = spawn("/dev/null", "charge %s 1M hold", self->a);
	ASSERT_LT(0, pid);
	EXPECT_TRUE(wait_current(self->a, M, 10000));
	kill(pid, SIGINT);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(wait_current(self->a, 0, 2000));
}

TEST_F(cli, monitor_max_event)
{
	struct run *r = &self->r;
	struct tjson *v[4];
	char out[OUTSZ];
	int status, n;
	pid_t pid;

	pid = spawn("/tmp/cli_test.mon", "-j monitor %s count 1 timeout 20", self->dir);
	ASSERT_LT(0, pid);
	sleep(2);	/* let it join the group */
	run(r, NULL, "group set %s max 1M", self->a);
	ASSERT_EQ(0, r->status);
	run(r, NULL, "charge %s 2M", self->b);
	EXPECT_EQ(1, r->status);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	slurp("/tmp/cli_test.mon", out);
	n = tjson_parse_all(out, v, 4);
	ASSERT_EQ(1, n) TH_LOG("monitor printed: %s", out);
	EXPECT_STREQ("max", str(tjson_get(v[0], "event")));
	EXPECT_STREQ("a", str(tjson_get(v[0], "name")));
	EXPECT_EQ(self->ida, num(tjson_get(v[0], "id")));
	EXPECT_EQ(M, num(tjson_get(v[0], "limit")));
	tjson_free(v[0]);
}

TEST_F(cli, top_iterations)
{
	struct run *r = &self->r;
	const struct tjson *g;

	run(r, NULL, "-j top %s -n 2 -d 0.1", self->dir);
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(2, r->nv) TH_LOG("not JSON lines: %s", r->out);
	for (int i = 0; i < 2; i++) {
		g = tjson_get(r->v[i], "groups");
		ASSERT_NE(NULL, g);
		EXPECT_EQ(3, g->n);
		EXPECT_STREQ("b", str(tjson_get(tjson_at(g, 2), "name")));
	}
	run_free(r);
	run(r, NULL, "top %s -n 1", self->dir);
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "FAILCNT"));
}

/* policy list: the registry's dump, memcglab's own policies first. */
TEST_F(cli, policy_list)
{
	static const char * const names[] = { "strict", "batched", "locked" };
	struct run *r = &self->r;
	const struct tjson *e;
	int i;

	run(r, NULL, "-j policy list");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	for (i = 0; i < 3; i++) {
		e = tjson_at(r->v[0], i);
		ASSERT_NE(NULL, e);
		EXPECT_STREQ(names[i], str(tjson_get(e, "name")));
		EXPECT_STREQ("memcglab", str(tjson_get(e, "module")));
		EXPECT_NE(NULL, str(tjson_get(e, "description")));
		EXPECT_EQ(0, num(tjson_get(e, "slack")));
	}
	run_free(r);
	run(r, NULL, "policy list");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "NAME")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "batched      memcglab ")) TH_LOG("%s", r->out);
	run_free(r);
	run(r, NULL, "policy list extra");
	EXPECT_EQ(2, r->status);
}

/* bench run: the BENCH operation's reply as JSON; bad input is exit 2 or 1. */
TEST_F(cli, bench_run)
{
	struct run *r = &self->r;
	const struct tjson *t;

	run(r, NULL, "-j bench run kind walk depth 3 threads 2 count 512");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	EXPECT_STREQ("walk", str(tjson_get(r->v[0], "kind")));
	EXPECT_EQ(3, num(tjson_get(r->v[0], "depth")));
	EXPECT_EQ(2, num(tjson_get(r->v[0], "threads")));
	t = tjson_get(r->v[0], "per_thread");
	ASSERT_NE(NULL, t);
	ASSERT_EQ(2, t->n);
	EXPECT_EQ(512, num(tjson_get(tjson_at(t, 1), "ops")));
	EXPECT_LT(0, num(tjson_get(tjson_at(t, 1), "ns")));
	run_free(r);

	/* Any other word is a policy's name: the kernel knows none such. */
	run(r, NULL, "-j bench run kind batched siblings 2 depth 2 threads 2 count 256");
	ASSERT_EQ(0, r->status) TH_LOG("%s", r->err);
	ASSERT_EQ(1, r->nv) TH_LOG("not JSON: %s", r->out);
	EXPECT_STREQ("batched", str(tjson_get(r->v[0], "kind")));
	EXPECT_EQ(2, num(tjson_get(r->v[0], "siblings")));
	EXPECT_EQ(4, num(tjson_get(r->v[0], "fanout")));
	run_free(r);
	run(r, NULL, "bench run kind nonsense");
	EXPECT_EQ(1, r->status);
	EXPECT_NE(NULL, strstr(r->err, "no policy of that name")) TH_LOG("%s", r->err);
	run(r, NULL, "bench run kind a_name_far_too_long_for_a_policy");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "bench run depth x");
	EXPECT_EQ(2, r->status);
	run(r, NULL, "bench run depth 65 count 256");
	EXPECT_EQ(1, r->status);
	EXPECT_NE(NULL, strstr(r->err, "out of range")) TH_LOG("%s", r->err);
}

TEST_HARNESS_MAIN
