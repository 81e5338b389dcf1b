/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target.h - the one interface over the two things memcglab can drive:
 *
 *   lab    a memcglab filesystem mount (the module), charged by writing sizes
 *          to memcglab.charge descriptors;
 *   memcg  the kernel's own memory controller (cgroup v2 at /sys/fs/cgroup, or
 *          a cgroup v1 memory hierarchy mounted in a temporary directory),
 *          charged by worker processes that touch anonymous memory.
 *
 * The scenario runner and compare talk to targets only through this header.
 *
 * Groups are named by a path relative to the target's root ("a", "a/b"); the
 * root itself is "" or "/". A charger is a named holder of charges (a charge
 * descriptor on the lab, a worker process on memcg) bound to one group on its
 * first charge. Sizes are bytes; TGT_UNLIMITED means "max" / "-1".
 *
 * Every call returns 0 or a negative errno and, on failure, leaves a message
 * naming the file or group in t->err.
 */
#ifndef MEMCGLAB_TARGET_H
#define MEMCGLAB_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libmlab.h"

#define TGT_UNLIMITED UINT64_MAX
/* Sizes are charged in pages of this size on every target (x86_64). */
#define PAGE 4096UL

/* bytes rounded up to whole pages, as a charge takes them */
static inline uint64_t tgt_page_align(uint64_t bytes)
{
	return (bytes + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

enum tgt_kind { TGT_LAB, TGT_MEMCG };

/* Knobs a scenario can set; each target maps them to its flavour's file. */
enum tgt_knob {
	TGT_KNOB_MAX,		/* memory.max / memory.limit_in_bytes */
	TGT_KNOB_HIGH,		/* memory.high (v2) */
	TGT_KNOB_LOW,		/* memory.low (v2) */
	TGT_KNOB_MIN,		/* memory.min (v2) */
	TGT_KNOB_SOFT_LIMIT,	/* memory.soft_limit_in_bytes (v1) */
	TGT_KNOB_OOM_KILL_DISABLE, /* memory.oom_control (v1), value 0/1 */
	TGT_KNOB_RECLAIM,	/* memory.reclaim (v2): reclaim that much now */
	TGT_KNOB_OOM_GROUP,	/* memory.oom.group (v2), value 0/1 */
	TGT_NR_KNOBS
};
/*
 * "max", "high", "low", "min", "soft_limit", "oom_kill_disable", "reclaim",
 * "oom_group".
 */
extern const char *const tgt_knob_names[TGT_NR_KNOBS + 1];	/* NULL-terminated */

enum tgt_reset { TGT_RESET_PEAK, TGT_RESET_FAILCNT };

/* Which struct tgt_stats fields hold a value on this target/flavour. */
enum {
	TGT_HAS_USAGE = 1 << 0,
	TGT_HAS_LIMIT = 1 << 1,
	TGT_HAS_PEAK = 1 << 2,
	TGT_HAS_FAILCNT = 1 << 3,	/* v1 */
	TGT_HAS_EVENTS = 1 << 4,	/* v2 memory.events */
	TGT_HAS_OOM_CONTROL = 1 << 5,	/* v1 memory.oom_control */
	TGT_HAS_STAT = 1 << 6,		/* target_breakdown(): memory.stat */
};

struct tgt_stats {
	unsigned int has;		/* TGT_HAS_* */
	uint64_t usage, limit, peak, failcnt;
	/* v2 memory.events (hierarchical) */
	uint64_t ev_low, ev_high, ev_max, ev_oom, ev_oom_kill, ev_oom_group_kill;
	/* v1 memory.oom_control */
	uint64_t oom_kill;		/* v1 "oom_kill", also v2 ev_oom_kill */
	int oom_kill_disable, under_oom;
	/*
	 * target_breakdown(): what the usage is made of, hierarchical (v2
	 * memory.stat anon, file, kernel, anon_thp; v1 memory.stat
	 * total_rss, total_cache, total_rss_huge and
	 * memory.kmem.usage_in_bytes).
	 */
	uint64_t anon, file, kernel, anon_thp;
};

/*
 * How a charge ended, beyond its return value. A refused charge returns
 * -ENOMEM with done = bytes of this charge that could be charged before the
 * refusal (measured by the worker on memcg, the hierarchy's head-room on the
 * lab). On memcg the kernel kills (or, with oom_kill_disable on v1, blocks)
 * the worker; the target then restores what the charger held before, so a
 * refused charge changes nothing the caller can see except the events.
 *
 * With cfg.oom_kill neither target restores anything: chargers are
 * processes on both, OOM kills are real, and a charge returns -ECHILD when
 * its own charger was killed, -EINPROGRESS when it is parked in a v1 OOM
 * wait (target_wait() collects it).
 */
struct tgt_charge_res {
	uint64_t done;
	bool oom_killed;	/* memcg: the worker was OOM killed */
	bool blocked;		/* memcg v1: the worker sat under_oom */
};

struct tgt_config {
	enum tgt_kind kind;
	bool v1;
	const char *policy;	/* lab: mount option policy=, NULL for default */
	/*
	 * The run charges page cache: memcg needs a disk-backed filesystem
	 * for it ($MEMCGLAB_SCRATCH) and opens with -EOPNOTSUPP without one.
	 */
	bool file_charges;
	/*
	 * OOM kills are real (a scenario's `oom kill`): the lab mounts with
	 * oom=kill and its chargers are processes that open their charge
	 * file themselves; memcg does not restore a killed worker.
	 */
	bool oom_kill;
	/*
	 * The run has concurrent batches (a scenario's `together`): the lab's
	 * chargers are processes too, so that each can charge on a CPU of
	 * its own at the same time as the others.
	 */
	bool concurrent;
};

/*
 * One charge or uncharge of a concurrent batch (target_charge_start()):
 * charger, its group (a charge binds a new charger to it), page cache or
 * anon, the size, and the CPU to run it on: the cpu'th CPU this process may
 * use, modulo their number (-1: anywhere).
 */
struct tgt_async {
	const char *charger;
	const char *group;
	bool uncharge, file;
	uint64_t bytes;
	int cpu;
};

struct target;
struct worker_set;

struct target_ops {
	int (*open)(struct target *t);
	void (*close)(struct target *t);	/* removes everything it made */
	int (*mkdir)(struct target *t, const char *group);
	int (*rmdir)(struct target *t, const char *group);
	int (*set)(struct target *t, const char *group, enum tgt_knob knob,
		   uint64_t val);
	int (*reset)(struct target *t, const char *group, enum tgt_reset what);
	int (*stats)(struct target *t, const char *group, struct tgt_stats *st);
	/* Add what the usage is made of to st (TGT_HAS_STAT); may be NULL. */
	void (*breakdown)(struct target *t, const char *group, struct tgt_stats *st);
	/*
	 * file: reclaimable page cache (lab: "file SIZE"; memcg: written to
	 * the charger's file on $MEMCGLAB_SCRATCH), else anonymous memory.
	 */
	int (*charge)(struct target *t, const char *charger, const char *group,
		      bool file, uint64_t bytes, struct tgt_charge_res *res);
	int (*uncharge)(struct target *t, const char *charger, bool file,
			uint64_t bytes);
	/* Give back everything the charger holds and forget it. */
	int (*release)(struct target *t, const char *charger);
	/*
	 * Bytes the charger holds now: anon plus what reclaim left of its page
	 * cache (0 once its worker was OOM killed).
	 */
	int (*held)(struct target *t, const char *charger, uint64_t *bytes);
	/*
	 * Slack in bytes this target may add to a group's usage on top of the
	 * exact page count (batching stock, worker overhead, kernel memory of
	 * child groups), for a subtree of nr_groups groups (itself included)
	 * holding nr_chargers chargers (nr_file of them with page cache) and
	 * bytes of charges. See docs/compare.md.
	 */
	uint64_t (*slack)(const struct target *t, unsigned int nr_groups,
			  unsigned int nr_chargers, unsigned int nr_file,
			  uint64_t bytes);
	/* The chargers' processes, NULL when chargers are not processes. */
	struct worker_set *(*workers)(struct target *t);
	/*
	 * A concurrent batch: start() gets the charger ready to run a, on
	 * its CPU, without letting it begin; the first finish() of the batch
	 * lets every started charger go at once, waits for all of them, and
	 * returns a's outcome as charge() or uncharge() would. NULL: the
	 * target runs the batch one operation after the other in finish().
	 */
	int (*start)(struct target *t, const struct tgt_async *a);
	int (*finish)(struct target *t, const struct tgt_async *a,
		      struct tgt_charge_res *res);
};

struct target {
	const struct target_ops *ops;
	struct tgt_config cfg;
	char name[32];		/* "lab/v2/strict", "memcg/v1", ... */
	char root[PATH_MAX];	/* directory of the hierarchy's root group */
	char err[PATH_MAX + 128]; /* last error, names the file/group and errno */
	unsigned int ncpus;
	void *priv;
};

/*
 * Open a target. Returns 0, -EOPNOTSUPP when this kernel cannot provide it
 * (no memcglab module, no v1 memory controller, no cgroup2 memory) -- callers
 * turn that into SKIP -- or another -errno; t->err says why in every case.
 */
int target_open(struct target *t, const struct tgt_config *cfg);
void target_close(struct target *t);

/* Thin wrappers over t->ops. */
int target_mkdir(struct target *t, const char *group);
int target_rmdir(struct target *t, const char *group);
int target_set(struct target *t, const char *group, enum tgt_knob knob,
	       uint64_t val);
int target_reset(struct target *t, const char *group, enum tgt_reset what);
int target_stats(struct target *t, const char *group, struct tgt_stats *st);
/*
 * memory.stat's anon, file, kernel and anon_thp of group into st, which
 * target_stats() filled: one more read, so only where it is shown.
 */
void target_breakdown(struct target *t, const char *group, struct tgt_stats *st);
int target_charge(struct target *t, const char *charger, const char *group,
		  bool file, uint64_t bytes, struct tgt_charge_res *res);
int target_uncharge(struct target *t, const char *charger, bool file,
		    uint64_t bytes);
int target_release(struct target *t, const char *charger);
int target_held(struct target *t, const char *charger, uint64_t *bytes);
uint64_t target_slack(const struct target *t, unsigned int nr_groups,
		      unsigned int nr_chargers, unsigned int nr_file, uint64_t bytes);
/*
 * A concurrent batch (struct target_ops start and finish): start every
 * operation of the batch, then finish every one that started. Each returns
 * 0 or a negative errno (finish: the operation's own, as target_charge()).
 */
int target_charge_start(struct target *t, const struct tgt_async *a);
int target_charge_finish(struct target *t, const struct tgt_async *a,
			 struct tgt_charge_res *res);
/*
 * Chargers as processes (cfg.oom_kill, memcg_worker.c): set the charger's
 * oom_score_adj; wait for its parked charge to finish (0, -ECHILD killed,
 * -EINPROGRESS still parked); whether it has been OOM-killed by now.
 */
int target_adj(struct target *t, const char *charger, int adj);
int target_wait(struct target *t, const char *charger);
int target_killed(struct target *t, const char *charger, bool *killed);

extern const struct target_ops tgt_lab_ops;
extern const struct target_ops tgt_memcg_ops;

/* ---- helpers shared by the targets and `run` (target_memcg.c) ---- */

/* snprintf that may truncate (paths are checked by the kernel anyway). */
void tgt_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* snprintf into t->err; always returns err (a negative errno). */
int tgt_fail(struct target *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Files: libmlab's mlab_read(), mlab_write() and mlab_read_key(), and
 * mlab_read_u64() with v1's unlimited (a huge number) read as TGT_UNLIMITED.
 */
int tgt_read_u64(const char *path, uint64_t *val);

/*
 * A real memory-controller hierarchy: cgroup2 (the existing mount, memory
 * enabled in the root's subtree_control) or cgroup v1 (an existing memory
 * mount, else one mounted here in a temporary directory after unbinding memory
 * from an idle cgroup2 root). Used by the memcg target and by `run`.
 */
struct cg_hier {
	bool v1;
	bool mounted;		/* we mounted mnt (v1) and unmount it on close */
	char mnt[PATH_MAX];	/* the hierarchy's root directory */
};
/* 0, -EOPNOTSUPP (unsupported here, err says why) or -errno. */
int cg_hier_open(struct cg_hier *h, bool v1, char *err, size_t errlen);
void cg_hier_close(struct cg_hier *h);
/* Make dir under the hierarchy and, on v2, enable memory in its parent. */
int cg_mkdir(const struct cg_hier *h, const char *path, char *err, size_t errlen);
/* Keep the group off swap: memory.swap.max 0 (v2), memory.swappiness 0 (v1). */
void cg_no_swap(const struct cg_hier *h, const char *path);
/* rmdir, retrying while exiting tasks still pin the group. */
int cg_rmdir(const char *path, char *err, size_t errlen);
/* Move pid into the group at path (cgroup.procs). */
int cg_attach(const char *path, pid_t pid, char *err, size_t errlen);
/* Usage, limit, peak, events/failcnt of the group at path. */
int cg_stats(const struct cg_hier *h, const char *path, struct tgt_stats *st);
/* What its usage is made of, from its memory.stat: TGT_HAS_STAT when read. */
void cg_breakdown(const struct cg_hier *h, const char *path, struct tgt_stats *st);
/* The value of key in dir/name (mlab_read_key()). */
int cg_read_key(const char *dir, const char *name, const char *key, uint64_t *v);
/* Write a knob with the flavour's file and spelling (memcg and lab alike). */
int cg_set_knob(bool v1, const char *dir, enum tgt_knob knob, uint64_t val,
		char *err, size_t errlen);

/*
 * memory.peak descriptors kept open per group: on v2 (6.12 semantics) a reset
 * is a write that only this descriptor sees, so reads must use it too.
 */
struct tgt_peaks {
	struct tgt_peak {
		char group[PATH_MAX];
		int fd;
	} *v;
	size_t n;
};
/* Reset peak (v1 max_usage_in_bytes, v2 this descriptor's memory.peak) or failcnt. */
int cg_reset(bool v1, const char *dir, enum tgt_reset what, struct tgt_peaks *pk,
	     const char *group, char *err, size_t errlen);
/* Replace st->peak by the reading of group's reset descriptor, if it has one. */
void tgt_peak_read(struct tgt_peaks *pk, const char *group, struct tgt_stats *st);

/* The directory of a scenario group ("/" or "" is the target's base). */
void tgt_group_path(const struct target *t, const char *group, char *buf,
		    size_t len);
/* The reset and stats ops of a target whose groups are cgroup-like files. */
int tgt_group_reset(struct target *t, bool v1, struct tgt_peaks *pk,
		    const char *group, enum tgt_reset what);
int tgt_group_stats(struct target *t, const struct cg_hier *h,
		    struct tgt_peaks *pk, const char *group, struct tgt_stats *st);
void tgt_group_breakdown(struct target *t, const struct cg_hier *h, const char *group,
			 struct tgt_stats *st);
void tgt_peak_forget(struct tgt_peaks *pk, const char *group);
void tgt_peaks_free(struct tgt_peaks *pk);

#endif /* MEMCGLAB_TARGET_H */
