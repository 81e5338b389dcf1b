// SPDX-License-Identifier: GPL-2.0
/*
 * fs_notify.c - memory.events and memory.events.local notification: the
 * group event notifier of the filesystem, fsnotify and poll wake-ups
 * delivered from a work item, and stopping them before files go away.
 */
#include <linux/fsnotify.h>
#include "fs.h"

#define MLAB_NOTIFY_MIN_INTV	DIV_ROUND_UP(HZ, 100)

/*
 * Like cgroup_file_notify(): at most one notification per file every
 * 10 ms, delivered from a work item because fsnotify may sleep.
 */
void mlab_fs_notify_workfn(struct work_struct *work)
{
	struct mlab_dir *md = container_of(to_delayed_work(work),
					   struct mlab_dir, work);
	struct dentry *d[2] = { NULL, NULL };
	unsigned int pending;
	int i;

	spin_lock_irq(&md->lock);
	pending = md->pending;
	md->pending = 0;
	md->last = jiffies;
	if (pending & BIT(MLAB_FSN_EVENTS))
		d[0] = dget(md->events);
	if (pending & BIT(MLAB_FSN_EVENTS_LOCAL))
		d[1] = dget(md->events_local);
	spin_unlock_irq(&md->lock);

	for (i = 0; i < 2; i++)
		if (d[i])
			atomic_inc(&md->seq[i]);
	wake_up_interruptible_all(&md->wait);
	for (i = 0; i < 2; i++) {
		if (!d[i])
			continue;
		if (d_really_is_positive(d[i]))
			fsnotify_dentry(d[i], FS_MODIFY);
		dput(d[i]);
	}
}

static void mlab_fs_notify(struct mlab_group *g, unsigned int which)
{
	struct mlab_dir *md = mlab_group_priv(g);
	unsigned long flags, next, delay = 0;

	if (!md)
		return;
	spin_lock_irqsave(&md->lock, flags);
	if (md->events) {
		md->pending |= BIT(which);
		next = md->last + MLAB_NOTIFY_MIN_INTV;
		if (time_in_range(jiffies, md->last, next))
			delay = next - jiffies;
		queue_delayed_work(system_wq, &md->work, delay);
	}
	spin_unlock_irqrestore(&md->lock, flags);
}

/* Stop notifying a directory's files before they go away. */
void mlab_fs_notify_stop(struct mlab_dir *md)
{
	spin_lock_irq(&md->lock);
	md->events = NULL;
	md->events_local = NULL;
	spin_unlock_irq(&md->lock);
	cancel_delayed_work_sync(&md->work);
}

/* memory.events.local of the group, memory.events where counts changed. */
static int mlab_fs_event(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct mlab_event_info *info = data;
	struct mlab_group *pos;

	mlab_fs_notify(info->group, MLAB_FSN_EVENTS_LOCAL);
	for (pos = info->group; pos; pos = mlab_event_next(pos))
		mlab_fs_notify(pos, MLAB_FSN_EVENTS);
	return NOTIFY_OK;
}

struct notifier_block mlab_fs_nb = {
	.notifier_call = mlab_fs_event,
};

/*
 * Unmount kills the files' dentries before it evicts the directories (whose
 * eviction stops their notification), and an owner that outlives the mount
 * (a netlink socket) can still raise events: stop every directory's
 * notification first.  The pinned dentries keep every mlab_dir alive here.
 */
void mlab_fs_notify_stop_all(struct super_block *sb)
{
	struct mlab_group *root, *g;
	struct mlab_dir *md;
	u64 after = 0;

	if (!sb->s_root || !d_inode(sb->s_root))
		return;
	md = d_inode(sb->s_root)->i_private;
	root = md->group;
	mlab_fs_notify_stop(md);
	while ((g = mlab_group_next(root, after))) {
		rcu_read_lock();
		md = mlab_group_priv(g);
		rcu_read_unlock();
		if (md)
			mlab_fs_notify_stop(md);
		after = mlab_group_id(g);
		mlab_group_put(g);
	}
}
