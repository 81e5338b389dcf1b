// SPDX-License-Identifier: GPL-2.0
/*
 * The one netlink socket helper: generic netlink socket with extended and
 * capped acks, family resolution by name, request/reply loop that reports the
 * kernel's extack message with the errno, and forward-compatible attribute
 * parsing (unknown attributes are skipped, known ones size-checked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/memcglab.h>

#include "memcglab.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct family_info {
	uint16_t id;
	uint32_t events_group;
};

static int mcast_grp_cb(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

	static const uint8_t types[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME] = MNL_TYPE_NUL_STRING,
		[CTRL_ATTR_MCAST_GRP_ID] = MNL_TYPE_U32,
	};

	if (mlab_attr_parse_nested(grp, tb, CTRL_ATTR_MCAST_GRP_MAX, types) < 0)
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
		    MEMCGLAB_MCGRP_EVENTS))
		fi->events_group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
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
			mcast_grp_cb(grp, fi);
	return 0;
}

int mlab_nl_open(struct mlab_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(MLAB_NL_BUFSZ);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->buf || !nl->sock) {
		ret = -errno;
		err("netlink socket: %s", strerror(errno));
		goto fail;
	}
	/* Both are best effort: old kernels simply do not send the extras. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		err("netlink bind: %s", strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MEMCGLAB_FAMILY_NAME);
	ret = mlab_nl_talk(nl, nlh, family_cb, &fi, NULL);
	if (ret < 0) {
		if (ret == -ENOENT)
			err("generic netlink family '%s' not found: is memcglab.ko loaded?",
			    MEMCGLAB_FAMILY_NAME);
		else
			err("resolving family '%s': %s", MEMCGLAB_FAMILY_NAME,
			    strerror(-ret));
		goto fail;
	}
	nl->family = fi.id;
	nl->events_group = fi.events_group;
	return 0;
fail:
	mlab_nl_close(nl);
	return ret;
}

void mlab_nl_close(struct mlab_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

struct nlmsghdr *mlab_nl_msg(struct mlab_nl *nl, void *buf, uint8_t cmd,
			     uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = MEMCGLAB_FAMILY_VERSION;
	return nlh;
}

/* Extract the extack message from an NLMSG_ERROR or NLMSG_DONE payload. */
static const char *extack_msg(const struct nlmsghdr *nlh, size_t skip,
			      uint32_t *miss_type)
{
	const char *msg = NULL;
	const struct nlattr *a;

	*miss_type = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	mnl_attr_for_each(a, nlh, skip) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			msg = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			*miss_type = mnl_attr_get_u32(a);
	}
	return msg;
}

static int report(const char *what, int error, const char *msg,
		  uint32_t miss_type)
{
	if (!what)
		return error;
	fflush(stdout);
	fprintf(stderr, "memcglab: %s: %s", what, strerror(-error));
	if (msg)
		fprintf(stderr, ": %s", msg);
	if (miss_type)
		fprintf(stderr, " (missing attribute %u)", miss_type);
	fputc('\n', stderr);
	return error;
}

/* Returns 1 when done, 0 to keep reading, -errno on error. */
static int handle_msg(const struct nlmsghdr *nlh, mlab_nl_cb cb, void *data,
		      const char *what)
{
	const struct nlmsgerr *e;
	const char *msg;
	uint32_t miss;
	size_t skip;
	int error;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_ERROR:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return report(what, -EBADMSG, NULL, 0);
		e = mnl_nlmsg_get_payload(nlh);
		skip = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			skip += e->msg.nlmsg_len - sizeof(e->msg);
		msg = extack_msg(nlh, skip, &miss);
		if (!e->error) {
			if (msg && opts.verbose)
				fprintf(stderr, "memcglab: warning: %s\n", msg);
			return 1;
		}
		return report(what, e->error, msg, miss);
	case NLMSG_DONE:
		error = 0;
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			error = *(const int *)mnl_nlmsg_get_payload(nlh);
		if (error) {
			msg = extack_msg(nlh, sizeof(int), &miss);
			return report(what, error, msg, miss);
		}
		return 1;
	default:
		if (cb) {
			error = cb(nlh, data);
			if (error < 0)
				return report(what, error, "malformed reply", 0);
		}
		return 0;
	}
}

int mlab_nl_talk(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data, const char *what)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int ret = 0;
	ssize_t n;

	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return report(what, -errno, "sending request", 0);
	for (;;) {
		const struct nlmsghdr *m;
		int len;

		n = mnl_socket_recvfrom(nl->sock, nl->buf, MLAB_NL_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				return -EINTR;
			return report(what, -errno, "receiving reply", 0);
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;	/* a stale or multicast message */
			ret = handle_msg(m, cb, data, what);
			if (ret < 0)
				return ret;
			if (ret == 1)
				return 0;
		}
	}
}

int mlab_nl_join_events(struct mlab_nl *nl)
{
	int grp = (int)nl->events_group;

	if (!grp) {
		err("family '%s' has no '%s' multicast group",
		    MEMCGLAB_FAMILY_NAME, MEMCGLAB_MCGRP_EVENTS);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		err("joining multicast group '%s': %s", MEMCGLAB_MCGRP_EVENTS,
		    strerror(errno));
		return -errno;
	}
	return 0;
}

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
