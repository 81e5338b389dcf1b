/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scenario.h - scenario files (docs/scenarios.md), running one on a target,
 * and the per-step results compare.c lines up side by side.
 */
#ifndef MEMCGLAB_SCENARIO_H
#define MEMCGLAB_SCENARIO_H

#include "target.h"

enum { FL_V1 = 1, FL_V2 = 2, FL_ALL = FL_V1 | FL_V2 };

enum step_op {
	OP_MKDIR, OP_RMDIR, OP_SET, OP_CHARGE, OP_UNCHARGE, OP_RELEASE,
	OP_RESET, OP_CHECK, OP_SHOW, OP_ADJ, OP_WAIT,
};

enum sc_field {
	F_USAGE, F_LIMIT, F_PEAK, F_FAILCNT, F_EV_MAX, F_EV_HIGH, F_EV_OOM,
	F_EV_OOM_KILL, F_UNDER_OOM, F_HELD, F_EV_LOW, F_EV_OOM_GROUP_KILL,
	F_NR_FIELDS
};

enum sc_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

#define EXPECT_NONE 1	/* no "=> OUTCOME" given */
#define EXPECT_ANY 2	/* "=> any": ok or ENOMEM, a race in a together block */
#define KILLED_LEN 128	/* "w1,w2": charger names, sorted, comma-separated */

struct step {
	int line;		/* in the file */
	/*
	 * The together block the step belongs to, 0 none: the steps of one
	 * block (consecutive, one per charger) run at once. Each copy of a
	 * block a repeat unrolls has an id of its own.
	 */
	unsigned int block;
	enum step_op op;
	unsigned int flavours;	/* FL_* the step runs on */
	char group[128];
	char charger[64];
	enum tgt_knob knob;
	enum tgt_reset reset;
	uint64_t value;		/* size for set/charge/uncharge, operand of check */
	bool file;		/* charge/uncharge: page cache, not anon */
	int expect;		/* 0 or -errno after "=>", EXPECT_NONE */
	/* "=> killed W[,W...]": exactly these chargers OOM-killed in the step */
	bool expect_killed;
	char killed[KILLED_LEN];
	int adj;		/* adj: the oom_score_adj */
	enum sc_field field;	/* check */
	enum sc_cmp cmp;	/* check */
	/*
	 * The line as written, for display: "together: " before a block's
	 * steps, " [I/N]" after each iteration of a repeat, innermost first.
	 */
	char text[160];
};

struct divergence {
	unsigned int flavours;
	int kcmp;		/* 0 any kernel, '<' before kver, '>' kver or later */
	int kmaj, kmin;
	char reason[256];
};

struct scenario {
	char name[64];
	char path[PATH_MAX];
	char describe[512];
	char plot_group[128];
	unsigned int flavours;
	bool headline;
	bool file_charges;	/* some step charges page cache */
	bool oom_kill;		/* `oom kill`: OOM kills are real on every target */
	bool concurrent;	/* has together blocks */
	unsigned int nr_blocks;	/* together blocks, after unrolling */
	struct step *steps;
	size_t nr_steps;
	struct divergence *divs;
	size_t nr_divs;
};

/* What happened at one step on one target. */
struct step_result {
	bool ran;		/* false: step not for this flavour, or target gave up */
	int err;		/* 0 or -errno of the operation */
	bool have_stats;	/* stats of step->group after the step */
	struct tgt_stats st;
	uint64_t done;		/* charge: bytes charged (or reachable) */
	bool oom_killed, blocked;
	uint64_t room;		/* charge: head-room on the path before it */
	uint64_t slack;		/* the target's tolerance for step->group now */
	bool check_ok;		/* check: passed; op: outcome matched "=>" */
	uint64_t check_val;	/* check: the value read */
	bool have_plot;		/* usage of sc->plot_group after the step */
	uint64_t plot_usage;
	bool peak_dirty;	/* a refused charge since the last peak reset here */
	char killed[KILLED_LEN]; /* chargers OOM-killed during the step (oom kill) */
	uint64_t parked;	/* bytes of charges parked in the group's subtree */
	char msg[256];		/* error text */
};

/* Sort and rejoin a comma-separated list of charger names ("b,a" -> "a,b"). */
int killed_list(const char *in, char *out, size_t len);

/* Parse a file. Returns 0 or -errno after printing file:line: why. */
int scenario_load(const char *path, struct scenario *sc);
void scenario_free(struct scenario *sc);

/*
 * Run sc on an open target, one result per step (res has sc->nr_steps
 * entries). Returns the number of failed expectations ("=>" and check).
 */
int scenario_exec(struct target *t, const struct scenario *sc,
		  struct step_result *res);

/* The kernel release as major/minor; the divergence markers that apply. */
void kernel_version(int *maj, int *min, char *buf, size_t len);
const struct divergence *scenario_expected_divergence(const struct scenario *sc,
						      bool v1);

const char *step_op_name(enum step_op op);
const char *field_name(enum sc_field f);
/* usage, limit, peak and held are bytes; the rest are counts. */
bool field_is_size(enum sc_field f);
/* "ok", "ENOMEM", "EBUSY", ... */
const char *outcome_name(int err);
/* Format one outcome with measured size ("ENOMEM@12.3M killed"). */
void outcome_text(const struct step *s, const struct step_result *r, char *buf,
		  size_t len);

/* Exit status for "this target does not exist on this kernel" (kselftest's SKIP). */
#define EXIT_SKIP 4

/* Table rows shared by `scenario run` and `compare` (print API: text and -j). */
void scenario_print_header(const char *first);
/* explain: add what the usage is made of, where the target can say. */
void scenario_print_row(const char *label, const struct step *s,
			const struct step_result *r, const char *verdict,
			bool explain);

#endif /* MEMCGLAB_SCENARIO_H */
