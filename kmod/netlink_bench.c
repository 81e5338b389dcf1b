// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_bench.c - the BENCH operation: run the in-kernel benchmark
 * (bench.c) in the requester's context and reply with one nest per thread.
 */
#include <linux/err.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <linux/memcglab.h>
#include "bench.h"
#include "netlink.h"
#include "policy.h"

static struct netlink_range_validation mlab_nl_bench_batch_range = {
	.max = MLAB_MAX_BATCH,
};

static struct netlink_range_validation mlab_nl_bench_count_range = {
	.max = MEMCGLAB_BENCH_MAX_COUNT,
};

const struct nla_policy mlab_nl_bench_policy[MEMCGLAB_A_BENCH_ATTR_MAX + 1] = {
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
	[MEMCGLAB_A_BENCH_POLICY] = { .type = NLA_NUL_STRING,
				      .len = MEMCGLAB_POLICY_NAME_MAX - 1 },
	[MEMCGLAB_A_BENCH_SIBLINGS] =
		NLA_POLICY_RANGE(NLA_U32, 1, MEMCGLAB_BENCH_MAX_SIBLINGS),
};

static u32 mlab_nl_get_u32(struct genl_info *info, int attr)
{
	return info->attrs[attr] ? nla_get_u32(info->attrs[attr]) : 0;
}

/*
 * Reply size: nine u32s, the policy name, a flag, three u64s and one nest
 * per thread.
 */
static size_t mlab_nl_bench_size(u32 threads)
{
	return 9 * nla_total_size(sizeof(u32)) +
	       nla_total_size(MEMCGLAB_POLICY_NAME_MAX) + nla_total_size(0) +
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
	    nla_put_u32(msg, MEMCGLAB_A_BENCH_SIBLINGS, p->siblings) ||
	    (p->kind == MLAB_BENCH_POLICY &&
	     nla_put_string(msg, MEMCGLAB_A_BENCH_POLICY, p->policy)) ||
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
int mlab_nl_bench_doit(struct sk_buff *skb, struct genl_info *info)
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
	if (p.kind == MLAB_BENCH_POLICY) {
		if (GENL_REQ_ATTR_CHECK(info, MEMCGLAB_A_BENCH_POLICY)) {
			GENL_SET_ERR_MSG(info, "kind policy needs a policy name");
			return -EINVAL;
		}
		nla_strscpy(p.policy, info->attrs[MEMCGLAB_A_BENCH_POLICY],
			    sizeof(p.policy));
	}
	p.siblings = mlab_nl_get_u32(info, MEMCGLAB_A_BENCH_SIBLINGS);
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
		else if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[MEMCGLAB_A_BENCH_POLICY],
					    "no policy of that name is registered");
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

/* Nothing to ask for: POLICY_GET lists every policy. */
