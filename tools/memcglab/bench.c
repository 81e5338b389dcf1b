// SPDX-License-Identifier: GPL-2.0
/*
 * memcglab CLI: the `bench` object (docs/perf.md).
 *
 *   bench run [kind K] [depth D] [threads T] [fanout F] [pages N] [batch B]
 *             [ms MS] [count C]       the in-kernel benchmark (kmod/bench.c)
 *   bench file GROUP [SIZE [STEP]]     time charging SIZE in STEP writes to
 *                                      GROUP/memcglab.charge
 *   bench netlink GROUP [SIZE [STEP]]  time the same as one netlink batch
 *
 * The in-kernel benchmark is the family's BENCH operation (mlab_nl_bench()):
 * it runs in this process, so the memcg kind charges this process's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/memcglab.h>

#include "memcglab.h"

/* Kinds other than policies; any other word names a policy. */
static const char *const bench_kinds[] = {
	[MEMCGLAB_BENCH_KIND_POLICY] = "policy",
	[MEMCGLAB_BENCH_KIND_ATOMIC_PAIR] = "atomic_pair",
	[MEMCGLAB_BENCH_KIND_PERCPU_INC] = "percpu_inc",
	[MEMCGLAB_BENCH_KIND_IRQ_PAIR] = "irq_pair",
	[MEMCGLAB_BENCH_KIND_WALK] = "walk",
	[MEMCGLAB_BENCH_KIND_MEMCG] = "memcg",
	[MEMCGLAB_BENCH_KIND_PAGE] = "page",
	NULL
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_bench(const struct mlab_bench *b)
{
	uint64_t total = 0;
	double sum = 0;
	uint32_t i;

	print_open_obj(NULL);
	/* A policy's name stands for its kind, as on the command line. */
	print_str(PRINT_ANY, "kind", "kind %s",
		  b->kind == MEMCGLAB_BENCH_KIND_POLICY ? b->policy : bench_kinds[b->kind]);
	print_u64(PRINT_ANY, "depth", " depth %llu", b->depth);
	print_u64(PRINT_ANY, "fanout", " fanout %llu", b->fanout);
	print_u64(PRINT_ANY, "siblings", " siblings %llu", b->siblings);
	print_u64(PRINT_ANY, "threads", " threads %llu", b->threads);
	print_u64(PRINT_ANY, "pages", " pages %llu", b->nr_pages);
	print_u64(PRINT_ANY, "batch", " batch %llu", b->batch);
	print_u64(PRINT_ANY, "ms", " ms %llu", b->ms);
	print_u64(PRINT_ANY, "count", " count %llu", b->count);
	print_u64(PRINT_ANY, "wall_ns", " wall %llu ns", b->wall_ns);
	if (b->kind >= MEMCGLAB_BENCH_KIND_MEMCG) {
		print_bool(PRINT_ANY, "accounted", " accounted %s", b->accounted);
		print_u64(PRINT_ANY, "base_ops", " base_ops %llu", b->base_ops);
		print_u64(PRINT_ANY, "base_ns", " base_ns %llu", b->base_ns);
	}
	print_nl();
	print_open_arr("per_thread");
	for (i = 0; i < b->nr_threads; i++) {
		double per = b->ops[i] ? (double)b->ns[i] / b->ops[i] : 0;

		print_open_obj(NULL);
		print_u64(PRINT_ANY, "thread", "  thread %llu", i);
		print_u64(PRINT_ANY, "ops", "  %llu pairs", b->ops[i]);
		print_u64(PRINT_ANY, "ns", " in %llu ns", b->ns[i]);
		print_double(PRINT_ANY, "ns_per_pair", "  %.2f ns/pair", per);
		print_nl();
		print_close_obj();
		sum += per;
		total += b->ops[i];
	}
	print_close_arr();
	print_double(PRINT_ANY, "ns_per_pair", "total: %.2f ns/pair (mean of threads)",
		     sum / b->nr_threads);
	print_double(PRINT_ANY, "ops_per_sec", ", %.0f pairs/s",
		     b->wall_ns ? total * 1e9 / b->wall_ns : 0);
	print_nl();
	print_close_obj();
}

static int do_bench_run(const struct cmd *self, int argc, char **argv)
{
	static const char *const keys[] = { "kind", "depth", "threads", "fanout",
		"pages", "batch", "ms", "siblings", "count", NULL };
	struct mlab_bench b = { .kind = MEMCGLAB_BENCH_KIND_POLICY, .policy = "strict" };
	uint32_t *u32s[] = { NULL, &b.depth, &b.threads, &b.fanout,
			     &b.nr_pages, &b.batch, &b.ms, &b.siblings };
	struct mlab_nl nl;
	uint64_t v;
	int i, k, ret;

	for (i = 0; i < argc; i += 2) {
		k = match_word(argv[i], keys);
		if (k < 0)
			return cmd_usage_error(self, "unknown or ambiguous parameter '%s'", argv[i]);
		if (i + 1 >= argc)
			return cmd_usage_error(self, "%s: missing value", keys[k]);
		if (k == 0) {
			/* Exact names: a policy may share a prefix with a kind. */
			for (ret = 0; bench_kinds[ret]; ret++)
				if (!strcmp(argv[i + 1], bench_kinds[ret]))
					break;
			b.kind = bench_kinds[ret] ? ret : MEMCGLAB_BENCH_KIND_POLICY;
			if (bench_kinds[ret])
				continue;
			if (strlen(argv[i + 1]) >= sizeof(b.policy))
				return cmd_usage_error(self, "policy name '%s' too long",
						       argv[i + 1]);
			snprintf(b.policy, sizeof(b.policy), "%s", argv[i + 1]);
			continue;
		}
		if (parse_u64(argv[i + 1], &v) ||
		    (k < (int)ARRAY_SIZE(u32s) && v > UINT32_MAX))
			return cmd_usage_error(self, "%s: invalid number '%s'", keys[k],
					       argv[i + 1]);
		if (k < (int)ARRAY_SIZE(u32s))
			*u32s[k] = (uint32_t)v;
		else
			b.count = v;
	}
	if (cli_nl_open(&nl) < 0)
		return EXIT_FAIL;
	ret = cli_nl_report(&nl, mlab_nl_bench(&nl, &b), "bench run");
	mlab_nl_close(&nl);
	if (ret)
		return EXIT_FAIL;
	print_bench(&b);
	return EXIT_OK;
}

/* "GROUP [SIZE [STEP]]": sizes default to 1G in 4K steps. */
static int parse_sizes(const struct cmd *self, int argc, char **argv,
		       uint64_t *size, uint64_t *step)
{
	*size = 1ULL << 30;
	*step = 4096;
	if (argc > 1 && parse_size(argv[1], size, false))
		return cmd_usage_error(self, "invalid SIZE '%s'", argv[1]);
	if (argc > 2 && parse_size(argv[2], step, false))
		return cmd_usage_error(self, "invalid STEP '%s'", argv[2]);
	if (argc > 3)
		return cmd_usage_error(self, "unexpected '%s'", argv[3]);
	if (!*step || *size % *step || *size / *step > MEMCGLAB_CHARGE_MAX_COUNT)
		return cmd_usage_error(self, "SIZE must be a multiple of STEP, at most %u steps",
				       MEMCGLAB_CHARGE_MAX_COUNT);
	return EXIT_OK;
}

static void print_timing(const char *path, uint64_t size, uint64_t step,
			 double charge, double release)
{
	uint64_t steps = size / step;

	print_open_obj(NULL);
	print_str(PRINT_ANY, "path", "%s:", path);
	print_u64(PRINT_ANY, "bytes", " %llu bytes", size);
	print_u64(PRINT_ANY, "steps", " in %llu steps", steps);
	print_double(PRINT_ANY, "seconds", ": %.3f s", charge);
	print_double(PRINT_ANY, "ns_per_step", " (%.0f ns/step)", charge * 1e9 / steps);
	print_double(PRINT_ANY, "release_seconds", ", release %.3f s", release);
	print_nl();
	print_close_obj();
}

static int do_bench_file(const struct cmd *self, int argc, char **argv)
{
	uint64_t size, step, i, steps;
	char path[4096], buf[32];
	double t0, t1, t2;
	int fd, len, ret;

	if (argc < 1)
		return cmd_usage_error(self, "missing GROUP (a group directory)");
	ret = parse_sizes(self, argc, argv, &size, &step);
	if (ret != EXIT_OK)
		return ret;
	snprintf(path, sizeof(path), "%s/memcglab.charge", argv[0]);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		err("%s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	len = snprintf(buf, sizeof(buf), "%" PRIu64, step);
	steps = size / step;
	t0 = bench_now();
	for (i = 0; i < steps; i++)
		if (write(fd, buf, len) != len) {
			err("%s: charge %" PRIu64 " of %" PRIu64 ": %s", path, i + 1, steps,
			    strerror(errno));
			close(fd);
			return EXIT_FAIL;
		}
	t1 = bench_now();
	close(fd);	/* gives every page back */
	t2 = bench_now();
	print_timing("file", size, step, t1 - t0, t2 - t1);
	return EXIT_OK;
}

static int do_bench_netlink(const struct cmd *self, int argc, char **argv)
{
	struct mlab_charge_req req = { 0 };
	uint64_t size, step;
	struct mlab_nl nl;
	double t0, t1, t2;
	int used, ret;

	used = group_ref_parse(argc, argv, &req.ref);
	if (used < 0)
		return EXIT_USAGE;
	ret = parse_sizes(self, argc - used + 1, argv + used - 1, &size, &step);
	if (ret != EXIT_OK)
		return ret;
	req.delta = (int64_t)step;
	req.count = (uint32_t)(size / step);
	if (cli_nl_open(&nl) < 0)
		return EXIT_FAIL;
	t0 = bench_now();
	ret = cli_nl_report(&nl, mlab_nl_charge(&nl, &req, 1), "bench netlink");
	t1 = bench_now();
	if (!ret && (req.error || req.done != req.count)) {
		err("bench netlink: %u of %u charges done: %s", req.done, req.count,
		    strerror(-req.error));
		ret = -EIO;
	}
	mlab_nl_close(&nl);	/* the socket's charges go back */
	t2 = bench_now();
	if (ret)
		return EXIT_FAIL;
	print_timing("netlink", size, step, t1 - t0, t2 - t1);
	return EXIT_OK;
}

#define BENCH_RUN_HELP \
	"Runs one point of the in-kernel benchmark (the BENCH netlink operation).\n" \
	"kind: a policy's name (strict, the default, batched, locked, or one a\n" \
	"module registered: see 'memcglab policy list'), charging a private\n" \
	"hierarchy; atomic_pair percpu_inc irq_pair walk (floors); memcg page (page\n" \
	"alloc+free with and without __GFP_ACCOUNT in this process: run it from\n" \
	"inside a memory cgroup). siblings S: each thread alternates its charges\n" \
	"between S leaves (default 1). threads defaults to one per CPU, fanout to\n" \
	"threads * siblings, ms to 1000.\n"

static const struct cmd bench_cmds[] = {
	{ .name = "run",
	  .args = "[kind K] [depth D] [threads T] [fanout F] [siblings S] [pages N] [batch B] [ms MS] [count C]",
	  .summary = "run the in-kernel charge benchmark once", .help = BENCH_RUN_HELP,
	  .run = do_bench_run },
	{ .name = "file", .args = "GROUP [SIZE [STEP]]",
	  .summary = "time charging SIZE (1G) in STEP (4K) writes to GROUP/memcglab.charge",
	  .run = do_bench_file },
	{ .name = "netlink", .args = "GROUP [SIZE [STEP]]",
	  .summary = "time charging SIZE (1G) in STEP (4K) steps as one netlink batch",
	  .run = do_bench_netlink },
	{ 0 }
};

const struct cmd bench_cmd = {
	.name = "bench",
	.summary = "benchmarks of the charge path (see docs/perf.md)",
	.sub = bench_cmds,
};
