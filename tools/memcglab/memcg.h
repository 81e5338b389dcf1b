/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Charger processes (memcg_worker.c): the memcg target's workers (see
 * target_memcg.c for how a charge is made), and the lab target's chargers
 * of an `oom kill` scenario, which write to a charge file they opened
 * themselves (target_lab.c).
 */
#ifndef MEMCGLAB_MEMCG_H
#define MEMCGLAB_MEMCG_H

#include <limits.h>
#include <stdatomic.h>

#include "target.h"

#define WORKER_PT_PREFAULT (512ULL << 20) /* page tables made before joining */
#define WORKER_LEAF ".workers"		/* v2 leaf that holds the workers */

enum { W_CHARGE = 1, W_UNCHARGE, W_CHARGE_FILE, W_UNCHARGE_FILE, W_PING };
/*
 * Or'ed into a memcg charge of a concurrent batch: when it is done, the
 * worker sets its own oom_score_adj back to 0 before it answers, so that the
 * memcg OOM killer, still called by the batch's other chargers, picks one of
 * those (at 1000), never a charger whose charge has succeeded.
 */
#define W_ADJ0 0x100

struct wshared {
	_Atomic uint64_t progress;	/* bytes touched by the current charge */
	_Atomic uint64_t held;		/* bytes held after the last command */
	_Atomic int ready;
	_Atomic int err;		/* errno of a failed write, else 0 */
	_Atomic uint32_t armed;		/* the go generation it waits for */
};

/*
 * The start signal of a concurrent batch (a scenario's `together` block),
 * one shared page per worker set, mapped before its first worker is forked
 * so that every worker inherits it: a worker given a command with go
 * generation G waits (futex) until the word reaches G, and the runner
 * raises it once for all of them.
 */
struct wgo {
	_Atomic uint32_t gen;
};

/*
 * What a new worker is. A memcg worker touches pages and writes page cache
 * in the group it joins; a lab charger (charge_path set) opens
 * GROUP/memcglab.charge itself, so that it is the owner's opener, the
 * process the lab's OOM killer signals, and writes sizes to it.
 */
struct worker_spec {
	const char *name;
	const char *group;	/* scenario group name */
	const char *file;	/* memcg: page cache file to adopt, or NULL */
	const char *charge_path; /* lab: the charge file to open, else NULL */
	struct wgo *go;		/* the set's start signal (worker_add() sets it) */
};

struct worker {
	char name[64];
	char group[PATH_MAX];	/* scenario group name */
	pid_t pid;
	int pidfd, cmd_fd, done_fd;
	struct wshared *sh;	/* one shared page per worker */
	uint64_t held;		/* anon the parent believes it holds */
	/*
	 * Page cache: the worker's file on $MEMCGLAB_SCRATCH ("" without
	 * one), opened before it joins the group, and the bytes written to
	 * it. Reclaim may evict part of it; mincore() says what is left. The
	 * file outlives a killed worker (its pages stay charged, as page
	 * cache does) and goes when the charger is released.
	 */
	char file[PATH_MAX];
	uint64_t file_bytes;
	bool dead;		/* exited without being told to */
	bool lab;		/* writes to a charge file (struct worker_spec) */
	/* A charge left parked in an OOM wait (oom kill scenarios): its size. */
	uint64_t parked;
	bool parked_file;
	/*
	 * A command of a concurrent batch: sent and waiting for the go
	 * (armed), then running until worker_settle() collects its answer
	 * into async_ret; what the charge needs to finish is kept here.
	 */
	enum { W_IDLE, W_ARMED, W_SETTLED } async;
	int async_ret;
	uint64_t async_held, async_kills;
	struct wgo *go;
};

/* The workers of a target, in the order they were made. */
struct worker_set {
	struct worker **v;
	size_t n;
	struct wgo *go;		/* start signal, mapped with the first worker */
	uint32_t gen;		/* the last generation released */
};

struct memcg_priv {
	struct cg_hier hier;
	struct worker_set ws;
	struct tgt_peaks peaks;
	unsigned int stock_groups;	/* groups one CPU's charge stock caches */
	unsigned int slab_per_page;	/* slab bytes charged per page cache page */
	bool pt_freed;		/* MADV_DONTNEED frees empty page tables (6.14+) */
};

void worker_free(struct worker *w);
/* worker_free() and remove the charger's file: its page cache goes too. */
void worker_release(struct worker *w);
/* Bytes of w's file in the page cache now. */
uint64_t worker_file_resident(const struct worker *w);
int worker_wait(struct target *t, struct worker *w);
void set_oom_adj(pid_t pid, const char *val);
int worker_send(struct target *t, struct worker *w, int op, uint64_t bytes);
/*
 * Concurrent batches: worker_arm() pins w to the cpu'th CPU this process
 * may use (-1: anywhere) and sends it a command that waits for the set's
 * next go; worker_settle() releases every armed worker at once and then
 * collects each answer (worker_wait()) into w->async_ret.
 */
int worker_arm(struct target *t, struct worker_set *ws, struct worker *w, int op,
	       uint64_t bytes, int cpu);
void worker_settle(struct target *t, struct worker_set *ws);
/* A new worker, not yet in any set. */
int worker_spawn(struct target *t, const struct worker_spec *spec,
		 struct worker **out);
/* A new worker, appended to ws. */
int worker_add(struct target *t, struct worker_set *ws,
	       const struct worker_spec *spec, struct worker **out);
/* Remove the idx'th worker from ws and release it. */
void worker_drop(struct worker_set *ws, size_t idx);
void worker_set_drop_idle(struct worker_set *ws, const char *group);
void worker_set_free(struct worker_set *ws);
struct worker *worker_find(struct worker_set *ws, const char *name, size_t *idx);
/* Collect a worker that died: dead, nothing held. */
void worker_reap(struct worker *w);
void worker_check_alive(struct worker *w);
uint64_t oom_kills(struct target *t, const char *group);
int worker_restore(struct target *t, struct worker_set *ws, size_t idx,
		   uint64_t held);
/*
 * A charge of an `oom kill` scenario, where OOM kills are real: 0, -ECHILD
 * (the charger was killed during it), -EINPROGRESS (parked in a v1 OOM
 * wait: `wait` collects it), -ESRCH (the charger was killed before) or the
 * errno of the refused write.
 */
int worker_charge_oom(struct target *t, struct worker *w, bool file,
		      uint64_t bytes, struct tgt_charge_res *res);
/* The same split in two: checks and bookkeeping, then the end of the charge. */
int worker_charge_begin(struct target *t, struct worker *w, bool file,
			uint64_t bytes);
int worker_charge_end(struct target *t, struct worker *w, int ret,
		      struct tgt_charge_res *res);
/* The scratch directory for file charges, or NULL (err says why). */
const char *memcg_scratch(char *err, size_t len);

#endif /* MEMCGLAB_MEMCG_H */
