/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oom.h - the lab's OOM killer, the v1 OOM wait (oom_kill_disable) and
 * memory.high throttling: what happens after reclaim has given up.
 *
 * The group layer calls in at three places: when a charge still fails
 * (mlab_oom_charge_failed()), after a successful charge
 * (mlab_oom_handle_high()) and when a v2 memory.max write leaves usage above
 * the new limit (mlab_oom_over_max()).  Charge owners register as OOM
 * targets; the killer reaches them only through struct mlab_oom_target_ops.
 */
#ifndef _MLAB_OOM_H
#define _MLAB_OOM_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>

struct mlab_group;
struct pid;

/* The oom= mount option; keep mlab_oom_mode_names[] in step. */
enum mlab_oom_mode {
	MLAB_OOM_KILL,		/* SIGKILL the victim's opener, reap its charges */
	MLAB_OOM_REVOKE,	/* reap the victim's charges, no signal */
	MLAB_OOM_OFF,		/* no OOM killer: the charge fails */
	MLAB_NR_OOM_MODES
};

/* "kill", "revoke", "off". */
extern const char * const mlab_oom_mode_names[MLAB_NR_OOM_MODES];

/*
 * mlab_group_charge() flags: FORCE charges past the limits (the kernel's
 * NOFAIL); NOWAIT is for callers holding a lock others need (netlink's
 * cb_lock): no OOM wait, no memory.high sleep.
 */
#define MLAB_CHARGE_FORCE	0x1
#define MLAB_CHARGE_NOWAIT	0x2

/**
 * struct mlab_oom_group - a group's OOM state (embedded in struct mlab_group)
 * @oom_group: memory.oom.group (v2)
 * @under_oom: chargers parked in this group's v1 OOM wait
 */
struct mlab_oom_group {
	bool oom_group;
	atomic_t under_oom;
};

/**
 * struct mlab_oom_ctx - one charge's trip through the OOM path
 * @passed_oom: the OOM killer already ran for this charge
 * @drained: the policy's per-cpu stocks were drained for this charge
 *
 * Zero it before the first attempt and pass it to every
 * mlab_oom_charge_failed() call of the same charge.
 */
struct mlab_oom_ctx {
	bool passed_oom;
	bool drained;
};

struct mlab_oom_target;

/**
 * struct mlab_oom_target_ops - what the OOM killer may do to a target
 * @pages: pages held in @domain's subtree; *@home is set to the group
 *	of @domain's subtree holding most of them, or to any group of that
 *	subtree the target has held pages in (a reaped target still belongs
 *	there), and left alone when there is none.  Must not sleep.
 * @reap: give back every page held, now, and make the target refuse
 *	further charges.  Must not sleep.
 */
struct mlab_oom_target_ops {
	unsigned long (*pages)(struct mlab_oom_target *t,
			       struct mlab_group *domain,
			       struct mlab_group **home);
	void (*reap)(struct mlab_oom_target *t);
};

/**
 * struct mlab_oom_target - a candidate victim (a charge owner)
 * @node: entry in the killer's target list
 * @pid: the thread group that created the owner (opened the file, sent
 *	the first netlink charge), referenced; NULL if unknown
 * @ops: how to measure and reap it
 */
struct mlab_oom_target {
	struct list_head node;
	struct pid *pid;
	const struct mlab_oom_target_ops *ops;
};

void mlab_oom_target_add(struct mlab_oom_target *t,
			 const struct mlab_oom_target_ops *ops);
void mlab_oom_target_del(struct mlab_oom_target *t);

void mlab_oom_group_init(struct mlab_group *g);
int mlab_oom_set_group(struct mlab_group *g, bool oom_group);
bool mlab_oom_is_group(struct mlab_group *g);
bool mlab_oom_under_oom(struct mlab_group *g);

int mlab_oom_charge_failed(struct mlab_group *g, struct mlab_group *over,
			   unsigned long nr_pages, unsigned int flags,
			   struct mlab_oom_ctx *ctx);
void mlab_oom_handle_high(struct mlab_group *g, unsigned long nr_pages,
			  unsigned int flags);
void mlab_oom_over_max(struct mlab_group *g, unsigned long max);
void mlab_oom_recover(void);
void mlab_oom_uncharged(void);

#endif /* _MLAB_OOM_H */
