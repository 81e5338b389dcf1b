// SPDX-License-Identifier: GPL-2.0
/* libmlab: one function per operation of the memcglab family. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "libmlab.h"

/* A reply that parsed but does not answer the request. */
static int bad_reply(struct mlab_nl *nl)
{
	nl->err.err = EBADMSG;
	snprintf(nl->err.msg, sizeof(nl->err.msg), "malformed reply");
	return -EBADMSG;
}

/* A NUL_STRING attribute (validated) into buf, cut to fit; def if absent. */
static void attr_str(const struct nlattr *a, char *buf, size_t len,
		     const char *def)
{
	snprintf(buf, len, "%s", a ? mnl_attr_get_str(a) : def);
}

static const uint8_t group_types[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = {
	[MEMCGLAB_A_GROUP_HIER] = MNL_TYPE_U32,
	[MEMCGLAB_A_GROUP_ID] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_PARENT_ID] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_FLAVOUR] = MNL_TYPE_U32,
	[MEMCGLAB_A_GROUP_POLICY] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_GROUP_BATCH] = MNL_TYPE_U32,
	[MEMCGLAB_A_GROUP_USAGE] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_OWNED] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_SOFT_LIMIT] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_STATS] = MNL_TYPE_NESTED,
	[MEMCGLAB_A_GROUP_MAX] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_HIGH] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_LOW] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_MIN] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_WATERMARK] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_FAILCNT] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_EMIN] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_ELOW] = MNL_TYPE_U64,
	[MEMCGLAB_A_GROUP_EVENTS] = MNL_TYPE_NESTED,
	[MEMCGLAB_A_GROUP_EVENTS_LOCAL] = MNL_TYPE_NESTED,
};

static const uint8_t events_types[MEMCGLAB_A_EVENTS_ATTR_MAX + 1] = {
	[MEMCGLAB_A_EVENTS_LOW] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENTS_HIGH] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENTS_MAX] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENTS_OOM] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENTS_OOM_KILL] = MNL_TYPE_U64,
	[MEMCGLAB_A_EVENTS_OOM_GROUP_KILL] = MNL_TYPE_U64,
};

static const uint8_t stats_types[MEMCGLAB_A_STATS_ATTR_MAX + 1] = {
	[MEMCGLAB_A_STATS_CHARGES] = MNL_TYPE_U64,
	[MEMCGLAB_A_STATS_CHARGED] = MNL_TYPE_U64,
	[MEMCGLAB_A_STATS_UNCHARGES] = MNL_TYPE_U64,
	[MEMCGLAB_A_STATS_UNCHARGED] = MNL_TYPE_U64,
	[MEMCGLAB_A_STATS_FAILS] = MNL_TYPE_U64,
};

static int parse_events(const struct nlattr *nest, uint64_t *ev)
{
	const struct nlattr *tb[MEMCGLAB_A_EVENTS_ATTR_MAX + 1] = { 0 };

	if (!nest)
		return 0;
	if (mlab_attr_parse_nested(nest, tb, MEMCGLAB_A_EVENTS_ATTR_MAX,
				   events_types) < 0)
		return -EINVAL;
	/* Attribute type = event type + 1. */
	for (int i = 0; i < MLAB_NR_EVENTS; i++)
		ev[i] = mlab_attr_u64(tb[MEMCGLAB_A_EVENTS_LOW + i], 0);
	return 0;
}

static int parse_stats(const struct nlattr *nest, struct mlab_group_info *gi)
{
	const struct nlattr *tb[MEMCGLAB_A_STATS_ATTR_MAX + 1] = { 0 };

	if (!nest)
		return 0;
	if (mlab_attr_parse_nested(nest, tb, MEMCGLAB_A_STATS_ATTR_MAX,
				   stats_types) < 0)
		return -EINVAL;
	gi->charges = mlab_attr_u64(tb[MEMCGLAB_A_STATS_CHARGES], 0);
	gi->charged = mlab_attr_u64(tb[MEMCGLAB_A_STATS_CHARGED], 0);
	gi->uncharges = mlab_attr_u64(tb[MEMCGLAB_A_STATS_UNCHARGES], 0);
	gi->uncharged = mlab_attr_u64(tb[MEMCGLAB_A_STATS_UNCHARGED], 0);
	gi->fails = mlab_attr_u64(tb[MEMCGLAB_A_STATS_FAILS], 0);
	return 0;
}

int mlab_group_parse(const struct nlmsghdr *nlh, struct mlab_group_info *gi)
{
	const struct nlattr *tb[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = { 0 };

	memset(gi, 0, sizeof(*gi));
	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_GROUP_ATTR_MAX, group_types) < 0 ||
	    !tb[MEMCGLAB_A_GROUP_HIER] || !tb[MEMCGLAB_A_GROUP_ID])
		return -EINVAL;
	for (unsigned int i = 1; i <= MEMCGLAB_A_GROUP_ATTR_MAX && i < 64; i++)
		if (tb[i])
			gi->present |= 1ULL << i;
	gi->hier = mlab_attr_u32(tb[MEMCGLAB_A_GROUP_HIER], 0);
	gi->id = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_ID], 0);
	gi->parent_id = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_PARENT_ID], 0);
	snprintf(gi->name, sizeof(gi->name), "#%llu", (unsigned long long)gi->id);
	gi->flavour = mlab_attr_u32(tb[MEMCGLAB_A_GROUP_FLAVOUR], 0);
	attr_str(tb[MEMCGLAB_A_GROUP_POLICY], gi->policy, sizeof(gi->policy), "?");
	gi->batch = mlab_attr_u32(tb[MEMCGLAB_A_GROUP_BATCH], 0);
	gi->usage = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_USAGE], 0);
	gi->owned = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_OWNED], 0);
	gi->soft_limit = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_SOFT_LIMIT], MLAB_UNLIMITED);
	gi->max = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_MAX], MLAB_UNLIMITED);
	gi->high = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_HIGH], MLAB_UNLIMITED);
	gi->low = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_LOW], 0);
	gi->min = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_MIN], 0);
	gi->watermark = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_WATERMARK], 0);
	gi->failcnt = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_FAILCNT], 0);
	gi->emin = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_EMIN], 0);
	gi->elow = mlab_attr_u64(tb[MEMCGLAB_A_GROUP_ELOW], 0);
	if (parse_events(tb[MEMCGLAB_A_GROUP_EVENTS], gi->events) < 0 ||
	    parse_events(tb[MEMCGLAB_A_GROUP_EVENTS_LOCAL], gi->events_local) < 0 ||
	    parse_stats(tb[MEMCGLAB_A_GROUP_STATS], gi) < 0)
		return -EINVAL;
	return 0;
}

void mlab_put_ref(struct nlmsghdr *nlh, const struct mlab_group_ref *ref,
		  uint16_t hier_type, uint16_t id_type)
{
	mnl_attr_put_u32(nlh, hier_type, ref->hier);
	mnl_attr_put_u64(nlh, id_type, ref->id);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return mlab_group_parse(nlh, data);
}

int mlab_nl_group_get(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		      struct mlab_group_info *gi)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_GROUP_GET, 0);

	mlab_put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	return mlab_nl_talk(nl, nlh, get_cb, gi);
}

struct dump_ctx {
	mlab_group_cb cb;
	void *data;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	struct mlab_group_info gi;
	int ret = mlab_group_parse(nlh, &gi);

	return ret < 0 ? ret : ctx->cb(&gi, ctx->data);
}

int mlab_nl_group_dump(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		       mlab_group_cb cb, void *data)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_GROUP_GET, 0);
	struct dump_ctx ctx = { cb, data };

	mlab_put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	return mlab_nl_dump(nl, nlh, dump_cb, &ctx);
}

int mlab_nl_group_set(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		      const struct mlab_limits *lim)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_GROUP_SET, 0);

	mlab_put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	if (lim->mask & MLAB_SET_MAX)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MAX, lim->max);
	if (lim->mask & MLAB_SET_HIGH)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_HIGH, lim->high);
	if (lim->mask & MLAB_SET_LOW)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_LOW, lim->low);
	if (lim->mask & MLAB_SET_MIN)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_MIN, lim->min);
	if (lim->mask & MLAB_SET_SOFT_LIMIT)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_GROUP_SOFT_LIMIT, lim->soft_limit);
	return mlab_nl_talk(nl, nlh, NULL, NULL);
}

int mlab_nl_group_reset(struct mlab_nl *nl, const struct mlab_group_ref *ref,
			uint32_t flags)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_GROUP_RESET, 0);

	mlab_put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_RESET, flags);
	return mlab_nl_talk(nl, nlh, NULL, NULL);
}

static const uint8_t charge_types[MEMCGLAB_A_CHARGE_ATTR_MAX + 1] = {
	[MEMCGLAB_A_CHARGE_HIER] = MNL_TYPE_U32,
	[MEMCGLAB_A_CHARGE_ID] = MNL_TYPE_U64,
	[MEMCGLAB_A_CHARGE_DELTA] = MNL_TYPE_U64,
	[MEMCGLAB_A_CHARGE_COUNT] = MNL_TYPE_U32,
	[MEMCGLAB_A_CHARGE_FORCE] = MNL_TYPE_FLAG,
	[MEMCGLAB_A_CHARGE_DONE] = MNL_TYPE_U32,
	[MEMCGLAB_A_CHARGE_ERROR] = MNL_TYPE_U32,
	[MEMCGLAB_A_CHARGE_USAGE] = MNL_TYPE_U64,
	[MEMCGLAB_A_CHARGE_HELD] = MNL_TYPE_U64,
	[MEMCGLAB_A_CHARGE_TYPE] = MNL_TYPE_U32,
};

struct charge_ctx {
	struct mlab_charge_req *res;
	unsigned int max, seen;
};

/* Reply: one MEMCGLAB_A_BATCH_ENTRY nest per request entry, in order. */
static int charge_cb(const struct nlmsghdr *nlh, void *data)
{
	struct charge_ctx *ctx = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[MEMCGLAB_A_CHARGE_ATTR_MAX + 1] = { 0 };
		struct mlab_charge_req *r;

		if (mnl_attr_get_type(a) != MEMCGLAB_A_BATCH_ENTRY)
			continue;
		if (mlab_attr_parse_nested(a, tb, MEMCGLAB_A_CHARGE_ATTR_MAX,
					   charge_types) < 0)
			return -EINVAL;
		if (ctx->seen++ >= ctx->max || !ctx->res)
			continue;
		r = &ctx->res[ctx->seen - 1];
		r->done = mlab_attr_u32(tb[MEMCGLAB_A_CHARGE_DONE], 0);
		r->error = (int32_t)mlab_attr_u32(tb[MEMCGLAB_A_CHARGE_ERROR], 0);
		r->usage = mlab_attr_u64(tb[MEMCGLAB_A_CHARGE_USAGE], 0);
		r->held = mlab_attr_u64(tb[MEMCGLAB_A_CHARGE_HELD], 0);
	}
	return 0;
}

void mlab_put_charge_entry(struct nlmsghdr *nlh, const struct mlab_charge_req *r)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);

	mlab_put_ref(nlh, &r->ref, MEMCGLAB_A_CHARGE_HIER, MEMCGLAB_A_CHARGE_ID);
	mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA, (uint64_t)r->delta);
	if (r->count > 1)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, r->count);
	if (r->force)
		mnl_attr_put(nlh, MEMCGLAB_A_CHARGE_FORCE, 0, NULL);
	if (r->type)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_TYPE, r->type);
	mnl_attr_nest_end(nlh, nest);
}

int mlab_nl_charge_talk(struct mlab_nl *nl, struct nlmsghdr *nlh,
			struct mlab_charge_req *res, unsigned int max)
{
	struct charge_ctx ctx = { res, max, 0 };
	int ret = mlab_nl_talk(nl, nlh, charge_cb, &ctx);

	return ret < 0 ? ret : (int)ctx.seen;
}

int mlab_nl_charge(struct mlab_nl *nl, struct mlab_charge_req *reqs,
		   unsigned int n)
{
	struct nlmsghdr *nlh;
	int ret;

	if (!n || n > MEMCGLAB_CHARGE_MAX_ENTRIES)
		return -EINVAL;
	nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_CHARGE, 0);
	for (unsigned int i = 0; i < n; i++) {
		mlab_put_charge_entry(nlh, &reqs[i]);
		reqs[i].done = 0;
		reqs[i].error = 0;
	}
	ret = mlab_nl_charge_talk(nl, nlh, reqs, n);
	if (ret >= 0 && (unsigned int)ret != n)
		return bad_reply(nl);
	return ret < 0 ? ret : 0;
}

static const uint8_t bench_types[MEMCGLAB_A_BENCH_ATTR_MAX + 1] = {
	[MEMCGLAB_A_BENCH_KIND] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_DEPTH] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_FANOUT] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_THREADS] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_NR_PAGES] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_BATCH] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_MS] = MNL_TYPE_U32,
	[MEMCGLAB_A_BENCH_COUNT] = MNL_TYPE_U64,
	[MEMCGLAB_A_BENCH_WALL_NS] = MNL_TYPE_U64,
	[MEMCGLAB_A_BENCH_ACCOUNTED] = MNL_TYPE_FLAG,
	[MEMCGLAB_A_BENCH_BASE_OPS] = MNL_TYPE_U64,
	[MEMCGLAB_A_BENCH_BASE_NS] = MNL_TYPE_U64,
	[MEMCGLAB_A_BENCH_POLICY] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_BENCH_SIBLINGS] = MNL_TYPE_U32,
};

static const uint8_t bench_thread_types[MEMCGLAB_A_BENCH_THREAD_ATTR_MAX + 1] = {
	[MEMCGLAB_A_BENCH_THREAD_OPS] = MNL_TYPE_U64,
	[MEMCGLAB_A_BENCH_THREAD_NS] = MNL_TYPE_U64,
};

/* Reply: the parameters with defaults filled in, then one nest per thread. */
static int bench_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MEMCGLAB_A_BENCH_ATTR_MAX + 1] = { 0 };
	struct mlab_bench *b = data;
	const struct nlattr *a;

	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_BENCH_ATTR_MAX, bench_types) < 0)
		return -EINVAL;
	b->kind = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_KIND], b->kind);
	b->depth = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_DEPTH], 0);
	b->fanout = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_FANOUT], 0);
	b->siblings = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_SIBLINGS], 1);
	if (tb[MEMCGLAB_A_BENCH_POLICY])
		attr_str(tb[MEMCGLAB_A_BENCH_POLICY], b->policy, sizeof(b->policy), "");
	b->threads = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_THREADS], 0);
	b->nr_pages = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_NR_PAGES], 0);
	b->batch = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_BATCH], 0);
	b->ms = mlab_attr_u32(tb[MEMCGLAB_A_BENCH_MS], 0);
	b->count = mlab_attr_u64(tb[MEMCGLAB_A_BENCH_COUNT], 0);
	b->wall_ns = mlab_attr_u64(tb[MEMCGLAB_A_BENCH_WALL_NS], 0);
	b->base_ops = mlab_attr_u64(tb[MEMCGLAB_A_BENCH_BASE_OPS], 0);
	b->base_ns = mlab_attr_u64(tb[MEMCGLAB_A_BENCH_BASE_NS], 0);
	b->accounted = tb[MEMCGLAB_A_BENCH_ACCOUNTED] != NULL;
	b->nr_threads = 0;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tt[MEMCGLAB_A_BENCH_THREAD_ATTR_MAX + 1] = { 0 };

		if (mnl_attr_get_type(a) != MEMCGLAB_A_BENCH_THREAD)
			continue;
		if (b->nr_threads >= MEMCGLAB_BENCH_MAX_THREADS ||
		    mlab_attr_parse_nested(a, tt, MEMCGLAB_A_BENCH_THREAD_ATTR_MAX,
					   bench_thread_types) < 0)
			return -EINVAL;
		b->ops[b->nr_threads] = mlab_attr_u64(tt[MEMCGLAB_A_BENCH_THREAD_OPS], 0);
		b->ns[b->nr_threads] = mlab_attr_u64(tt[MEMCGLAB_A_BENCH_THREAD_NS], 0);
		b->nr_threads++;
	}
	return 0;
}

int mlab_nl_bench(struct mlab_nl *nl, struct mlab_bench *b)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_BENCH, 0);
	int ret;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, b->kind);
	if (b->policy[0])
		mnl_attr_put_strz(nlh, MEMCGLAB_A_BENCH_POLICY, b->policy);
	if (b->siblings)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_SIBLINGS, b->siblings);
	if (b->depth)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_DEPTH, b->depth);
	if (b->fanout)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_FANOUT, b->fanout);
	if (b->threads)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_THREADS, b->threads);
	if (b->nr_pages)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_NR_PAGES, b->nr_pages);
	if (b->batch)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_BATCH, b->batch);
	if (b->ms)
		mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_MS, b->ms);
	if (b->count)
		mnl_attr_put_u64(nlh, MEMCGLAB_A_BENCH_COUNT, b->count);
	b->nr_threads = 0;
	ret = mlab_nl_talk(nl, nlh, bench_cb, b);
	if (!ret && !b->nr_threads)
		return bad_reply(nl);
	return ret;
}

/* ---- POLICY_GET ---- */

static const uint8_t policy_types[MEMCGLAB_A_POLICY_ATTR_MAX + 1] = {
	[MEMCGLAB_A_POLICY_NAME] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_POLICY_MODULE] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_POLICY_DESCRIPTION] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_POLICY_BATCH] = MNL_TYPE_FLAG,
	[MEMCGLAB_A_POLICY_SLACK] = MNL_TYPE_U32,
};

struct policy_dump_ctx {
	mlab_policy_cb cb;
	void *data;
};

static int policy_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MEMCGLAB_A_POLICY_ATTR_MAX + 1] = { 0 };
	struct policy_dump_ctx *ctx = data;
	struct mlab_policy_entry pe;

	memset(&pe, 0, sizeof(pe));
	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_POLICY_ATTR_MAX, policy_types) < 0 ||
	    !tb[MEMCGLAB_A_POLICY_NAME])
		return -EINVAL;
	attr_str(tb[MEMCGLAB_A_POLICY_NAME], pe.name, sizeof(pe.name), "");
	attr_str(tb[MEMCGLAB_A_POLICY_MODULE], pe.module, sizeof(pe.module), "?");
	attr_str(tb[MEMCGLAB_A_POLICY_DESCRIPTION], pe.description,
		 sizeof(pe.description), "");
	pe.batch = tb[MEMCGLAB_A_POLICY_BATCH] != NULL;
	pe.slack = mlab_attr_u32(tb[MEMCGLAB_A_POLICY_SLACK], 0);
	return ctx->cb(&pe, ctx->data);
}

int mlab_nl_policy_dump(struct mlab_nl *nl, mlab_policy_cb cb, void *data)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_POLICY_GET, 0);
	struct policy_dump_ctx ctx = { cb, data };

	return mlab_nl_dump(nl, nlh, policy_dump_cb, &ctx);
}

static const uint8_t trace_types[MEMCGLAB_A_TRACE_ATTR_MAX + 1] = {
	[MEMCGLAB_A_TRACE_CGROUP] = MNL_TYPE_U64,
	[MEMCGLAB_A_TRACE_PROBES] = MNL_TYPE_NUL_STRING,
	[MEMCGLAB_A_TRACE_PID] = MNL_TYPE_U32,
};

struct trace_ctx {
	char *probes;
	size_t len;
	uint64_t cgroup_id;
};

static int trace_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MEMCGLAB_A_TRACE_ATTR_MAX + 1] = { 0 };
	struct trace_ctx *ctx = data;

	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_TRACE_ATTR_MAX, trace_types) < 0)
		return -EINVAL;
	attr_str(tb[MEMCGLAB_A_TRACE_PROBES], ctx->probes, ctx->len, "");
	if (tb[MEMCGLAB_A_TRACE_CGROUP])
		ctx->cgroup_id = mnl_attr_get_u64(tb[MEMCGLAB_A_TRACE_CGROUP]);
	return 0;
}

/* A TRACE request whose cgroup or pid attribute the caller put in nlh. */
static int trace_talk(struct mlab_nl *nl, struct nlmsghdr *nlh, uint64_t *cgroup_id,
		      char *probes, size_t len)
{
	struct trace_ctx ctx = { probes, len, 0 };
	int ret = mlab_nl_talk(nl, nlh, trace_cb, &ctx);

	if (!ret && cgroup_id)
		*cgroup_id = ctx.cgroup_id;
	return ret;
}

int mlab_nl_trace_start(struct mlab_nl *nl, uint64_t cgroup_id, char *probes,
			size_t len)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_TRACE, 0);

	mnl_attr_put_u64(nlh, MEMCGLAB_A_TRACE_CGROUP, cgroup_id);
	return trace_talk(nl, nlh, NULL, probes, len);
}

int mlab_nl_trace_start_task(struct mlab_nl *nl, uint32_t pid, uint64_t *cgroup_id,
			     char *probes, size_t len)
{
	struct nlmsghdr *nlh = mlab_nl_msg(nl, MEMCGLAB_CMD_TRACE, 0);

	mnl_attr_put_u32(nlh, MEMCGLAB_A_TRACE_PID, pid);
	return trace_talk(nl, nlh, cgroup_id, probes, len);
}
