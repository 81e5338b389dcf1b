/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - record the real memcg's charging of one cgroup subtree
 * (record.c).  netlink_trace.c is the only caller.
 */
#ifndef _MLAB_RECORD_H
#define _MLAB_RECORD_H

#include <linux/types.h>

struct cgroup;

struct cgroup *mlab_rec_cgroup_by_id(u64 cgroup_id);
struct cgroup *mlab_rec_cgroup_by_task(pid_t nr);
int mlab_rec_start(struct cgroup *root, char *probes, size_t size);
void mlab_rec_stop(void);

#endif /* _MLAB_RECORD_H */
