/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "memcglab" generic netlink family.  main.c calls the two
 * entry points; the rest is shared by netlink.c (the family),
 * netlink_group.c (GROUP_GET, GROUP_SET, GROUP_RESET), netlink_charge.c
 * (CHARGE), netlink_bench.c (BENCH) and netlink_trace.c (TRACE) only.
 */
#ifndef _MLAB_NETLINK_H
#define _MLAB_NETLINK_H

#include <linux/types.h>
#include <net/genetlink.h>
#include <linux/memcglab.h>

int mlab_netlink_init(void);
void mlab_netlink_exit(void);

/* --- inside the family ---------------------------------------------------- */

/* The wire's largest finite size: MLAB_COUNTER_MAX pages in bytes. */
#define MLAB_NL_MAX_BYTES	((u64)MLAB_COUNTER_MAX << PAGE_SHIFT)

struct mlab_group;

extern struct genl_family mlab_nl_family;
extern const struct nla_policy mlab_nl_get_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
extern const struct nla_policy mlab_nl_set_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
extern const struct nla_policy mlab_nl_reset_policy[MEMCGLAB_A_GROUP_ATTR_MAX + 1];
extern const struct nla_policy mlab_nl_charge_policy[MEMCGLAB_A_BATCH_ATTR_MAX + 1];
extern const struct nla_policy mlab_nl_bench_policy[MEMCGLAB_A_BENCH_ATTR_MAX + 1];

u64 mlab_nl_pages_to_bytes(unsigned long nr_pages);
u64 mlab_nl_limit_to_bytes(unsigned long nr_pages);
struct mlab_group *mlab_nl_lookup(struct nlattr **tb, const struct nlattr *nest,
				  int hier_attr, int id_attr,
				  struct netlink_ext_ack *extack);
int mlab_nl_reply(struct sk_buff *msg, void *hdr, struct genl_info *info);

int mlab_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info);
int mlab_nl_group_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mlab_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info);
int mlab_nl_group_reset_doit(struct sk_buff *skb, struct genl_info *info);

int mlab_nl_charge_doit(struct sk_buff *skb, struct genl_info *info);
int mlab_nl_socks_init(void);
void mlab_nl_socks_exit(void);

int mlab_nl_bench_doit(struct sk_buff *skb, struct genl_info *info);

extern const struct nla_policy mlab_nl_trace_policy[MEMCGLAB_A_TRACE_ATTR_MAX + 1];
int mlab_nl_trace_doit(struct sk_buff *skb, struct genl_info *info);
int mlab_nl_trace_init(void);
void mlab_nl_trace_exit(void);

#endif /* _MLAB_NETLINK_H */
