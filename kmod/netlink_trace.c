// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_trace.c - the TRACE operation: start recording the real memcg
 * of a cgroup subtree (record.c), named by its v2 id or by a task in it
 * (the only way to a v1 hierarchy: see mlab_rec_cgroup_by_task()).  The
 * recording belongs to the socket that asked for it and stops when that
 * socket closes (NETLINK_URELEASE) or the module goes away; the events go
 * out through tracefs.
 */
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <linux/memcglab.h>
#include "netlink.h"
#include "record.h"

const struct nla_policy mlab_nl_trace_policy[MEMCGLAB_A_TRACE_ATTR_MAX + 1] = {
	[MEMCGLAB_A_TRACE_CGROUP] = { .type = NLA_U64 },
	[MEMCGLAB_A_TRACE_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* The socket that owns the recording, if one runs. */
static DEFINE_MUTEX(mlab_nl_trace_lock);
static struct net *mlab_nl_trace_net;
static u32 mlab_nl_trace_portid;

/* The cgroup to record, from exactly one of the cgroup and pid attributes. */
static struct cgroup *mlab_nl_trace_root(struct genl_info *info)
{
	struct nlattr *cg = info->attrs[MEMCGLAB_A_TRACE_CGROUP];
	struct nlattr *pid = info->attrs[MEMCGLAB_A_TRACE_PID];
	struct nlattr *which = cg ? cg : pid;
	struct cgroup *root;

	if (cg && pid) {
		NL_SET_ERR_MSG_ATTR(info->extack, pid,
				    "give a cgroup id or a pid, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!which) {
		NL_SET_ERR_MSG(info->extack, "missing cgroup id or pid");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, MEMCGLAB_A_TRACE_CGROUP);
		return ERR_PTR(-EINVAL);
	}
	root = cg ? mlab_rec_cgroup_by_id(nla_get_u64(cg)) :
		    mlab_rec_cgroup_by_task(nla_get_u32(pid));
	switch (PTR_ERR_OR_ZERO(root)) {
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(info->extack,
			       "the kernel runs without the memory controller");
		break;
	case -ESRCH:
		NL_SET_ERR_MSG_ATTR(info->extack, pid, "no such process");
		break;
	case -ENOENT:
		if (pid)
			NL_SET_ERR_MSG_ATTR(info->extack, pid,
					    "the task is in a root memory cgroup");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, cg,
					    "no such cgroup with the memory controller");
		break;
	}
	return root;
}

int mlab_nl_trace_doit(struct sk_buff *skb, struct genl_info *info)
{
	char probes[MEMCGLAB_TRACE_PROBES_MAX];
	struct cgroup *root;
	struct sk_buff *msg;
	void *hdr;
	u64 cg;
	int err;

	root = mlab_nl_trace_root(info);
	if (IS_ERR(root))
		return PTR_ERR(root);
	cg = cgroup_id(root);
	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(sizeof(probes)), GFP_KERNEL);
	if (!msg) {
		cgroup_put(root);
		return -ENOMEM;
	}
	mutex_lock(&mlab_nl_trace_lock);
	err = mlab_rec_start(root, probes, sizeof(probes));
	if (!err) {
		mlab_nl_trace_net = genl_info_net(info);
		mlab_nl_trace_portid = info->snd_portid;
	}
	mutex_unlock(&mlab_nl_trace_lock);
	if (err) {
		nlmsg_free(msg);
		if (err == -EBUSY)
			NL_SET_ERR_MSG(info->extack, "another recording runs");
		else if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack,
				       "no such cgroup with the memory controller");
		return err;
	}
	hdr = genlmsg_put_reply(msg, info, &mlab_nl_family, 0,
				MEMCGLAB_CMD_TRACE);
	if (!hdr || nla_put_u64_64bit(msg, MEMCGLAB_A_TRACE_CGROUP, cg,
				      MEMCGLAB_A_TRACE_PAD) ||
	    nla_put_string(msg, MEMCGLAB_A_TRACE_PROBES, probes)) {
		nlmsg_free(msg);
		return -EMSGSIZE;	/* the recording runs on: close stops it */
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static void mlab_nl_trace_stop(void)
{
	mlab_rec_stop();
	mlab_nl_trace_net = NULL;
	mlab_nl_trace_portid = 0;
}

static int mlab_nl_trace_urelease(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&mlab_nl_trace_lock);
	if (mlab_nl_trace_net && net_eq(mlab_nl_trace_net, n->net) &&
	    mlab_nl_trace_portid == n->portid)
		mlab_nl_trace_stop();
	mutex_unlock(&mlab_nl_trace_lock);
	return NOTIFY_OK;
}

static struct notifier_block mlab_nl_trace_nb = {
	.notifier_call = mlab_nl_trace_urelease,
};

int mlab_nl_trace_init(void)
{
	return netlink_register_notifier(&mlab_nl_trace_nb);
}

/* After the family is gone: no new recording can start. */
void mlab_nl_trace_exit(void)
{
	netlink_unregister_notifier(&mlab_nl_trace_nb);
	mutex_lock(&mlab_nl_trace_lock);
	mlab_nl_trace_stop();
	mutex_unlock(&mlab_nl_trace_lock);
}
