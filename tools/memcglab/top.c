// SPDX-License-Identifier: GPL-2.0
/* `memcglab top`: a live view of a hierarchy, refreshed in place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/memcglab.h>

#include "memcglab.h"

#define BAR_WIDTH 20

struct top_row {
	uint64_t id;
	uint64_t events[MLAB_NR_EVENTS];
};

struct top {
	struct group_tree cur;		/* this sample */
	struct top_row *prev;		/* the previous sample's event counts */
	size_t nprev;
	double rate[MLAB_NR_EVENTS];	/* scratch, per row */
	double t, tprev;
	const char *path, *label;
};

static const struct top_row *find_prev(const struct top *t, uint64_t id)
{
	for (size_t i = 0; i < t->nprev; i++)
		if (t->prev[i].id == id)
			return &t->prev[i];
	return NULL;
}

/* Events per second of gi since the previous sample, into t->rate. */
static void compute_rates(struct top *t, const struct mlab_group_info *gi)
{
	const struct top_row *p = find_prev(t, gi->id);
	double dt = t->t - t->tprev;

	for (int e = 0; e < MLAB_NR_EVENTS; e++)
		t->rate[e] = p && dt > 0 && gi->events[e] >= p->events[e] ?
			     (double)(gi->events[e] - p->events[e]) / dt : 0;
}

static int remember(struct top *t)
{
	struct top_row *r = realloc(t->prev, (t->cur.n ? t->cur.n : 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	t->prev = r;
	t->nprev = t->cur.n;
	for (size_t i = 0; i < t->cur.n; i++) {
		r[i].id = t->cur.g[i].id;
		memcpy(r[i].events, t->cur.g[i].events, sizeof(r[i].events));
	}
	t->tprev = t->t;
	return 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "[#####     ]" usage against the group's effective bound; "" if unlimited. */
static void make_bar(char *buf, uint64_t usage, uint64_t limit)
{
	int fill;

	if (limit == MLAB_UNLIMITED || !limit) {
		snprintf(buf, BAR_WIDTH + 16, "%-*s", BAR_WIDTH + 7, "");
		return;
	}
	fill = usage >= limit ? BAR_WIDTH : (int)(usage * BAR_WIDTH / limit);
	snprintf(buf, BAR_WIDTH + 16, "[%.*s%*s] %3d%%", fill,
		 "####################", BAR_WIDTH - fill, "",
		 (int)(usage >= limit ? 100 : usage * 100 / limit));
}

static void print_sample(struct top *t, bool clear)
{
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];

	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	if (clear)
		print_text("\033[H\033[J");
	print_open_obj(NULL);
	print_u64(PRINT_JSON, "time", NULL, (uint64_t)now);
	print_str(PRINT_TEXT, NULL, "memcglab top - %s", t->label);
	print_u64(PRINT_ANY, "hier", " (hier %llu", t->cur.g[0].hier);
	print_str(PRINT_ANY, "policy", ", policy %s)",
		  t->cur.g[0].policy);
	print_text(" - %s\n", ts);
	print_text("%-20s %8s %8s %-27s %8s %8s %7s %7s %7s\n", "GROUP", "USAGE",
		   "MAX", "", "PEAK", "FAILCNT", "MAX/s", "HIGH/s", "OOM/s");
	print_open_arr("groups");
	for (size_t i = 0; i < t->cur.n; i++) {
		const struct mlab_group_info *gi = &t->cur.g[i];
		char bar[BAR_WIDTH + 16];

		compute_rates(t, gi);
		make_bar(bar, gi->usage, gi->max);
		print_open_obj(NULL);
		print_group_ident(gi, 8, "%-20.20s", false);
		print_size(PRINT_ANY, "usage", " %8s", gi->usage);
		print_size(PRINT_ANY, "max", " %8s", gi->max);
		print_str(PRINT_TEXT, NULL, " %s", bar);
		print_size(PRINT_ANY, "watermark", " %8s", gi->watermark);
		print_u64(PRINT_ANY, "failcnt", " %8llu", gi->failcnt);
		print_double(PRINT_ANY, "max_per_sec", " %7.1f", t->rate[MLAB_EV_MAX]);
		print_double(PRINT_ANY, "high_per_sec", " %7.1f", t->rate[MLAB_EV_HIGH]);
		print_double(PRINT_ANY, "oom_per_sec", " %7.1f", t->rate[MLAB_EV_OOM]);
		print_nl();
		print_close_obj();
	}
	print_close_arr();
	print_close_obj();
	print_flush();
}

static int do_top(const struct cmd *self, int argc, char **argv)
{
	struct top t = { 0 };
	struct mlab_group_ref ref;
	uint64_t iters = 0;
	double delay = 1.0;
	struct mlab_nl nl;
	bool clear;
	int n, ret = EXIT_OK;

	if (argc < 1)
		return cmd_usage_error(self, "missing GROUP");
	n = group_ref_parse(argc, argv, &ref);
	if (n < 0)
		return EXIT_FAIL;
	t.label = argv[n - 1];
	t.path = n == 1 ? argv[0] : NULL;
	for (int i = n; i < argc; i += 2) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			return cmd_usage_error(self, "%s: missing value", a);
		if (!strcmp(a, "-n") || !strcmp(a, "iterations")) {
			if (parse_u64(argv[i + 1], &iters) || !iters)
				return cmd_usage_error(self, "invalid iterations '%s'",
						       argv[i + 1]);
		} else if (!strcmp(a, "-d") || !strcmp(a, "delay")) {
			if (parse_double(argv[i + 1], &delay) || delay < 0.01 ||
			    delay > 3600)
				return cmd_usage_error(self, "invalid delay '%s'",
						       argv[i + 1]);
		} else {
			return cmd_usage_error(self, "unknown argument '%s'", a);
		}
	}
	if (cli_nl_open(&nl) < 0)
		return EXIT_FAIL;
	clear = !opts.json && isatty(STDOUT_FILENO);
	for (uint64_t it = 0; !iters || it < iters; it++) {
		if (it) {
			struct timespec d = { (time_t)delay,
					      (long)((delay - (time_t)delay) * 1e9) };

			while (nanosleep(&d, &d) && errno == EINTR)
				;
		}
		t.t = mono();
		if (group_tree_collect(&nl, &ref, t.path, t.label, &t.cur, t.label)) {
			ret = EXIT_FAIL;
			break;
		}
		if (!clear && it)
			print_text("\n");
		print_sample(&t, clear);
		if (remember(&t)) {
			ret = EXIT_FAIL;
			break;
		}
	}
	mlab_nl_close(&nl);
	group_tree_free(&t.cur);
	free(t.prev);
	return ret;
}

const struct cmd top_cmd = {
	.name = "top",
	.args = "GROUP [ -n ITERATIONS ] [ -d SECS ]",
	.summary = "live view of a subtree: usage against max, peak, failcnt, event rates",
	.help = "Refreshes in place every SECS (default 1) on a terminal; with -n, or when\n"
		"stdout is not a terminal, prints one sample after another. Rates are\n"
		"hierarchical events per second since the previous sample. With -j each\n"
		"sample is one JSON object per line.\n",
	.run = do_top,
};
