// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_charge.c - the CHARGE operation and the sockets that own its
 * charges: a socket's first CHARGE makes it a charge owner, and its
 * release (NETLINK_URELEASE) or the module's exit gives everything back.
 */
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/memcglab.h>
#include "group.h"
#include "owner.h"
#include "netlink.h"

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

static DEFINE_MUTEX(mlab_nl_socks_lock);

static LIST_HEAD(mlab_nl_socks);

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
		mlab_owner_init_nowait(&s->owner);
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
	[MEMCGLAB_A_CHARGE_TYPE]	=
		NLA_POLICY_MAX(NLA_U32, MEMCGLAB_CHARGE_TYPE_FILE),
	/* Results are reply-only. */
	[MEMCGLAB_A_CHARGE_DONE]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_ERROR]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_USAGE]	= { .type = NLA_REJECT },
	[MEMCGLAB_A_CHARGE_HELD]	= { .type = NLA_REJECT },
};

const struct nla_policy mlab_nl_charge_policy[MEMCGLAB_A_BATCH_ATTR_MAX + 1] = {
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
	enum mlab_charge_type type;
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
	e->type = tb[MEMCGLAB_A_CHARGE_TYPE] ?
		  nla_get_u32(tb[MEMCGLAB_A_CHARGE_TYPE]) : MLAB_CHARGE_ANON;
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
			err = mlab_owner_charge(o, e->g, e->nr_pages, e->type,
						e->force);
		else
			err = mlab_owner_uncharge(o, e->g, e->nr_pages,
						  e->type);
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
int mlab_nl_charge_doit(struct sk_buff *skb, struct genl_info *info)
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

/**
 * mlab_nl_socks_init - give back a socket's charges when it closes
 *
 * Context: module init, may sleep.
 * Return: 0, or the notifier registration's error.
 */
int mlab_nl_socks_init(void)
{
	return netlink_register_notifier(&mlab_nl_urelease_nb);
}

/**
 * mlab_nl_socks_exit - give back what the remaining sockets hold
 *
 * Context: module exit, may sleep; no request runs once the family is
 * unregistered, so the remaining sockets' charges can be released here.
 */
void mlab_nl_socks_exit(void)
{
	struct mlab_nl_sock *s, *tmp;

	netlink_unregister_notifier(&mlab_nl_urelease_nb);
	list_for_each_entry_safe(s, tmp, &mlab_nl_socks, node) {
		list_del(&s->node);
		mlab_nl_sock_free(s);
	}
}
