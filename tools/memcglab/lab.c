// SPDX-License-Identifier: GPL-2.0
/* Client side of the memcglab generic netlink family: one function per op. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/memcglab.h>

#include "memcglab.h"

/* Indexed by enum memcglab_event_type; keep in step. */
const char *const mlab_event_names[MLAB_NR_EVENTS] = {
	"low", "high", "max", "oom", "oom_kill", "oom_group_kill",
};

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

static uint64_t get_u64(const struct nlattr *a, uint64_t def)
{
	return a ? mnl_attr_get_u64(a) : def;
}

static uint32_t get_u32(const struct nlattr *a, uint32_t def)
{
	return a ? mnl_attr_get_u32(a) : def;
}

/* A NUL_STRING attribute (validated) into buf, cut to fit; def if absent. */
static void get_str(const struct nlattr *a, char *buf, size_t len, const char *def)
{
	snprintf(buf, len, "%s", a ? mnl_attr_get_str(a) : def);
}

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
		ev[i] = get_u64(tb[MEMCGLAB_A_EVENTS_LOW + i], 0);
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
	gi->charges = get_u64(tb[MEMCGLAB_A_STATS_CHARGES], 0);
	gi->charged = get_u64(tb[MEMCGLAB_A_STATS_CHARGED], 0);
	gi->uncharges = get_u64(tb[MEMCGLAB_A_STATS_UNCHARGES], 0);
	gi->uncharged = get_u64(tb[MEMCGLAB_A_STATS_UNCHARGED], 0);
	gi->fails = get_u64(tb[MEMCGLAB_A_STATS_FAILS], 0);
	return 0;
}

static int parse_group(const struct nlmsghdr *nlh, struct mlab_group_info *gi)
{
	const struct nlattr *tb[MEMCGLAB_A_GROUP_ATTR_MAX + 1] = { 0 };

	memset(gi, 0, sizeof(*gi));
	if (mlab_attr_parse(nlh, tb, MEMCGLAB_A_GROUP_ATTR_MAX, group_types) < 0 ||
	    !tb[MEMCGLAB_A_GROUP_HIER] || !tb[MEMCGLAB_A_GROUP_ID])
		return -EINVAL;
	gi->hier = get_u32(tb[MEMCGLAB_A_GROUP_HIER], 0);
	gi->id = get_u64(tb[MEMCGLAB_A_GROUP_ID], 0);
	gi->parent_id = get_u64(tb[MEMCGLAB_A_GROUP_PARENT_ID], 0);
	snprintf(gi->name, sizeof(gi->name), "#%llu", (unsigned long long)gi->id);
	gi->flavour = get_u32(tb[MEMCGLAB_A_GROUP_FLAVOUR], 0);
	get_str(tb[MEMCGLAB_A_GROUP_POLICY], gi->policy, sizeof(gi->policy), "?");
	gi->batch = get_u32(tb[MEMCGLAB_A_GROUP_BATCH], 0);
	gi->usage = get_u64(tb[MEMCGLAB_A_GROUP_USAGE], 0);
	gi->owned = get_u64(tb[MEMCGLAB_A_GROUP_OWNED], 0);
	gi->soft_limit = get_u64(tb[MEMCGLAB_A_GROUP_SOFT_LIMIT], MLAB_UNLIMITED);
	gi->max = get_u64(tb[MEMCGLAB_A_GROUP_MAX], MLAB_UNLIMITED);
	gi->high = get_u64(tb[MEMCGLAB_A_GROUP_HIGH], MLAB_UNLIMITED);
	gi->low = get_u64(tb[MEMCGLAB_A_GROUP_LOW], 0);
	gi->min = get_u64(tb[MEMCGLAB_A_GROUP_MIN], 0);
	gi->watermark = get_u64(tb[MEMCGLAB_A_GROUP_WATERMARK], 0);
	gi->failcnt = get_u64(tb[MEMCGLAB_A_GROUP_FAILCNT], 0);
	gi->emin = get_u64(tb[MEMCGLAB_A_GROUP_EMIN], 0);
	gi->elow = get_u64(tb[MEMCGLAB_A_GROUP_ELOW], 0);
	if (parse_events(tb[MEMCGLAB_A_GROUP_EVENTS], gi->events) < 0 ||
	    parse_events(tb[MEMCGLAB_A_GROUP_EVENTS_LOCAL], gi->events_local) < 0 ||
	    parse_stats(tb[MEMCGLAB_A_GROUP_STATS], gi) < 0)
		return -EINVAL;
	return 0;
}

static void put_ref(struct nlmsghdr *nlh, const struct mlab_group_ref *ref,
		    uint16_t hier_type, uint16_t id_type)
{
	mnl_attr_put_u32(nlh, hier_type, ref->hier);
	if (ref->id)
		mnl_attr_put_u64(nlh, id_type, ref->id);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return parse_group(nlh, data);
}

int lab_group_get(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		  struct mlab_group_info *gi, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_GROUP_GET, 0);

	put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	return mlab_nl_talk(nl, nlh, get_cb, gi, what);
}

struct dump_ctx {
	mlab_group_cb cb;
	void *data;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	struct mlab_group_info gi;
	int ret = parse_group(nlh, &gi);

	return ret < 0 ? ret : ctx->cb(&gi, ctx->data);
}

int lab_group_dump(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		   mlab_group_cb cb, void *data, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_GROUP_GET,
					   NLM_F_DUMP);
	struct dump_ctx ctx = { cb, data };

	put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	return mlab_nl_talk(nl, nlh, dump_cb, &ctx, what);
}

int lab_group_set(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		  const struct mlab_limits *lim, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_GROUP_SET, 0);

	put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
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
	return mlab_nl_talk(nl, nlh, NULL, NULL, what);
}

int lab_group_reset(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		    uint32_t flags, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_GROUP_RESET, 0);

	put_ref(nlh, ref, MEMCGLAB_A_GROUP_HIER, MEMCGLAB_A_GROUP_ID);
	mnl_attr_put_u32(nlh, MEMCGLAB_A_GROUP_RESET, flags);
	return mlab_nl_talk(nl, nlh, NULL, NULL, what);
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
};

struct charge_ctx {
	struct mlab_charge_req *reqs;
	unsigned int n, seen;
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
		if (ctx->seen >= ctx->n ||
		    mlab_attr_parse_nested(a, tb, MEMCGLAB_A_CHARGE_ATTR_MAX,
					   charge_types) < 0)
			return -EINVAL;
		r = &ctx->reqs[ctx->seen++];
		r->done = get_u32(tb[MEMCGLAB_A_CHARGE_DONE], 0);
		r->error = (int32_t)get_u32(tb[MEMCGLAB_A_CHARGE_ERROR], 0);
		r->usage = get_u64(tb[MEMCGLAB_A_CHARGE_USAGE], 0);
		r->held = get_u64(tb[MEMCGLAB_A_CHARGE_HELD], 0);
	}
	return 0;
}

int lab_charge(struct mlab_nl *nl, struct mlab_charge_req *reqs, unsigned int n,
	       const char *what)
{
	struct charge_ctx ctx = { reqs, n, 0 };
	size_t len = MNL_SOCKET_BUFFER_SIZE + (size_t)n * 64;
	struct nlmsghdr *nlh;
	char *buf;
	int ret;

	if (!n || n > MEMCGLAB_CHARGE_MAX_ENTRIES)
		return -EINVAL;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_CHARGE, 0);
	for (unsigned int i = 0; i < n; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, MEMCGLAB_A_BATCH_ENTRY);

		put_ref(nlh, &reqs[i].ref, MEMCGLAB_A_CHARGE_HIER,
			MEMCGLAB_A_CHARGE_ID);
		mnl_attr_put_u64(nlh, MEMCGLAB_A_CHARGE_DELTA,
				 (uint64_t)reqs[i].delta);
		if (reqs[i].count > 1)
			mnl_attr_put_u32(nlh, MEMCGLAB_A_CHARGE_COUNT, reqs[i].count);
		if (reqs[i].force)
			mnl_attr_put(nlh, MEMCGLAB_A_CHARGE_FORCE, 0, NULL);
		mnl_attr_nest_end(nlh, nest);
		reqs[i].done = 0;
		reqs[i].error = 0;
	}
	ret = mlab_nl_talk(nl, nlh, charge_cb, &ctx, what);
	free(buf);
	if (!ret && ctx.seen != n)
		ret = -EBADMSG;
	return ret;
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
	b->kind = get_u32(tb[MEMCGLAB_A_BENCH_KIND], b->kind);
	b->depth = get_u32(tb[MEMCGLAB_A_BENCH_DEPTH], 0);
	b->fanout = get_u32(tb[MEMCGLAB_A_BENCH_FANOUT], 0);
	b->siblings = get_u32(tb[MEMCGLAB_A_BENCH_SIBLINGS], 1);
	if (tb[MEMCGLAB_A_BENCH_POLICY])
		get_str(tb[MEMCGLAB_A_BENCH_POLICY], b->policy, sizeof(b->policy), "");
	b->threads = get_u32(tb[MEMCGLAB_A_BENCH_THREADS], 0);
	b->nr_pages = get_u32(tb[MEMCGLAB_A_BENCH_NR_PAGES], 0);
	b->batch = get_u32(tb[MEMCGLAB_A_BENCH_BATCH], 0);
	b->ms = get_u32(tb[MEMCGLAB_A_BENCH_MS], 0);
	b->count = get_u64(tb[MEMCGLAB_A_BENCH_COUNT], 0);
	b->wall_ns = get_u64(tb[MEMCGLAB_A_BENCH_WALL_NS], 0);
	b->base_ops = get_u64(tb[MEMCGLAB_A_BENCH_BASE_OPS], 0);
	b->base_ns = get_u64(tb[MEMCGLAB_A_BENCH_BASE_NS], 0);
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
		b->ops[b->nr_threads] = get_u64(tt[MEMCGLAB_A_BENCH_THREAD_OPS], 0);
		b->ns[b->nr_threads] = get_u64(tt[MEMCGLAB_A_BENCH_THREAD_NS], 0);
		b->nr_threads++;
	}
	return 0;
}

int lab_bench(struct mlab_nl *nl, struct mlab_bench *b, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_BENCH, 0);
	int ret;

	mnl_attr_put_u32(nlh, MEMCGLAB_A_BENCH_KIND, b->kind);
	if (b->kind == MEMCGLAB_BENCH_KIND_POLICY)
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
	ret = mlab_nl_talk(nl, nlh, bench_cb, b, what);
	if (!ret && !b->nr_threads)
		ret = -EBADMSG;
	return ret;
}

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
	get_str(tb[MEMCGLAB_A_POLICY_NAME], pe.name, sizeof(pe.name), "");
	get_str(tb[MEMCGLAB_A_POLICY_MODULE], pe.module, sizeof(pe.module), "?");
	get_str(tb[MEMCGLAB_A_POLICY_DESCRIPTION], pe.description,
		sizeof(pe.description), "");
	pe.batch = tb[MEMCGLAB_A_POLICY_BATCH] != NULL;
	pe.slack = get_u32(tb[MEMCGLAB_A_POLICY_SLACK], 0);
	return ctx->cb(&pe, ctx->data);
}

int lab_policy_dump(struct mlab_nl *nl, mlab_policy_cb cb, void *data,
		    const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mlab_nl_msg(nl, buf, MEMCGLAB_CMD_POLICY_GET,
					   NLM_F_DUMP);
	struct policy_dump_ctx ctx = { cb, data };

	return mlab_nl_talk(nl, nlh, policy_dump_cb, &ctx, what);
}
