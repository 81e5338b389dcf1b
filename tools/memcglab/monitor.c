// SPDX-License-Identifier: GPL-2.0
/* `memcglab monitor`: print the family's multicast events as they happen. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/memcglab.h>

#include "memcglab.h"

#define MON_MAX_FILTER 16

struct monitor {
	struct mlab_nl nl;	/* events socket */
	struct mlab_group_ref filter[MON_MAX_FILTER];
	const char *filter_path[MON_MAX_FILTER];	/* NULL for id HIER:ID */
	const char *filter_label[MON_MAX_FILTER];
	unsigned int nfilter;
	struct group_tree names[MON_MAX_FILTER];	/* the filtered subtrees */
	uint64_t limit, seen;
};

/* Learn the members (and names) of every filtered subtree. */
static int refresh_names(struct monitor *m)
{
	struct mlab_nl nl;
	int ret = 0;

	if (cli_nl_open(&nl) < 0)
		return -1;
	for (unsigned int i = 0; i < m->nfilter && !ret; i++)
		ret = group_tree_collect(&nl, &m->filter[i], m->filter_path[i],
					 m->filter_label[i], &m->names[i],
					 m->filter_label[i]);
	mlab_nl_close(&nl);
	return ret;
}

static const char *lookup_name(const struct monitor *m, uint32_t hier, uint64_t id)
{
	for (unsigned int i = 0; i < m->nfilter; i++) {
		const struct mlab_group_info *gi =
			group_tree_find(&m->names[i], hier, id);

		if (gi)
			return gi->name;
	}
	return NULL;
}

static bool wanted(struct monitor *m, const struct mlab_event *ev)
{
	bool same_hier = false;

	if (!m->nfilter)
		return true;
	if (lookup_name(m, ev->hier, ev->id))
		return true;
	for (unsigned int i = 0; i < m->nfilter; i++)
		same_hier |= m->filter[i].hier == ev->hier;
	/* Maybe a group created since the last refresh. */
	if (same_hier && !refresh_names(m))
		return lookup_name(m, ev->hier, ev->id);
	return false;
}

static void print_event(struct monitor *m, const struct mlab_event *ev)
{
	const char *name = lookup_name(m, ev->hier, ev->id);
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	print_open_obj(NULL);
	print_double(PRINT_JSON, "time", NULL,
		     (double)tv.tv_sec + tv.tv_usec / 1e6);
	print_text("%s.%03ld ", ts, (long)(tv.tv_usec / 1000));
	print_str(PRINT_ANY, "event", "%-8s",
		  ev->type < MLAB_NR_EVENTS ? mlab_event_names[ev->type] : "unknown");
	print_u64(PRINT_ANY, "hier", " id %llu", ev->hier);
	print_u64(PRINT_ANY, "id", ":%llu", ev->id);
	if (name)
		print_str(PRINT_ANY, "name", " (%s)", name);
	print_size(PRINT_ANY, "usage", " usage %s", ev->usage);
	print_size(PRINT_ANY, "limit", " limit %s", ev->limit);
	if (ev->dropped)
		print_u64(PRINT_ANY, "dropped", " (%llu earlier events dropped by rate limit)",
			  ev->dropped);
	print_nl();
	print_close_obj();
	print_flush();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int monitor_loop(struct monitor *m, double timeout)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct mlab_event ev;

	for (;;) {
		int wait_ms = -1, ret;

		if (deadline) {
			double left = deadline - now();

			if (left <= 0)
				return m->limit && m->seen < m->limit ? EXIT_FAIL : EXIT_OK;
			wait_ms = (int)(left * 1000) + 1;
		}
		ret = mlab_nl_next_event(&m->nl, &ev, wait_ms);
		if (ret == -ENOBUFS) {
			err("monitor: receive buffer overrun, events lost");
			continue;
		}
		if (ret == -EINVAL) {
			err("monitor: malformed event ignored");
			continue;
		}
		if (ret < 0 && ret != -EINTR) {
			err("monitor: %s: %s", m->nl.err.msg, strerror(-ret));
			return EXIT_FAIL;
		}
		if (ret <= 0 || !wanted(m, &ev))
			continue;
		print_event(m, &ev);
		if (m->limit && ++m->seen >= m->limit)
			return EXIT_OK;
	}
}

static int do_monitor(const struct cmd *self, int argc, char **argv)
{
	struct monitor *m = calloc(1, sizeof(*m));
	double timeout = 0;
	int ret = EXIT_FAIL;

	if (!m)
		return EXIT_FAIL;
	for (int i = 0; i < argc;) {
		int n;

		if (!strcmp(argv[i], "count") && i + 1 < argc) {
			if (parse_u64(argv[i + 1], &m->limit) || !m->limit) {
				ret = cmd_usage_error(self, "invalid count '%s'", argv[i + 1]);
				goto out;
			}
			i += 2;
			continue;
		}
		if (!strcmp(argv[i], "timeout") && i + 1 < argc) {
			if (parse_double(argv[i + 1], &timeout) || timeout <= 0) {
				ret = cmd_usage_error(self, "invalid timeout '%s'", argv[i + 1]);
				goto out;
			}
			i += 2;
			continue;
		}
		if (m->nfilter == MON_MAX_FILTER) {
			ret = cmd_usage_error(self, "at most %d groups", MON_MAX_FILTER);
			goto out;
		}
		n = group_ref_parse(argc - i, argv + i, &m->filter[m->nfilter]);
		if (n < 0)
			goto out;
		m->filter_path[m->nfilter] = n == 1 ? argv[i] : NULL;
		m->filter_label[m->nfilter++] = argv[i + n - 1];
		i += n;
	}
	if (m->nfilter && refresh_names(m))
		goto out;
	if (cli_nl_open(&m->nl) < 0)
		goto out;
	ret = mlab_nl_join_events(&m->nl);
	if (ret == -ENOENT)
		err("%s", m->nl.err.msg);
	else if (ret)
		err("%s: %s", m->nl.err.msg, strerror(-ret));
	if (ret) {
		ret = EXIT_FAIL;
	} else {
		if (opts.verbose)
			err("monitor: listening");
		ret = monitor_loop(m, timeout);
	}
	mlab_nl_close(&m->nl);
out:
	for (unsigned int i = 0; i < m->nfilter; i++)
		group_tree_free(&m->names[i]);
	free(m);
	return ret;
}

const struct cmd monitor_cmd = {
	.name = "monitor",
	.args = "[GROUP...] [count N] [timeout SECS]",
	.summary = "print low/high/max/oom events as they happen",
	.help = "Without GROUP, events of every hierarchy; with GROUPs, events of those\n"
		"groups and their descendants. `count N` exits after N events, `timeout\n"
		"SECS` after SECS seconds (exit 1 if fewer than N events arrived). The\n"
		"kernel sends at most 100 event messages per second (MEMCGLAB_EVENTS_PER_SEC);\n"
		"the next message after a suppressed burst says how many were dropped.\n",
	.run = do_monitor,
};
