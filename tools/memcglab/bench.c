// SPDX-License-Identifier: GPL-2.0
/*
 * memcglab CLI: the `bench` object (issue 7).
 *
 *   bench run [kind K] [depth D] [threads T] [fanout F] [pages N] [batch B]
 *             [ms MS] [count C]       the in-kernel benchmark (kmod/bench.c)
 *   bench file GROUP [SIZE [STEP]]     time charging SIZE in STEP writes to
 *                                      GROUP/memcglab.charge
 *   bench netlink GROUP [SIZE [STEP]]  time the same as one netlink batch
 *
 * The in-kernel benchmark is driven through <debugfs>/memcglab/bench (one
 * open, one write of "key=value ...", one read of the result line).
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

#define BENCH_DEBUGFS "/sys/kernel/debug/memcglab/bench"
#define BENCH_MAX_THREADS 64

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parse "a,b,c" into v[]; returns how many. */
static int parse_list(const char *s, uint64_t *v, int max)
{
	int n = 0;

	while (*s && n < max) {
		v[n++] = strtoull(s, (char **)&s, 10);
		if (*s == ',')
			s++;
		else
			break;
	}
	return n;
}

static int print_kernel_result(char *line)
{
	uint64_t ops[BENCH_MAX_THREADS] = { 0 }, ns[BENCH_MAX_THREADS] = { 0 };
	uint64_t wall = 0, total = 0;
	int nops = 0, nns = 0, i;
	double sum = 0;
	char *tok, *save, *val;

	print_open_obj(NULL);
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		val = strchr(tok, '=');
		if (!val)
			continue;
		*val++ = '\0';
		if (!strcmp(tok, "ops")) {
			nops = parse_list(val, ops, BENCH_MAX_THREADS);
		} else if (!strcmp(tok, "ns")) {
			nns = parse_list(val, ns, BENCH_MAX_THREADS);
		} else if (!strcmp(tok, "wall_ns")) {
			wall = strtoull(val, NULL, 10);
		} else if (!strcmp(tok, "kind")) {
			print_str(PRINT_ANY, tok, "%s", val);
		} else {
			char fmt[64];

			snprintf(fmt, sizeof(fmt), " %s=%%llu", tok);
			print_u64(PRINT_ANY, tok, fmt, strtoull(val, NULL, 10));
		}
	}
	if (nops != nns || !nops) {
		print_close_obj();
		err("bench: unexpected answer from %s", BENCH_DEBUGFS);
		return EXIT_FAIL;
	}
	print_nl();
	print_open_arr("threads");
	for (i = 0; i < nops; i++) {
		double per = ops[i] ? (double)ns[i] / ops[i] : 0;

		print_open_obj(NULL);
		print_u64(PRINT_ANY, "thread", "  thread %llu", i);
		print_u64(PRINT_ANY, "ops", "  %llu pairs", ops[i]);
		print_double(PRINT_ANY, "ns_per_pair", "  %.2f ns/pair", per);
		print_nl();
		print_close_obj();
		sum += per;
		total += ops[i];
	}
	print_close_arr();
	print_double(PRINT_ANY, "ns_per_pair", "total: %.2f ns/pair (mean of threads)",
		     sum / nops);
	print_double(PRINT_ANY, "ops_per_sec", ", %.0f pairs/s",
		     wall ? total * 1e9 / wall : 0);
	print_nl();
	print_close_obj();
	return EXIT_OK;
}

static int do_bench_run(const struct cmd *self, int argc, char **argv)
{
	static const char *const keys[] = { "kind", "depth", "threads", "fanout",
		"pages", "batch", "ms", "count", NULL };
	char req[256] = "", line[4096];
	size_t len = 0;
	ssize_t n;
	int fd, i, k;

	for (i = 0; i < argc; i += 2) {
		k = match_word(argv[i], keys);
		if (k < 0)
			return cmd_usage_error(self, "unknown or ambiguous parameter '%s'", argv[i]);
		if (i + 1 >= argc)
			return cmd_usage_error(self, "%s: missing value", keys[k]);
		len += snprintf(req + len, sizeof(req) - len, "%s=%s ", keys[k], argv[i + 1]);
		if (len >= sizeof(req))
			return cmd_usage_error(self, "too many parameters");
	}
	if (!strstr(req, "kind="))
		len += snprintf(req + len, sizeof(req) - len, "kind=strict");

	fd = open(BENCH_DEBUGFS, O_RDWR);
	if (fd < 0) {
		err("%s: %s (is debugfs mounted and the module loaded?)", BENCH_DEBUGFS,
		    strerror(errno));
		return EXIT_FAIL;
	}
	if (write(fd, req, strlen(req)) < 0) {
		err("%s: %s: %s", BENCH_DEBUGFS, req, strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0) {
		err("%s: read: %s", BENCH_DEBUGFS, n < 0 ? strerror(errno) : "empty");
		return EXIT_FAIL;
	}
	line[n] = '\0';
	if (opts.verbose)
		fprintf(stderr, "%s", line);
	return print_kernel_result(line);
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
	if (mlab_nl_open(&nl) < 0)
		return EXIT_FAIL;
	t0 = bench_now();
	ret = lab_charge(&nl, &req, 1, "bench netlink");
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
	"Runs one point of the in-kernel benchmark through " BENCH_DEBUGFS ".\n" \
	"kind: strict batched locked (a policy on a private hierarchy), atomic_pair\n" \
	"percpu_inc irq_pair walk (floors), memcg page (page alloc+free with and\n" \
	"without __GFP_ACCOUNT in this process: run it from inside a memory cgroup).\n" \
	"threads defaults to one per CPU, fanout to threads, ms to 1000.\n"

static const struct cmd bench_cmds[] = {
	{ .name = "run",
	  .args = "[kind K] [depth D] [threads T] [fanout F] [pages N] [batch B] [ms MS] [count C]",
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
