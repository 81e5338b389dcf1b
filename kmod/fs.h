/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs.h - internal to the filesystem (fs.c, fs_notify.c) and its file table
 * (files*.c).
 */
#ifndef _MLAB_FS_H
#define _MLAB_FS_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "group.h"
#include "owner.h"

/* struct mlab_cftype.flags */
#define MLAB_CFT_V1		0x1	/* in v1 hierarchies */
#define MLAB_CFT_V2		0x2	/* in v2 hierarchies */
#define MLAB_CFT_NOT_ON_ROOT	0x4	/* not in the root group */
#define MLAB_CFT_EVENTS		0x8	/* memory.events: notifies */
#define MLAB_CFT_EVENTS_LOCAL	0x10	/* memory.events.local: notifies */

/* Index of the two notifying files in struct mlab_dir.seq[]. */
#define MLAB_FSN_EVENTS		0
#define MLAB_FSN_EVENTS_LOCAL	1

struct mlab_of;

/**
 * struct mlab_dir - the filesystem's object for one group directory
 * @group: the group (referenced)
 * @lock: protects @events, @events_local, @last and @pending
 * @events: memory.events' dentry while it exists, for fsnotify
 * @events_local: memory.events.local's dentry while it exists
 * @work: delivers notifications (fsnotify may sleep)
 * @last: jiffies of the last delivery
 * @pending: MLAB_FSN_* bits waiting for @work
 * @seq: notifications delivered per file; poll compares them
 * @wait: pollers of both files
 * @peaks_lock: protects @peaks
 * @peaks: memory.peak descriptors that were written (kernel >= 6.12)
 * @swap_peaks: the same for memory.swap.peak
 * @rcu: frees it after event notifiers that may still see it
 *
 * The directory inode's i_private; group events reach it through
 * mlab_group_priv().
 */
struct mlab_dir {
	struct mlab_group *group;
	spinlock_t lock;		/* see @lock above */
	struct dentry *events;
	struct dentry *events_local;
	struct delayed_work work;
	unsigned long last;
	unsigned int pending;
	atomic_t seq[2];
	wait_queue_head_t wait;
	struct mutex peaks_lock;	/* protects @peaks, @swap_peaks */
	struct list_head peaks;
	struct list_head swap_peaks;
	struct rcu_head rcu;
};

/**
 * struct mlab_cftype - one file of a group
 * @name: file name
 * @flags: MLAB_CFT_*
 * @show: print the file (NULL: write-only)
 * @write: handle one write of the stripped-or-raw buffer (NULL: read-only);
 *	returns 0 or a negative errno
 * @open: per-descriptor setup (optional)
 * @release: per-descriptor teardown (optional)
 * @private: for handlers that serve several files (e.g. the enum mlab_limit
 *	a limit file shows and writes), as cftype->private in the kernel
 */
struct mlab_cftype {
	const char *name;
	unsigned int flags;
	int (*show)(struct seq_file *sf, struct mlab_of *of);
	int (*write)(struct mlab_of *of, char *buf, size_t nbytes);
	int (*open)(struct mlab_of *of);
	void (*release)(struct mlab_of *of);
	int private;
};

/**
 * struct mlab_of - one open file of a group
 * @group: the group (referenced)
 * @dir: the group's directory object (pinned by the open file's dentry)
 * @cft: the file's type
 * @mutex: serialises operations on this descriptor, as kernfs does
 * @events_seen: the notification count seen at open or the last read
 * @peak: memory.peak per-descriptor value (kernel >= 6.12), ULONG_MAX unset
 * @peak_node: entry in the group's peaks list once written
 * @owner: memcglab.charge: the charges this descriptor holds
 */
struct mlab_of {
	struct mlab_group *group;
	struct mlab_dir *dir;
	const struct mlab_cftype *cft;
	struct mutex mutex;		/* one operation at a time */
	int events_seen;
	unsigned long peak;
	struct list_head peak_node;
	struct mlab_owner owner;
};

/* memory.events notification (fs_notify.c), for fs.c. */
extern struct notifier_block mlab_fs_nb;
void mlab_fs_notify_workfn(struct work_struct *work);
void mlab_fs_notify_stop(struct mlab_dir *md);
void mlab_fs_notify_stop_all(struct super_block *sb);

int mlab_fs_init(void);
void mlab_fs_exit(void);

#endif /* _MLAB_FS_H */
