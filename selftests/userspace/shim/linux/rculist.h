/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_RCULIST_H
#define SHIM_LINUX_RCULIST_H
/*
 * The native tests register policies before any thread starts and never
 * unregister while one runs: the plain list operations are enough.
 */
#include <linux/list.h>
#include <linux/rcupdate.h>

#define list_add_tail_rcu(n, head)	list_add_tail(n, head)
#define list_del_rcu(e)			list_del(e)
#define list_for_each_entry_rcu(pos, head, member, ...) \
	list_for_each_entry(pos, head, member)
#endif
