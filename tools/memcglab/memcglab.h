/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcglab CLI: shared declarations.
 *
 * Grammar: memcglab [-j [-p]] OBJECT COMMAND [ARGS]   (iproute2/bpftool style)
 *
 * HOW TO ADD AN OBJECT
 *  1. In your own file (e.g. scenario.c) define the commands and the object:
 *
 *	static int do_scenario_run(const struct cmd *self, int argc, char **argv)
 *	{
 *		if (argc < 1)
 *			return cmd_usage_error(self, "missing FILE");
 *		...			// argv[0] is the first word after "run"
 *		return EXIT_OK;		// EXIT_FAIL (1) when the operation failed
 *	}
 *	static const struct cmd scenario_cmds[] = {
 *		{ .name = "run", .args = "FILE [--target lab|memcg]",
 *		  .summary = "run a scenario", .run = do_scenario_run },
 *		{ 0 }
 *	};
 *	const struct cmd scenario_cmd = {
 *		.name = "scenario", .summary = "scenario files", .sub = scenario_cmds,
 *	};
 *
 *     An object without sub-commands (like `charge GROUP SIZE`) sets .run and
 *     .args instead of .sub; argv then starts right after the object word.
 *  2. Declare it below: `extern const struct cmd scenario_cmd;`
 *  3. Add `&scenario_cmd,` to objects[] in main.c.
 *  The Makefile builds every *.c here; nothing else to register. Help, prefix
 *  matching ("mem sc r" works when unambiguous), `help` at every level and the
 *  usage-error exit code come from main.c's dispatcher.
 *
 * OUTPUT: never printf results directly. Use the print_*() API below: in text
 * mode it prints the fmt (when mode includes PRINT_TEXT), in JSON mode (-j) it
 * emits the key/value (when mode includes PRINT_JSON), so one code path serves
 * both. Open/close objects and arrays around records; print_nl() ends a text
 * line. Errors go to stderr via err()/nl_perror() and never into JSON output.
 *
 * EXIT CODES: EXIT_OK 0, EXIT_FAIL 1 (the operation failed), EXIT_USAGE 2.
 */
#ifndef MEMCGLAB_CLI_H
#define MEMCGLAB_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/memcglab.h>

#define MEMCGLAB_VERSION "0.1"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cmd {
	const char *name;	/* object or command word */
	const char *args;	/* argument synopsis for help, may be NULL */
	const char *summary;	/* one line for help listings */
	const char *help;	/* optional longer text, printed by `help` */
	int (*run)(const struct cmd *self, int argc, char **argv);
	const struct cmd *sub;	/* sub-commands, terminated by { 0 } */
};

/* The objects. Add yours here and in main.c's table. */
extern const struct cmd group_cmd;
extern const struct cmd charge_cmd;
extern const struct cmd uncharge_cmd;
extern const struct cmd monitor_cmd;
extern const struct cmd top_cmd;
extern const struct cmd scenario_cmd;
extern const struct cmd compare_cmd;
extern const struct cmd run_cmd;
extern const struct cmd bench_cmd;
extern const struct cmd policy_cmd;

/* Global options: the only global mutable state of the CLI. */
struct options {
	bool json;	/* -j */
	bool pretty;	/* -p */
	bool verbose;	/* -v */
};
extern struct options opts;

/* ---- help, usage errors, argument helpers (main.c) ---- */
int cmd_usage_error(const struct cmd *self, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cmd_print_help(const struct cmd *self, FILE *f);
bool is_help(const char *arg);
/*
 * Index of the word in words[] (NULL-terminated) that arg equals or is an
 * unambiguous prefix of; -1 when none matches, -2 when ambiguous.
 */
int match_word(const char *arg, const char *const *words);
/* err(): "memcglab: <msg>" on stderr. */
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- sizes (utils.c) ---- */
#define MLAB_UNLIMITED UINT64_MAX
/* "max" / "-1" (when allow_minus1) -> MLAB_UNLIMITED; else N[KMGTPE], N[KiB..]. */
int parse_size(const char *s, uint64_t *bytes, bool allow_max);
int parse_u64(const char *s, uint64_t *v);
int parse_double(const char *s, double *v);
/* "max" or human readable ("12.5M", "4.0K", "0"); buf >= 16 bytes. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

/* ---- output (print.c) ---- */
enum { PRINT_TEXT = 1, PRINT_JSON = 2, PRINT_ANY = 3 };
void print_init(FILE *f);	/* called by main(); JSON/pretty from opts */
void print_finish(void);	/* flush; closes a pending top-level JSON value */
void print_open_obj(const char *key);	/* key ignored at top level / in arrays */
void print_close_obj(void);
void print_open_arr(const char *key);
void print_close_arr(void);
void print_str(int mode, const char *key, const char *fmt, const char *val);
void print_u64(int mode, const char *key, const char *fmt, uint64_t val);
void print_s64(int mode, const char *key, const char *fmt, int64_t val);
void print_bool(int mode, const char *key, const char *fmt, bool val);
void print_double(int mode, const char *key, const char *fmt, double val);
/* Bytes: JSON number (null when unlimited), text via format_size into %s. */
void print_size(int mode, const char *key, const char *fmt, uint64_t bytes);
void print_null(int mode, const char *key, const char *fmt);
/* Text only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_nl(void);
void print_flush(void);

/* JSON writer underneath print.c; usable standalone (e.g. tests). */
struct json_writer;
struct json_writer *jw_new(FILE *f, bool pretty);
void jw_destroy(struct json_writer **jw);	/* closes open values */
void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
void jw_key(struct json_writer *jw, const char *key);
void jw_string(struct json_writer *jw, const char *s);
void jw_u64(struct json_writer *jw, uint64_t v);
void jw_s64(struct json_writer *jw, int64_t v);
void jw_bool(struct json_writer *jw, bool v);
void jw_double(struct json_writer *jw, double v);
void jw_null(struct json_writer *jw);
int jw_depth(const struct json_writer *jw);

/* ---- netlink (nl.c) ---- */
struct mnl_socket;
struct nlmsghdr;
struct nlattr;

struct mlab_nl {
	struct mnl_socket *sock;
	uint16_t family;	/* resolved id of "memcglab" */
	uint32_t events_group;	/* multicast group id of "events", 0 if none */
	uint32_t portid;
	uint32_t seq;
	char *buf;		/* receive buffer, MLAB_NL_BUFSZ bytes */
};
#define MLAB_NL_BUFSZ (1u << 20)	/* a full charge batch's reply fits */

/* Open a generic netlink socket with ext-ack + cap-ack, resolve the family. */
int mlab_nl_open(struct mlab_nl *nl);
void mlab_nl_close(struct mlab_nl *nl);
/* Start a request for cmd in nl->buf-independent storage of size len. */
struct nlmsghdr *mlab_nl_msg(struct mlab_nl *nl, void *buf, uint8_t cmd,
			     uint16_t flags);
/*
 * Send nlh and run cb on every reply message until the ack / NLMSG_DONE.
 * Returns 0, or -errno; on a kernel error the extack message (if any) is
 * copied into errmsg (may be NULL) and also printed when what != NULL as
 * "memcglab: <what>: <strerror>: <extack>".
 */
typedef int (*mlab_nl_cb)(const struct nlmsghdr *nlh, void *data);
int mlab_nl_talk(struct mlab_nl *nl, struct nlmsghdr *nlh, mlab_nl_cb cb,
		 void *data, const char *what);
int mlab_nl_join_events(struct mlab_nl *nl);
/*
 * Attribute table parser: fills tb[1..max] with the top-level (or nested)
 * attributes, skipping unknown types (forward compatible) and validating
 * known ones against types[] (enum mnl_attr_data_type per attribute type,
 * 0 = unchecked; types may be NULL). Returns 0 or -EINVAL.
 */
int mlab_attr_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    unsigned int max, const uint8_t *types);
int mlab_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			   unsigned int max, const uint8_t *types);

/* ---- groups: naming (group.c) ---- */
struct mlab_group_ref {
	uint32_t hier;		/* hierarchy id: st_dev of the mount */
	uint64_t id;		/* group id: directory inode number */
};
/*
 * Resolve a group argument: "id HIER:ID" consumes two words, a path one.
 * Returns the number of words consumed (1 or 2), or -1 after printing why.
 */
int group_ref_parse(int argc, char **argv, struct mlab_group_ref *ref);

/* ---- lab netlink client (lab.c): one function per family operation ---- */
enum { MLAB_EV_LOW, MLAB_EV_HIGH, MLAB_EV_MAX, MLAB_EV_OOM, MLAB_EV_OOM_KILL,
       MLAB_EV_OOM_GROUP_KILL, MLAB_NR_EVENTS };
/* "low", "high", "max", "oom", "oom_kill", "oom_group_kill" */
extern const char *const mlab_event_names[MLAB_NR_EVENTS];

struct mlab_group_info {
	/* From the kernel (GROUP_GET): */
	uint32_t hier;
	uint64_t id, parent_id;		/* parent_id 0 for the root */
	uint32_t flavour;		/* MEMCGLAB_FLAVOUR_* */
	char policy[MEMCGLAB_POLICY_NAME_MAX];	/* "?" if the kernel sent none */
	uint32_t batch;
	uint64_t usage, owned;		/* bytes; owned = held by charge owners */
	uint64_t max, high, low, min, soft_limit;	/* MLAB_UNLIMITED = max */
	uint64_t watermark, failcnt, emin, elow;
	uint64_t events[MLAB_NR_EVENTS], events_local[MLAB_NR_EVENTS];
	uint64_t charges, charged, uncharges, uncharged, fails;	/* local stats */
	/* Filled in userspace by group_tree_collect(): */
	uint32_t depth;			/* below the collected subtree's root */
	char name[256];			/* directory name, or "#ID" */
};

enum { MLAB_SET_MAX = 1, MLAB_SET_HIGH = 2, MLAB_SET_LOW = 4, MLAB_SET_MIN = 8,
       MLAB_SET_SOFT_LIMIT = 16 };
struct mlab_limits {
	unsigned int mask;		/* MLAB_SET_*: which fields to set */
	uint64_t max, high, low, min, soft_limit; /* bytes; MLAB_UNLIMITED = max */
};

struct mlab_charge_req {
	struct mlab_group_ref ref;
	int64_t delta;		/* bytes, > 0 charge, < 0 uncharge */
	uint32_t count;		/* repetitions, 0 = 1 */
	/* results */
	uint32_t done;		/* repetitions that succeeded */
	int error;		/* 0 or -errno of the first failing repetition */
	uint64_t usage;		/* group usage afterwards */
	uint64_t held;		/* bytes this socket holds in the group afterwards */
	bool force;		/* charge past the limits (never refused) */
};

typedef int (*mlab_group_cb)(const struct mlab_group_info *gi, void *data);
/* "what" names the operation in error messages; NULL = silent. */
int lab_group_get(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		  struct mlab_group_info *gi, const char *what);
/* Every group of the subtree at ref, in id order (parents before children). */
int lab_group_dump(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		   mlab_group_cb cb, void *data, const char *what);
int lab_group_set(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		  const struct mlab_limits *lim, const char *what);
int lab_group_reset(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		    uint32_t flags, const char *what);	/* MEMCGLAB_RESET_* */
/*
 * One batched request (n <= MEMCGLAB_CHARGE_MAX_ENTRIES). Returns 0 when the
 * kernel processed it (per-entry results filled in, entries may still have
 * failed), -errno when it refused the whole request (nothing changed).
 */
int lab_charge(struct mlab_nl *nl, struct mlab_charge_req *reqs, unsigned int n,
	       const char *what);

/* One in-kernel bench run (BENCH): parameters in, defaults and results out. */
struct mlab_bench {
	uint32_t kind;		/* MEMCGLAB_BENCH_KIND_* */
	char policy[MEMCGLAB_POLICY_NAME_MAX];	/* kind policy: which one */
	uint32_t depth, fanout, siblings, threads, nr_pages, batch, ms; /* 0 = default */
	uint64_t count;
	/* results */
	uint64_t wall_ns, base_ops, base_ns;
	bool accounted;
	uint32_t nr_threads;	/* entries filled in ops[] and ns[] */
	uint64_t ops[MEMCGLAB_BENCH_MAX_THREADS], ns[MEMCGLAB_BENCH_MAX_THREADS];
};
int lab_bench(struct mlab_nl *nl, struct mlab_bench *b, const char *what);

/* A registered charging policy (POLICY_GET). */
struct mlab_policy_entry {
	char name[MEMCGLAB_POLICY_NAME_MAX];
	char module[64];
	char description[128];
	bool batch;		/* takes the mount option batch= */
	uint32_t slack;		/* pages per CPU a charge may exceed a limit by */
};
typedef int (*mlab_policy_cb)(const struct mlab_policy_entry *pe, void *data);
int lab_policy_dump(struct mlab_nl *nl, mlab_policy_cb cb, void *data,
		    const char *what);

/* ---- subtrees (group.c), used by tree, top, monitor ---- */
struct group_tree {
	struct mlab_group_info *g;	/* pre-order, g[0] is the subtree root */
	size_t n, cap;
};
/*
 * Dump the subtree at ref into t in pre-order with depths; when path is the
 * subtree root's directory, name the groups after their directories (else
 * "#ID"). g[0] is named label. Returns 0 or -errno (reported with "what").
 */
int group_tree_collect(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		       const char *path, const char *label, struct group_tree *t,
		       const char *what);
void group_tree_free(struct group_tree *t);
const struct mlab_group_info *group_tree_find(const struct group_tree *t,
					      uint32_t hier, uint64_t id);

/* Shared printing of one group's state (group.c), used by show. */
void print_group_info(const struct mlab_group_info *gi, const char *label);

#endif /* MEMCGLAB_CLI_H */
