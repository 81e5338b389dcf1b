/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - record the real memcg's charging of one cgroup subtree
 * (record.c).  netlink_trace.c is the only caller.
 */
#ifndef _MLAB_RECORD_H
#define _MLAB_RECORD_H

#include <linux/types.h>

int mlab_rec_start(u64 cgroup_id, char *probes, size_t size);
void mlab_rec_stop(void);

#endif /* _MLAB_RECORD_H */
