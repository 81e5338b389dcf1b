// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "memcglab" generic netlink family: read and dump groups,
 * set limits, reset counters, batched charges owned by the sending socket,
 * the rate-limited "events" multicast group, and the in-kernel benchmark.
 *
 * Everything here goes through group.h, owner.h and bench.h.  Sizes cross the wire in
 * bytes (docs/netlink/memcglab.yaml); the group layer counts pages.
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
#include "owner.h"
#include "netlink.h"

/* The wire's largest finite size: MLAB_COUNTER_MAX pages in bytes. */
#define MLAB_NL_MAX_BYTES	((u64)MLAB_COUNTER_MAX << PAGE_SHIFT)

enum mlab_nl_mcgrp {
	MLAB_NL_MCGRP_EVENTS,
};

/**
 * struct mlab_nl_sock - the charges of one netlink socket
 * @node: entry in mlab_nl_socks
 * @sk: the socket (a reference is held, so the pointer stays unique)
 * @portid: the socket's port id, to match the release notification
 * @owner: what the socket holds
 *
 * Created by the first CHARGE request from a socket; released by the
 * NETLINK_URELEASE notifier when the socket closes, or at module exit.
 */
struct mlab_nl_sock {
	struct list_head node;
	struct sock *sk;
	u32 portid;
	struct mlab_owner owner;
};

static LIST_HEAD(mlab_nl_socks);
static DEFINE_MUTEX(mlab_nl_socks_lock);

/* At most MEMCGLAB_EVENTS_PER_SEC event messages per second. */
static DEFINE_RATELIMIT_STATE(mlab_nl_events_rs, HZ, MEMCGLAB_EVENTS_PER_SEC);
static atomic_long_t mlab_nl_events_dropped;

static struct genl_family mlab_nl_family;

static u64 mlab_nl_pages_to_bytes(unsigned long nr_pages)
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
static struct mlab_group *mlab_nl_lookup(struct nlattr **tb,
					 const struct nlattr *nest,
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
	    nla_put_u32(skb, MEMCGLAB_A_GROUP_POLICY, info->policy) ||
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

/* The socket's charge state, created on its first charge request. */
static struct mlab_nl_sock *mlab_nl_sock_get(struct sock *sk, u32 portid)
{
	struct mlab_nl_sock *s;

	mutex_lock(&mlab_nl_socks_lock);
	list_for_each_entry(s, &mlab_nl_socks, node)
		if (s->sk == sk)
			goto out;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		sock_hold(sk);
		s->sk = sk;
		s->portid = portid;
		mlab_owner_init(&s->owner);
		list_add(&s->node, &mlab_nl_socks);
	}
out:
	mutex_unlock(&mlab_nl_socks_lock);
	return s;
}

static void mlab_nl_sock_free(struct mlab_nl_sock *s)
{
	mlab_owner_release(&s->owner);
	sock_put(s->sk);
	kfree(s);
}

/*
 * A netlink socket was released: give back what it held.  The socket is
 * already orphaned (SOCK_DEAD) and its port id free, so a new socket may
 * reuse the id; matching on the dead socket keeps that one's charges.
 */
static int mlab_nl_urelease(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct mlab_nl_sock *s, *tmp;
	LIST_HEAD(dead);

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&mlab_nl_socks_lock);
	list_for_each_entry_safe(s, tmp, &mlab_nl_socks, node)
		if (s->portid == n->portid && net_eq(sock_net(s->sk), n->net) &&
		    sock_flag(s->sk, SOCK_DEAD))
			list_move(&s->node, &dead);
	mutex_unlock(&mlab_nl_socks_lock);
	list_for_each_entry_safe(s, tmp, &dead, node)
		mlab_nl_sock_free(s);
	return NOTIFY_OK;
}

static struct notifier_block mlab_nl_urelease_nb = {
	.notifier_call = mlab_nl_urelease,
};

/*
 * Finish and send a reply built in a buffer sized for what it carries; @hdr
 * NULL means something did not fit, which sizing rules out (a bug).
 */
static int mlab_nl_reply(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	if (!hdr) {
		nlmsg_free(msg);
		GENL_SET_ERR_MSG(info, "reply does not fit");
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static struct netlink_range_validation_signed mlab_nl_delta_range = {
	.min = -(s64)MLAB_NL_MAX_BYTES,
	.max = (s64)MLAB_NL_MAX_BYTES,
};

static struct netlink_range_validation mlab_nl_count_range = {
	.min = 1,
	.max = MEMCGLAB_CHARGE_MAX_COUNT,
};

static const struct nla_policy mlab_nl_entry_policy[MEMCGLAB_A_CHARGE_ATTR_MAX + 1] = {
	[MEMCGLAB_A_CHARGE_HIER]	= { .type = NLA_U32 },
	[MEMCGLAB_A_CHARGE_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[MEMCGLAB_A_CHARGE_DELTA]	=
		NLA_POLICY_FULL_RANGE_SIGNED(NLA_S64, &mlab_nl_delta_range),
	[MEMCGLAB_A_CHARGE_COUNT]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &mlab_nl_count_range),
	[MEMCGLAB_A_CHARGE_FORCE]	= { .type = NLA_FLAG },
	/* Results are reply-only. */
	[MEMCGLAB_A_CHARGE_DONE]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_ERROR]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_USAGE]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_HELD]	= { .type = NLA_REJECT },
};

static const struct nla_policy mlab_nl_charge_policy[MEMCGLAB_A_BATCH_ATTR_MAX + 1] = {
	[MEMCGLAB_A_BATCH_ENTRY] = NLA_POLICY_NESTED(mlab_nl_entry_policy),
};

/* One entry of a CHARGE request, and its result. */
struct mlab_nl_entry {
	struct mlab_group *g;
	u32 hier;
	u64 id;
	s64 delta;
	unsigned long nr_pages;
	u32 count;
	bool force;
	u32 done;
	int error;
};

/* Reply size of one entry: the nest, four u32/s32 and four padded u64s. */
#define MLAB_NL_ENTRY_SIZE \
	(nla_total_size(0) + 4 * nla_total_size(sizeof(u32)) + \
	 4 * nla_total_size_64bit(sizeof(u64)))

static int mlab_nl_entry_parse(const struct nlattr *nest, struct mlab_nl_entry *e,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MEMCGLAB_A_CHARGE_ATTR_MAX + 1];
	u64 bytes;
	int err;

	err = nla_parse_nested(tb, MEMCGLAB_A_CHARGE_ATTR_MAX, nest,
			       mlab_nl_entry_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MEMCGLAB_A_CHARGE_DELTA)) {
		NL_SET_ERR_MSG(extack, "missing charge size (delta)");
		return -EINVAL;
	}
	e->delta = nla_get_s64(tb[MEMCGLAB_A_CHARGE_DELTA]);
	if (!e->delta) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MEMCGLAB_A_CHARGE_DELTA],
				    "charge size is zero");
		return -EINVAL;
	}
	bytes = e->delta < 0 ? -(u64)e->delta : (u64)e->delta;
	e->nr_pages = DIV_ROUND_UP_ULL(bytes, PAGE_SIZE);
	e->count = tb[MEMCGLAB_A_CHARGE_COUNT] ?
		   nla_get_u32(tb[MEMCGLAB_A_CHARGE_COUNT]) : 1;
	e->force = nla_get_flag(tb[MEMCGLAB_A_CHARGE_FORCE]);
	e->g = mlab_nl_lookup(tb, nest, MEMCGLAB_A_CHARGE_HIER,
			      MEMCGLAB_A_CHARGE_ID, extack);
	if (IS_ERR(e->g)) {
		err = PTR_ERR(e->g);
		e->g = NULL;
		return err;
	}
	e->hier = nla_get_u32(tb[MEMCGLAB_A_CHARGE_HIER]);
	e->id = nla_get_u64(tb[MEMCGLAB_A_CHARGE_ID]);
	return 0;
}

/* Charge or uncharge one entry COUNT times; stop at the first failure. */
static void mlab_nl_entry_run(struct mlab_owner *o, struct mlab_nl_entry *e)
{
	int err = 0;

	for (e->done = 0; e->done < e->count; e->done++) {
		if (e->delta > 0)
			err = mlab_owner_charge(o, e->g, e->nr_pages, e->force);
		else
			err = mlab_owner_uncharge(o, e->g, e->nr_pages);
		if (err)
			break;
		if (fatal_signal_pending(current)) {
			e->done++;
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	e->error = err;
}

static int mlab_nl_entry_fill(struct sk_buff *skb, struct mlab_owner *o,
			      const struct mlab_nl_entry *e)
{
	struct nlattr *nest = nla_nest_start(skb, MEMCGLAB_A_BATCH_ENTRY);

	if (!nest ||
	    nla_put_u32(skb, MEMCGLAB_A_CHARGE_HIER, e->hier) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_CHARGE_ID, e->id,
			      MEMCGLAB_A_CHARGE_PAD) ||
	    nla_put_s64(skb, MEMCGLAB_A_CHARGE_DELTA, e->delta,
			MEMCGLAB_A_CHARGE_PAD) ||
	    nla_put_u32(skb, MEMCGLAB_A_CHARGE_COUNT, e->count) ||
	    nla_put_u32(skb, MEMCGLAB_A_CHARGE_DONE, e->done) ||
	    nla_put_s32(skb, MEMCGLAB_A_CHARGE_ERROR, e->error) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_CHARGE_USAGE,
			      mlab_nl_pages_to_bytes(mlab_group_usage(e->g)),
			      MEMCGLAB_A_CHARGE_PAD) ||
	    nla_put_u64_64bit(skb, MEMCGLAB_A_CHARGE_HELD,
			      mlab_nl_pages_to_bytes(mlab_owner_held(o, e->g)),
			      MEMCGLAB_A_CHARGE_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * CHARGE: every entry is parsed and its group looked up before anything is
 * charged, so a malformed request changes nothing.  Then each entry runs in
 * order and independently; the reply has one result nest per entry.
 */
static int mlab_nl_charge_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mlab_nl_entry *ents;
	struct mlab_nl_sock *s;
	struct sk_buff *msg;
	struct nlattr *a;
	unsigned int n = 0, i;
	void *hdr;
	int rem, err = 0;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		n++;
	if (!n) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, MEMCGLAB_A_BATCH_ENTRY);
		GENL_SET_ERR_MSG(info, "no charge entries");
		return -EINVAL;
	}
	if (n > MEMCGLAB_CHARGE_MAX_ENTRIES) {
		GENL_SET_ERR_MSG(info, "more than MEMCGLAB_CHARGE_MAX_ENTRIES entries");
		return -E2BIG;
	}
	ents = kcalloc(n, sizeof(*ents), GFP_KERNEL);
	if (!ents)
		return -ENOMEM;
	i = 0;
	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		err = mlab_nl_entry_parse(a, &ents[i], info->extack);
		if (err)
			goto out;
		i++;
	}

	msg = genlmsg_new(n * MLAB_NL_ENTRY_SIZE, GFP_KERNEL);
	s = msg ? mlab_nl_sock_get(NETLINK_CB(skb).sk,
					   NETLINK_CB(skb).portid) : NULL;
	if (!s) {
		nlmsg_free(msg);
		GENL_SET_ERR_MSG(info, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put_reply(msg, info, &mlab_nl_family, 0, MEMCGLAB_CMD_CHARGE);
	for (i = 0; hdr && i < n; i++) {
		mlab_nl_entry_run(&s->owner, &ents[i]);
		if (mlab_nl_entry_fill(msg, &s->owner, &ents[i]))
			hdr = NULL;
	}
	err = mlab_nl_reply(msg, hdr, info);
out:
	for (i = 0; i < n; i++)
		if (ents[i].g)
			mlab_group_put(ents[i].g);
	kfree(ents);
	return err;
}

static struct netlink_range_validation mlab_nl_bench_batch_range = {
	.max = MLAB_MAX_BATCH,
};

static struct netlink_range_validation mlab_nl_bench_count_range = {
	.max = MEMCGLAB_BENCH_MAX_COUNT,
};

static const struct nla_policy mlab_nl_bench_policy[MEMCGLAB_A_BENCH_ATTR_MAX + 1] = {
	[MEMCGLAB_A_BENCH_KIND]	=
		NLA_POLICY_MAX(NLA_U32, MEMCGLAB_BENCH_KIND_PAGE),
	[MEMCGLAB_A_BENCH_DEPTH] =
		NLA_POLICY_MAX(NLA_U32, MEMCGLAB_BENCH_MAX_DEPTH),
	[MEMCGLAB_A_BENCH_FANOUT] =
		NLA_POLICY_MAX(NLA_U32, MEMCGLAB_BENCH_MAX_THREADS),
	[MEMCGLAB_A_BENCH_THREADS] =
		NLA_POLICY_MAX(NLA_U32, MEMCGLAB_BENCH_MAX_THREADS),
	[MEMCGLAB_A_BENCH_NR_PAGES] = { .type = NLA_U32 },
	[MEMCGLAB_A_BENCH_BATCH] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &mlab_nl_bench_batch_range),
	[MEMCGLAB_A_BENCH_MS]	= NLA_POLICY_MAX(NLA_U32, MEMCGLAB_BENCH_MAX_MS),
	[MEMCGLAB_A_BENCH_COUNT] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &mlab_nl_bench_count_range),
};

static u32 mlab_nl_get_u32(struct genl_info *info, int attr)
{
	return info->attrs[attr] ? nla_get_u32(info->attrs[attr]) : 0;
}

/* Reply size: eight u32s, a flag, three u64s and one nest per thread. */
static size_t mlab_nl_bench_size(u32 threads)
{
	return 8 * nla_total_size(sizeof(u32)) + nla_total_size(0) +
	       3 * nla_total_size_64bit(sizeof(u64)) +
	       threads * (nla_total_size(0) +
			  2 * nla_total_size_64bit(sizeof(u64)));
}

static int mlab_nl_bench_fill(struct sk_buff *msg,
			      const struct mlab_bench_result *res)
{
	const struct mlab_bench_params *p = &res->params;
	struct nlattr *nest;
	u32 i;

	if (nla_put_u32(msg, MEMCGLAB_A_BENCH_KIND, p->kind) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_DEPTH, p->depth) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_FANOUT, p->fanout) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_THREADS, p->threads) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_NR_PAGES, p->nr_pages) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_BATCH, p->batch) ||
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_MS, p->ms) ||
	    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_COUNT, p->count,
			      MEMCGLAB_A_BENCH_PAD) ||
	    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_WALL_NS, res->wall_ns,
			      MEMCGLAB_A_BENCH_PAD) ||
	    (res->accounted && nla_put_flag(msg, MEMCGLAB_A_BENCH_ACCOUNTED)) ||
	    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_BASE_OPS, res->base_ops,
			      MEMCGLAB_A_BENCH_PAD) ||
	    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_BASE_NS, res->base_ns,
			      MEMCGLAB_A_BENCH_PAD))
		return -EMSGSIZE;
	for (i = 0; i < p->threads; i++) {
		nest = nla_nest_start(msg, MEMCGLAB_A_BENCH_THREAD);
		if (!nest ||
		    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_THREAD_OPS,
				      res->ops[i], MEMCGLAB_A_BENCH_THREAD_PAD) ||
		    nla_put_u64_64bit(msg, MEMCGLAB_A_BENCH_THREAD_NS,
				      res->ns[i], MEMCGLAB_A_BENCH_THREAD_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	return 0;
}

/*
 * BENCH: one run of the in-kernel benchmark, in the requesting task (the
 * memcg kinds charge its memory cgroup).  The family has parallel_ops, so a
 * run of up to MEMCGLAB_BENCH_MAX_MS holds no genetlink lock; bench.c runs
 * one at a time.
 */
static int mlab_nl_bench_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mlab_bench_params p = { };
	struct mlab_bench_result *res;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MEMCGLAB_A_BENCH_KIND)) {
		GENL_SET_ERR_MSG(info, "missing bench kind");
		return -EINVAL;
	}
	p.kind = nla_get_u32(info->attrs[MEMCGLAB_A_BENCH_KIND]);
	p.depth = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_DEPTH);
	p.fanout = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_FANOUT);
	p.threads = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_THREADS);
	p.nr_pages = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_NR_PAGES);
	p.batch = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_BATCH);
	p.ms = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_MS);
	if (info->attrs[MEMCGLAB_A_BENCH_COUNT])
		p.count = nla_get_u64(info->attrs[MEMCGLAB_A_BENCH_COUNT]);

	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	err = mlab_bench_run(&p, res);
	if (err) {
		if (err == -EINTR)
			GENL_SET_ERR_MSG(info, "bench run interrupted by a signal");
		else if (err == -EINVAL)
			GENL_SET_ERR_MSG(info, "bench parameters out of range");
		else
			GENL_SET_ERR_MSG(info, "bench run failed");
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(mlab_nl_bench_size(res->params.threads), GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &mlab_nl_family, 0, MEMCGLAB_CMD_BENCH);
	if (hdr && mlab_nl_bench_fill(msg, res))
		hdr = NULL;
	err = mlab_nl_reply(msg, hdr, info);
out:
	kfree(res);
	return err;
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
};

static const struct genl_multicast_group mlab_nl_mcgrps[] = {
	[MLAB_NL_MCGRP_EVENTS] = { .name = MEMCGLAB_MCGRP_EVENTS },
};

static struct genl_family mlab_nl_family __ro_after_init = {
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
	MLAB_NL_SAME(MEMCGLAB_POLICY_STRICT, MLAB_POLICY_STRICT);
	MLAB_NL_SAME(MEMCGLAB_POLICY_BATCHED, MLAB_POLICY_BATCHED);
	MLAB_NL_SAME(MEMCGLAB_POLICY_LOCKED, MLAB_POLICY_LOCKED);
	MLAB_NL_SAME(MEMCGLAB_POLICY_LOCKED + 1, MLAB_NR_POLICIES);
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
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_STRICT, MLAB_BENCH_STRICT);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_BATCHED, MLAB_BENCH_BATCHED);
	MLAB_NL_SAME(MEMCGLAB_BENCH_KIND_LOCKED, MLAB_BENCH_LOCKED);
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
	err = netlink_register_notifier(&mlab_nl_urelease_nb);
	if (err)
		goto unregister_family;
	err = mlab_group_register_notifier(&mlab_nl_event_nb);
	if (err)
		goto unregister_urelease;
	return 0;

unregister_urelease:
	netlink_unregister_notifier(&mlab_nl_urelease_nb);
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
	struct mlab_nl_sock *s, *tmp;

	mlab_group_unregister_notifier(&mlab_nl_event_nb);
	genl_unregister_family(&mlab_nl_family);
	netlink_unregister_notifier(&mlab_nl_urelease_nb);
	list_for_each_entry_safe(s, tmp, &mlab_nl_socks, node) {
		list_del(&s->node);
		mlab_nl_sock_free(s);
	}
}
