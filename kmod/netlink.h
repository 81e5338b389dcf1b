/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "memcglab" generic netlink family (netlink.c).
 */
#ifndef _MLAB_NETLINK_H
#define _MLAB_NETLINK_H

int mlab_netlink_init(void);
void mlab_netlink_exit(void);

#endif /* _MLAB_NETLINK_H */
