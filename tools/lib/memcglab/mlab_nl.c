// SPDX-License-Identifier: GPL-2.0
/*
 * libmlab: the one place that opens netlink sockets for the tools and the
 * tests. A generic netlink socket with extended and capped acks, the family
 * resolved by name, a request/reply loop that keeps the kernel's errno,
 * extack message and missing attribute, forward-compatible attribute
 * parsing (unknown attributes skipped, known ones validated), and the
 * events multicast group.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "libmlab.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static int set_err(struct mlab_nl *nl, int error, uint32_t miss_type,
		   const char *fmt, ...)
{
	va_list ap;

	nl->err.err = -error;
	nl->err.miss_type = miss_type;
	nl->err.msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(nl->err.msg, sizeof(nl->err.msg), fmt, ap);
		va_end(ap);
	}
	return error;
}

/* ---- attributes ---- */

struct parse_ctx {
	const struct nlattr **tb;
	unsigned int max;
	const uint8_t *types;
};

static int parse_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, ctx->max) < 0 || !type)
		return MNL_CB_OK;	/* unknown: skip, forward compatible */
	if (ctx->types && ctx->types[type] &&
	    mnl_attr_validate(a, (enum mnl_attr_data_type)ctx->types[type]) < 0)
		return MNL_CB_ERROR;	/* known but malformed */
	ctx->tb[type] = a;
	return MNL_CB_OK;
}

int mlab_attr_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    unsigned int max, const uint8_t *types)
{
	struct parse_ctx ctx = { tb, max, types };

	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_cb, &ctx) < 0 ?
	       -EINVAL : 0;
}

int mlab_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			   unsigned int max, const uint8_t *types)
{
	struct parse_ctx ctx = { tb, max, types };

	return mnl_attr_parse_nested(nest, parse_cb, &ctx) < 0 ? -EINVAL : 0;
}

uint32_t mlab_attr_u32(const struct nlattr *a, uint32_t def)
{
	return a ? mnl_attr_get_u32(a) : def;
}

uint64_t mlab_attr_u64(const struct nlattr *a, uint64_t def)
{
	return a ? mnl_attr_get_u64(a) : def;
}

/* ---- the socket ---- */

struct family_info {
	uint16_t id;
	uint32_t events_group;
};

static void mcast_grp(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

	static const uint8_t types[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME] = MNL_TYPE_NUL_STRING,
		[CTRL_ATTR_MCAST_GRP_ID] = MNL_TYPE_U32,
	};

	if (mlab_attr_parse_nested(grp, tb, CTRL_ATTR_MCAST_GRP_MAX, types) < 0)
		return;
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
		    MEMCGLAB_MCGRP_EVENTS))
		fi->events_group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct family_info *fi = data;
	const struct nlattr *grp;

	static const uint8_t types[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = MNL_TYPE_U16,
		[CTRL_ATTR_MCAST_GROUPS] = MNL_TYPE_NESTED,
	};

	if (mlab_attr_parse(nlh, tb, CTRL_ATTR_MAX, types) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EINVAL;
	fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS])
			mcast_grp(grp, fi);
	return 0;
}

/* Fail: close what was opened, keep the reason. */
static int open_fail(struct mlab_nl *nl, int error, const char *step)
{
	mlab_nl_close(nl);
	return set_err(nl, error, 0, "%s", step);
}

int mlab_nl_open(struct mlab_nl *nl)
{
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->req = calloc(1, MLAB_NL_BUFSZ);
	nl->buf = malloc(MLAB_NL_BUFSZ);
	if (!nl->req || !nl->buf)
		return open_fail(nl, -ENOMEM, "netlink socket");
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return open_fail(nl, -errno, "netlink socket");
	/* Both are best effort: old kernels simply do not send the extras. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return open_fail(nl, -errno, "netlink bind");
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nl->family = GENL_ID_CTRL;
	nlh = mlab_nl_msg(nl, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MEMCGLAB_FAMILY_NAME);
	ret = mlab_nl_talk(nl, nlh, family_cb, &fi);
	if (ret < 0)
		return open_fail(nl, ret, "resolving family '" MEMCGLAB_FAMILY_NAME "'");
	nl->family = fi.id;
	nl->events_group = fi.events_group;
	return 0;
}

void mlab_nl_close(struct mlab_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->req);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

int mlab_nl_set_timeout(struct mlab_nl *nl, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
			  &tv, sizeof(tv)) ? -errno : 0;
}

struct nlmsghdr *mlab_nl_msg(struct mlab_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->req);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = MEMCGLAB_FAMILY_VERSION;
	return nlh;
}

/* ---- request and reply ---- */

/* The extack attributes of an NLMSG_ERROR or NLMSG_DONE payload. */
static void extack(struct mlab_nl *nl, const struct nlmsghdr *nlh, size_t skip)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, skip) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(nl->err.msg, sizeof(nl->err.msg), "%s",
				 mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			nl->err.miss_type = mnl_attr_get_u32(a);
	}
}

/* 1 when the answer is complete, 0 to read on, -errno. */
static int handle_msg(struct mlab_nl *nl, const struct nlmsghdr *nlh,
		      mlab_nl_cb cb, void *data)
{
	const struct nlmsgerr *e;
	size_t skip;
	int error;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_ERROR:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return set_err(nl, -EBADMSG, 0, NULL);
		e = mnl_nlmsg_get_payload(nlh);
		skip = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			skip += e->msg.nlmsg_len - sizeof(e->msg);
		nl->err.err = -e->error;
		extack(nl, nlh, skip);
		return e->error ? e->error : 1;
	case NLMSG_DONE:
		error = 0;
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			error = *(const int *)mnl_nlmsg_get_payload(nlh);
		nl->err.err = -error;
		if (error)
			extack(nl, nlh, sizeof(int));
		return error ? error : 1;
	default:
		error = cb ? cb(nlh, data) : 0;
		if (error < 0)
			return set_err(nl, error, 0, "malformed reply");
		return 0;
	}
}

int mlab_nl_talk(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	set_err(nl, 0, 0, NULL);
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return set_err(nl, -errno, 0, "sending request");
	for (;;) {
		const struct nlmsghdr *m;
		int len;

		n = mnl_socket_recvfrom(nl->sock, nl->buf, MLAB_NL_BUFSZ);
		if (n < 0)
			return set_err(nl, -errno, 0, "receiving reply");
		len = (int)n;
		for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;	/* a stale or multicast message */
			ret = handle_msg(nl, m, cb, data);
			if (ret)
				return ret < 0 ? ret : 0;
		}
	}
}

int mlab_nl_dump(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	return mlab_nl_talk(nl, nlh, cb, data);
}

/* ---- events ---- */

int mlab_nl_join_events(struct mlab_nl *nl)
{
	int grp = (int)nl->events_group;

	if (!grp)
		return set_err(nl, -ENOENT, 0, "family '%s' has no '%s' multicast group",
			       MEMCGLAB_FAMILY_NAME, MEMCGLAB_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return set_err(nl, -errno, 0, "joining multicast group '%s'",
			       MEMCGLAB_MCGRP_EVENTS);
	return 0;
}

static const uint8_t event_types[MEMCGLAB_A_EVENT_ATTR_MAX + 1] = {
	[MEMCGLAB_A_EVENT_TYPE] = MNL_TYPE_U32,
	[MEMCGLAB_A_EVENT_HIER] = MNL_TYPE_U32,
	[MEMCGLAB_A_EVENT_ID] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENT_USAGE] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENT_LIMIT] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENT_DROPPED] = MNL_TYPE_U64,
};

int mlab_event_parse(const struct mlab_nl *nl, const struct nlmsghdr *nlh,
		     struct mlab_event *ev)
{
	const struct nlattr *tb[MEMCGLAB_A_EVENT_ATTR_MAX + 1] = { 0 };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != nl->family || genl->cmd != MEMCGLAB_CMD_EVENT)
		return 0;
	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_EVENT_ATTR_MAX, event_types) < 0 ||
	    !tb[MEMCGLAB_A_EVENT_TYPE] || !tb[MEMCGLAB_A_EVENT_ID])
		return -EINVAL;
	ev->type = mlab_attr_u32(tb[MEMCGLAB_A_EVENT_TYPE], 0);
	ev->hier = mlab_attr_u32(tb[MEMCGLAB_A_EVENT_HIER], 0);
	ev->id = mlab_attr_u64(tb[MEMCGLAB_A_EVENT_ID], 0);
	ev->usage = mlab_attr_u64(tb[MEMCGLAB_A_EVENT_USAGE], 0);
	ev->limit = mlab_attr_u64(tb[MEMCGLAB_A_EVENT_LIMIT], MLAB_UNLIMITED);
	ev->dropped = mlab_attr_u64(tb[MEMCGLAB_A_EVENT_DROPPED], 0);
	return 1;
}

/* The kernel sends events one per message: the first in a read is taken. */
int mlab_nl_next_event(struct mlab_nl *nl, struct mlab_event *ev, int timeout_ms)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };

	for (;;) {
		const struct nlmsghdr *m;
		int len, ret = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (ret <= 0)
			return ret < 0 ? set_err(nl, -errno, 0, "poll") : 0;
		n = recv(pfd.fd, nl->buf, MLAB_NL_BUFSZ, MSG_DONTWAIT);
		if (n < 0)
			return set_err(nl, -errno, 0, "receive");
		len = (int)n;
		for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			ret = mlab_event_parse(nl, m, ev);
			if (ret)
				return ret < 0 ? set_err(nl, ret, 0, "malformed event") : 1;
		}
	}
}
