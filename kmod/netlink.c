// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "memcglab" generic netlink family: its operations table,
 * the helpers its operations share, the policy list and the rate-limited
 * "events" multicast group.  The group operations (GET, SET, RESET) are in
 * netlink_group.c, CHARGE and the sockets that own charges in
 * netlink_charge.c, BENCH in netlink_bench.c.
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
u64 mlab_nl_limit_to_bytes(unsigned long nr_pages)
{
	if (nr_pages >= MLAB_COUNTER_MAX)
		return MEMCGLAB_UNLIMITED;
	return mlab_nl_pages_to_bytes(nr_pages);
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
