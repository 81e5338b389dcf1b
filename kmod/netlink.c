// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "memcglab" generic netlink family: its operations table,
 * reading and dumping groups, setting limits, resetting counters, the
 * policy list and the rate-limited "events" multicast group.  CHARGE and
 * the sockets that own charges are in netlink_charge.c, BENCH in
 * netlink_bench.c.
 *
 * Everything here goes through group.h and policy.h.  Sizes cross the wire
 * in bytes (docs/netlink/memcglab.yaml); the group layer counts pages.
 */
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/memcglab.h>
#include "bench.h"
#include "group.h"
#include "netlink.h"
#include "policy.h"

enum mlab_nl_mcgrp {
	MLAB_NL_MCGRP_EVENTS,
};

/* At most MEMCGLAB_EVENTS_PER_SEC event messages per second. */
static DEFINE_RATELIMIT_STATE(mlab_nl_events_rs, HZ, MEMCGLAB_EVENTS_PER_SEC);
static atomic_long_t mlab_nl_events_dropped;

u64 mlab_nl_pages_to_bytes(unsigned long nr_pages)
{
	return (u64)nr_pages << PAGE_SHIFT;
}

/* A limit in pages as the wire shows it: MEMCGLAB_UNLIMITED for "max". */
static u64 mlab_nl_limit_to_bytes(unsigned long nr_pages)
{
	if (nr_pages >= MLAB_COUNTER_MAX)
		return MEMCGLAB_UNLIMITED;
	return mlab_nl_pages_to_bytes(nr_pages);
}

/* Bytes to a limit in pages: rounded down, clamped to "max" as memparse. */
static unsigned long mlab_nl_bytes_to_limit(u64 bytes)
{
	if (bytes >= MLAB_NL_MAX_BYTES)
		return MLAB_COUNTER_MAX;
	return bytes >> PAGE_SHIFT;
}

/*
 * Look up the group named by @tb[@hier_attr] and @tb[@id_attr] (inside @nest,
 * or at the top level when @nest is NULL).  Returns a referenced group or an
 * ERR_PTR() after setting the extack.
 */
struct mlab_group *mlab_nl_lookup(struct nlattr **tb, const struct nlattr *nest,
				  int hier_attr, int id_attr,
				  struct netlink_ext_ack *extack)
{
	struct mlab_group *g;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, hier_attr)) {
		NL_SET_ERR_MSG(extack, "missing hierarchy id");
		return ERR_PTR(-EINVAL);
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, id_attr)) {
		NL_SET_ERR_MSG(extack, "missing group id");
		return ERR_PTR(-EINVAL);
	}
	g = mlab_group_lookup(nla_get_u32(tb[hier_attr]),
			      nla_get_u64(tb[id_attr]));
	if (!g) {
		NL_SET_ERR_MSG_ATTR(extack, tb[id_attr],
				    "no such group in this hierarchy");
		return ERR_PTR(-ENOENT);
	}
	return g;
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

static int mlab_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info)
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

static const struct nla_policy mlab_nl_get_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER]	= { .type = NLA_U32 },
	[MEMCGLAB_A_GROUP_ID]	= NLA_POLICY_MIN(NLA_U64, 1),
};

/*
 * Dump the subtree at (HIER, ID) in id order, parents first.  cb->args[0]
 * keeps the last id sent, cb->args[1] says the subtree root was found.  The
 * request is parsed here rather than in ->start so that errors carry an
 * extack message on every kernel (the core has validated it already).
 */
static int mlab_nl_group_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
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

static const struct nla_policy mlab_nl_set_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
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

static int mlab_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info)
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

static const struct nla_policy mlab_nl_reset_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER]		= { .type = NLA_U32 },
	[MEMCGLAB_A_GROUP_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[MEMCGLAB_A_GROUP_RESET]	=
		NLA_POLICY_MASK(NLA_U32, MEMCGLAB_RESET_WATERMARK |
					 MEMCGLAB_RESET_FAILCNT),
};

static int mlab_nl_group_reset_doit(struct sk_buff *skb, struct genl_info *info)
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

/*
 * Finish and send a reply built in a buffer sized for what it carries; @hdr
 * NULL means something did not fit, which sizing rules out (a bug).
 */
int mlab_nl_reply(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	if (!hdr) {
		nlmsg_free(msg);
		GENL_SET_ERR_MSG(info, "reply does not fit");
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct nla_policy mlab_nl_policy_get_policy[MEMCGLAB_A_POLICY_ATTR_MAX + 1] = {
	[MEMCGLAB_A_POLICY_NAME] = { .type = NLA_REJECT },
};

/*
 * POLICY_GET: one message per registered policy; cb->args[0] is the index
 * of the next one.  The registry may change between two parts of a dump:
 * a policy registered or removed meanwhile can be missed or seen twice, as
 * with any netlink dump of a changing list.
 */
static int mlab_nl_policy_get_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct mlab_policy_info pi;
	void *hdr;

	for (; !mlab_policy_get_info(cb->args[0], &pi); cb->args[0]++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &mlab_nl_family,
				  NLM_F_MULTI, MEMCGLAB_CMD_POLICY_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, MEMCGLAB_A_POLICY_NAME, pi.name) ||
		    nla_put_string(skb, MEMCGLAB_A_POLICY_MODULE, pi.module) ||
		    nla_put_string(skb, MEMCGLAB_A_POLICY_DESCRIPTION,
				   pi.description) ||
		    ((pi.flags & MLAB_POLICY_F_BATCH) &&
		     nla_put_flag(skb, MEMCGLAB_A_POLICY_BATCH)) ||
		    nla_put_u32(skb, MEMCGLAB_A_POLICY_SLACK, pi.slack)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;
}

/*
 * Group events to the "events" multicast group.  Runs in the context of the
 * charge that caused the event (atomic), so allocate with GFP_ATOMIC; at
 * most MEMCGLAB_EVENTS_PER_SEC messages per second go out, the next message
 * after a burst carries the number dropped.
 */
static int mlab_nl_event(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	const struct mlab_event_info *ev = data;
	struct sk_buff *skb;
	long dropped;
	void *hdr;

	if (!genl_has_listeners(&mlab_nl_family, &init_net, MLAB_NL_MCGRP_EVENTS))
		return NOTIFY_DONE;
	if (!__ratelimit(&mlab_nl_events_rs)) {
		atomic_long_inc(&mlab_nl_events_dropped);
		return NOTIFY_DONE;
	}
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto drop;
	hdr = genlmsg_put(skb, 0, 0, &mlab_nl_family, 0, MEMCGLAB_CMD_EVENT);
	if (!hdr)
		goto free;
	dropped = atomic_long_xchg(&mlab_nl_events_dropped, 0);
	if (nla_put_u32(skb, MEMCGLAB_A_EVENT_TYPE, ev->event) ||
	    nla_put_u32(skb, MEMCGLAB_A_EVENT_HIER, ev->hier_id) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_EVENT_ID, ev->id,
			      MEMCGLAB_A_EVENT_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_EVENT_USAGE,
			      mlab_nl_pages_to_bytes(ev->usage),
			      MEMCGLAB_A_EVENT_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_EVENT_LIMIT,
			      mlab_nl_limit_to_bytes(ev->limit),
			      MEMCGLAB_A_EVENT_PAD) ||
	    (dropped && nla_put_u64_64bit(skb, MEMCGLAB_A_EVENT_DROPPED, dropped,
					  MEMCGLAB_A_EVENT_PAD))) {
		atomic_long_add(dropped, &mlab_nl_events_dropped);
		goto free;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&mlab_nl_family, skb, 0, MLAB_NL_MCGRP_EVENTS, GFP_ATOMIC);
	return NOTIFY_OK;
free:
	nlmsg_free(skb);
drop:
	atomic_long_inc(&mlab_nl_events_dropped);
	return NOTIFY_DONE;
}

static struct notifier_block mlab_nl_event_nb = {
	.notifier_call = mlab_nl_event,
};

static const struct genl_ops mlab_nl_ops[] = {
	{
		.cmd = MEMCGLAB_CMD_GROUP_GET,
		.doit = mlab_nl_group_get_doit,
		.dumpit = mlab_nl_group_get_dumpit,
		.policy = mlab_nl_get_policy,
		.maxattr = MEMCGLAB_A_GROUP_ATTR_MAX,
	},
	{
		.cmd = MEMCGLAB_CMD_GROUP_SET,
		.doit = mlab_nl_group_set_doit,
		.policy = mlab_nl_set_policy,
		.maxattr = MEMCGLAB_A_GROUP_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MEMCGLAB_CMD_GROUP_RESET,
		.doit = mlab_nl_group_reset_doit,
		.policy = mlab_nl_reset_policy,
		.maxattr = MEMCGLAB_A_GROUP_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MEMCGLAB_CMD_CHARGE,
		.doit = mlab_nl_charge_doit,
		.policy = mlab_nl_charge_policy,
		.maxattr = MEMCGLAB_A_BATCH_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MEMCGLAB_CMD_BENCH,
		.doit = mlab_nl_bench_doit,
		.policy = mlab_nl_bench_policy,
		.maxattr = MEMCGLAB_A_BENCH_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MEMCGLAB_CMD_POLICY_GET,
		.dumpit = mlab_nl_policy_get_dumpit,
		.policy = mlab_nl_policy_get_policy,
		.maxattr = MEMCGLAB_A_POLICY_ATTR_MAX,
	},
	{
		.cmd = MEMCGLAB_CMD_TRACE,
		.doit = mlab_nl_trace_doit,
		.policy = mlab_nl_trace_policy,
		.maxattr = MEMCGLAB_A_TRACE_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group mlab_nl_mcgrps[] = {
	[MLAB_NL_MCGRP_EVENTS] = { .name = MEMCGLAB_MCGRP_EVENTS },
};

struct genl_family mlab_nl_family __ro_after_init = {
	.name		= MEMCGLAB_FAMILY_NAME,
	.version	= MEMCGLAB_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= mlab_nl_ops,
	.n_ops		= ARRAY_SIZE(mlab_nl_ops),
	.mcgrps		= mlab_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mlab_nl_mcgrps),
	/* resv_start_op 0: strict header and attribute checks on every op */
};

/**
 * mlab_netlink_init - register the family and its notifiers
 *
 * Context: module init, may sleep.
 * Return: 0, or the error of the registration that failed (nothing is left
 * registered then).
 */
int mlab_netlink_init(void)
{
	int err;

	/* The wire enums are the module's, number for number. */
#define MLAB_NL_SAME(uapi, mod) BUILD_BUG_ON((int)(uapi) != (int)(mod))
	MLAB_NL_SAME(MEMCGLAB_POLICY_NAME_MAX, MLAB_POLICY_NAME_MAX);
	MLAB_NL_SAME(MEMCGLAB_EVENT_LOW, MLAB_EVENT_LOW);
	MLAB_NL_SAME(MEMCGLAB_EVENT_HIGH, MLAB_EVENT_HIGH);
	MLAB_NL_SAME(MEMCGLAB_EVENT_MAX, MLAB_EVENT_MAX);
	MLAB_NL_SAME(MEMCGLAB_EVENT_OOM, MLAB_EVENT_OOM);
	MLAB_NL_SAME(MEMCGLAB_EVENT_OOM_KILL, MLAB_EVENT_OOM_KILL);
	MLAB_NL_SAME(MEMCGLAB_EVENT_OOM_GROUP_KILL, MLAB_EVENT_OOM_GROUP_KILL);
	MLAB_NL_SAME(MEMCGLAB_EVENT_OOM_GROUP_KILL + 1, MLAB_NR_EVENTS);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_LOW - 1, MLAB_EVENT_LOW);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_HIGH - 1, MLAB_EVENT_HIGH);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_MAX - 1, MLAB_EVENT_MAX);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_OOM - 1, MLAB_EVENT_OOM);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_OOM_KILL - 1, MLAB_EVENT_OOM_KILL);
	MLAB_NL_SAME(MEMCGLAB_A_EVENTS_OOM_GROUP_KILL - 1,
		     MLAB_EVENT_OOM_GROUP_KILL);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_POLICY, MLAB_BENCH_POLICY);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_ATOMIC_PAIR, MLAB_BENCH_ATOMIC_PAIR);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_PERCPU_INC, MLAB_BENCH_PERCPU_INC);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_IRQ_PAIR, MLAB_BENCH_IRQ_PAIR);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_WALK, MLAB_BENCH_WALK);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_MEMCG, MLAB_BENCH_MEMCG);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_PAGE, MLAB_BENCH_PAGE);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_PAGE + 1, MLAB_BENCH_NR_KINDS);
#undef MLAB_NL_SAME

	ratelimit_set_flags(&mlab_nl_events_rs, RATELIMIT_MSG_ON_RELEASE);
	err = genl_register_family(&mlab_nl_family);
	if (err)
		return err;
	err = mlab_nl_socks_init();
	if (err)
		goto unregister_family;
	err = mlab_group_register_notifier(&mlab_nl_event_nb);
	if (err)
		goto socks_exit;
	err = mlab_nl_trace_init();
	if (err)
		goto events_exit;
	return 0;

events_exit:
	mlab_group_unregister_notifier(&mlab_nl_event_nb);
socks_exit:
	mlab_nl_socks_exit();
unregister_family:
	genl_unregister_family(&mlab_nl_family);
	return err;
}

/**
 * mlab_netlink_exit - unregister the family and give back sockets' charges
 *
 * Context: module exit, may sleep.  No request runs once the family is
 * unregistered, so the remaining sockets' charges can be released here.
 */
void mlab_netlink_exit(void)
{
	mlab_group_unregister_notifier(&mlab_nl_event_nb);
	genl_unregister_family(&mlab_nl_family);
	mlab_nl_trace_exit();
	mlab_nl_socks_exit();
}
