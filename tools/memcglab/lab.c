// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's side of libmlab: the names of the family's enums, and opening
 * a socket and reporting a failed request the way `ip` does (the errno,
 * then the kernel's extack message).
 */
#include <errno.h>
#include <string.h>

#include "memcglab.h"

/* Indexed by enum memcglab_event_type; keep in step. */
const char *const mlab_event_names[MLAB_NR_EVENTS] = {
	"low", "high", "max", "oom", "oom_kill", "oom_group_kill",
};

int cli_nl_open(struct mlab_nl *nl)
{
	int ret = mlab_nl_open(nl);

	if (ret == -ENOENT && !strncmp(nl->err.msg, "resolving", 9))
		err("generic netlink family '%s' not found: is memcglab.ko loaded?",
		    MEMCGLAB_FAMILY_NAME);
	else if (ret < 0)
		err("%s: %s", nl->err.msg, strerror(-ret));
	return ret;
}

int cli_nl_report(const struct mlab_nl *nl, int ret, const char *what)
{
	const struct mlab_nl_err *e = &nl->err;

	if (!what)
		return ret;
	if (!ret) {
		if (e->msg[0] && opts.verbose)
			err("warning: %s", e->msg);
		return ret;
	}
	if (ret == -EINTR)
		return ret;	/* a signal the caller handles */
	fflush(stdout);
	fprintf(stderr, "memcglab: %s: %s", what, strerror(-ret));
	if (e->msg[0])
		fprintf(stderr, ": %s", e->msg);
	if (e->miss_type)
		fprintf(stderr, " (missing attribute %u)", e->miss_type);
	fputc('\n', stderr);
	return ret;
}
