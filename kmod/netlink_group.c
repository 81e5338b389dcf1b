// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_group.c - the group operations of the "memcglab" family:
 * GROUP_GET (one group or a dump of a subtree), GROUP_SET (limits, all
 * checked before any is set) and GROUP_RESET.  The ops table is in
 * netlink.c.
 */
#include <linux/err.h>
#include <net/genetlink.h>
#include <linux/memcglab.h>
#include "group.h"
#include "netlink.h"

/* Bytes to a limit in pages: rounded down, clamped to "max" as memparse. */
static unsigned long mlab_nl_bytes_to_limit(u64 bytes)
{
	if (bytes >= MLAB_NL_MAX_BYTES)
		return MLAB_COUNTER_MAX;
	return bytes >> PAGE_SHIFT;
}

static int mlab_nl_put_counts(struct sk_buff *skb, int attr,
			      const unsigned long *counts)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < MLAB_NR_EVENTS; i++)
		if (nla_put_u64_64bit(skb, MEMCGLAB_A_EVENTS_LOW + i, counts[i],
				      MEMCGLAB_A_EVENTS_PAD))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int mlab_nl_put_stats(struct sk_buff *skb,
			     const struct mlab_group_stats *st)
{
	struct nlattr *nest = nla_nest_start(skb, MEMCGLAB_A_GROUP_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, MEMCGLAB_A_STATS_CHARGES, st->charges,
			      MEMCGLAB_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_STATS_CHARGED,
			      mlab_nl_pages_to_bytes(st->charged_pages),
			      MEMCGLAB_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_STATS_UNCHARGES, st->uncharges,
			      MEMCGLAB_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_STATS_UNCHARGED,
			      mlab_nl_pages_to_bytes(st->uncharged_pages),
			      MEMCGLAB_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_STATS_FAILS, st->fails,
			      MEMCGLAB_A_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int mlab_nl_put_u64(struct sk_buff *skb, int attr, u64 value)
{
	return nla_put_u64_64bit(skb, attr, value, MEMCGLAB_A_GROUP_PAD);
}

/* One GROUP_GET message describing @info; -EMSGSIZE when @skb is full. */
static int mlab_nl_fill_group(struct sk_buff *skb,
			      const struct mlab_group_info *info,
			      u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mlab_nl_family, flags,
			  MEMCGLAB_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MEMCGLAB_A_GROUP_HIER, info->hier_id) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_ID, info->id) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_PARENT_ID, info->parent_id) ||
	    nla_put_u32(skb, MEMCGLAB_A_GROUP_FLAVOUR,
			info->v1 ? MEMCGLAB_FLAVOUR_V1 : MEMCGLAB_FLAVOUR_V2) ||
	    nla_put_string(skb, MEMCGLAB_A_GROUP_POLICY, info->policy) ||
	    nla_put_u32(skb, MEMCGLAB_A_GROUP_BATCH, info->batch) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_USAGE,
			    mlab_nl_pages_to_bytes(info->usage)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_OWNED,
			    mlab_nl_pages_to_bytes(info->owned)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_MAX,
			    mlab_nl_limit_to_bytes(info->max)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_HIGH,
			    mlab_nl_limit_to_bytes(info->high)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_LOW,
			    mlab_nl_limit_to_bytes(info->low)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_MIN,
			    mlab_nl_limit_to_bytes(info->min)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_SOFT_LIMIT,
			    mlab_nl_limit_to_bytes(info->soft_limit)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_WATERMARK,
			    mlab_nl_pages_to_bytes(info->watermark)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_FAILCNT, info->failcnt) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_EMIN,
			    mlab_nl_limit_to_bytes(info->emin)) ||
	    mlab_nl_put_u64(skb, MEMCGLAB_A_GROUP_ELOW,
			    mlab_nl_limit_to_bytes(info->elow)) ||
	    mlab_nl_put_counts(skb, MEMCGLAB_A_GROUP_EVENTS, info->events) ||
	    mlab_nl_put_counts(skb, MEMCGLAB_A_GROUP_EVENTS_LOCAL,
			       info->events_local) ||
	    mlab_nl_put_stats(skb, &info->stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int mlab_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mlab_group_info gi;
	struct mlab_group *g;
	struct sk_buff *msg;
	int err;

	g = mlab_nl_lookup(info->attrs, NULL, MEMCGLAB_A_GROUP_HIER,
			   MEMCGLAB_A_GROUP_ID, info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	mlab_group_info(g, &gi);
	mlab_group_put(g);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		GENL_SET_ERR_MSG(info, "out of memory for the reply");
		return -ENOMEM;
	}
	err = mlab_nl_fill_group(msg, &gi, info->snd_portid, info->snd_seq, 0);
	if (err) {
		nlmsg_free(msg);
		GENL_SET_ERR_MSG(info, "reply does not fit");
		return err;
	}
	return genlmsg_reply(msg, info);
}

const struct nla_policy mlab_nl_get_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER]	= { .type = NLA_U32 },
	[MEMCGLAB_A_GROUP_ID]	= NLA_POLICY_MIN(NLA_U64, 1),
};

/*
 * Dump the subtree at (HIER, ID) in id order, parents first.  cb->args[0]
 * keeps the last id sent, cb->args[1] says the subtree root was found.  The
 * request is parsed here rather than in ->start so that errors carry an
 * extack message on every kernel (the core has validated it already).
 */
int mlab_nl_group_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *tb[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
	struct mlab_group_info gi;
	struct mlab_group *root, *g;
	u64 after = cb->args[0];
	int err;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, MEMCGLAB_A_GROUP_ATTR_MAX,
			  mlab_nl_get_policy, cb->extack);
	if (err)
		return err;
	root = mlab_nl_lookup(tb, NULL, MEMCGLAB_A_GROUP_HIER,
			      MEMCGLAB_A_GROUP_ID, cb->extack);
	if (IS_ERR(root))
		return cb->args[1] ? 0 : PTR_ERR(root);
	cb->args[1] = 1;

	while ((g = mlab_group_next(root, after))) {
		mlab_group_info(g, &gi);
		mlab_group_put(g);
		err = mlab_nl_fill_group(skb, &gi, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		after = gi.id;
	}
	mlab_group_put(root);
	cb->args[0] = after;
	if (err && !skb->len) {
		NL_SET_ERR_MSG(cb->extack, "group does not fit a dump message");
		return err;
	}
	return skb->len;
}

const struct nla_policy mlab_nl_set_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER]		= { .type = NLA_U32 },
	[MEMCGLAB_A_GROUP_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[MEMCGLAB_A_GROUP_MAX]		= { .type = NLA_U64 },
	[MEMCGLAB_A_GROUP_HIGH]		= { .type = NLA_U64 },
	[MEMCGLAB_A_GROUP_LOW]		= { .type = NLA_U64 },
	[MEMCGLAB_A_GROUP_MIN]		= { .type = NLA_U64 },
	[MEMCGLAB_A_GROUP_SOFT_LIMIT]	= { .type = NLA_U64 },
};

/* The settable limits, MAX first: it is the only one that can be refused. */
static const struct mlab_nl_limit {
	int attr;
	enum mlab_limit which;
	bool v1;	/* exists in the v1 flavour */
	bool v2;	/* exists in the v2 flavour */
} mlab_nl_limits[] = {
	{ MEMCGLAB_A_GROUP_MAX, MLAB_LIMIT_MAX, true, true },
	{ MEMCGLAB_A_GROUP_HIGH, MLAB_LIMIT_HIGH, false, true },
	{ MEMCGLAB_A_GROUP_LOW, MLAB_LIMIT_LOW, false, true },
	{ MEMCGLAB_A_GROUP_MIN, MLAB_LIMIT_MIN, false, true },
	{ MEMCGLAB_A_GROUP_SOFT_LIMIT, MLAB_LIMIT_SOFT, true, false },
};

/* Check that every limit in @tb can be set on @g, before setting any. */
static int mlab_nl_set_check(struct mlab_group *g, struct nlattr **tb,
			     struct netlink_ext_ack *extack)
{
	const struct mlab_nl_limit *l;
	struct mlab_group_info gi;
	bool any = false;

	mlab_group_info(g, &gi);
	for (l = mlab_nl_limits; l < mlab_nl_limits + ARRAY_SIZE(mlab_nl_limits); l++) {
		if (!tb[l->attr])
			continue;
		any = true;
		if (mlab_group_is_root(g)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[l->attr],
					    "the root group has no limits");
			return -EINVAL;
		}
		if (gi.v1 && !l->v1) {
			NL_SET_ERR_MSG_ATTR(extack, tb[l->attr],
					    "high, low and min do not exist in the v1 flavour");
			return -EOPNOTSUPP;
		}
		if (!gi.v1 && !l->v2) {
			NL_SET_ERR_MSG_ATTR(extack, tb[l->attr],
					    "soft-limit exists only in the v1 flavour");
			return -EOPNOTSUPP;
		}
	}
	if (!any) {
		NL_SET_ERR_MSG(extack, "nothing to set: no max, high, low, min or soft-limit");
		return -EINVAL;
	}
	return 0;
}

int mlab_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct mlab_nl_limit *l;
	struct nlattr **tb = info->attrs;
	struct mlab_group *g;
	int err;

	g = mlab_nl_lookup(tb, NULL, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID,
			   info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = mlab_nl_set_check(g, tb, info->extack);
	for (l = mlab_nl_limits; !err && l < mlab_nl_limits + ARRAY_SIZE(mlab_nl_limits); l++) {
		if (!tb[l->attr])
			continue;
		err = mlab_group_set_limit(g, l->which,
					   mlab_nl_bytes_to_limit(nla_get_u64(tb[l->attr])));
		if (err == -EBUSY)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[l->attr],
					    "usage stays above the new limit");
		else if (err == -ENODEV)
			GENL_SET_ERR_MSG(info, "the group was removed");
		else if (err)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[l->attr],
					    "the group refused the limit");
	}
	mlab_group_put(g);
	return err;
}

const struct nla_policy mlab_nl_reset_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER]		= { .type = NLA_U32 },
	[MEMCGLAB_A_GROUP_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[MEMCGLAB_A_GROUP_RESET]	=
		NLA_POLICY_MASK(NLA_U32, MEMCGLAB_RESET_WATERMARK |
					 MEMCGLAB_RESET_FAILCNT),
};

int mlab_nl_group_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mlab_group *g;
	u32 what;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, MEMCGLAB_A_GROUP_RESET)) {
		GENL_SET_ERR_MSG(info, "missing what to reset");
		return -EINVAL;
	}
	what = nla_get_u32(info->attrs[MEMCGLAB_A_GROUP_RESET]);
	if (!what) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MEMCGLAB_A_GROUP_RESET],
				    "nothing to reset");
		return -EINVAL;
	}
	g = mlab_nl_lookup(info->attrs, NULL, MEMCGLAB_A_GROUP_HIER,
			   MEMCGLAB_A_GROUP_ID, info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	if (what & MEMCGLAB_RESET_WATERMARK)
		err = mlab_group_reset(g, MLAB_RESET_WATERMARK);
	if (!err && (what & MEMCGLAB_RESET_FAILCNT))
		err = mlab_group_reset(g, MLAB_RESET_FAILCNT);
	if (err == -ENODEV)
		GENL_SET_ERR_MSG(info, "the group was removed");
	else if (err)
		GENL_SET_ERR_MSG(info, "the group refused the reset");
	mlab_group_put(g);
	return err;
}
