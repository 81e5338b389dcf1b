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
 * line. Errors go to stderr via err()/cli_nl_report() and never into JSON output.
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

#include "libmlab.h"

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
extern const struct cmd trace_cmd;

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

/* ---- netlink: libmlab, and the CLI's side of it (lab.c) ---- */
/* "low", "high", "max", "oom", "oom_kill", "oom_group_kill" */
extern const char *const mlab_event_names[MLAB_NR_EVENTS];
/* mlab_nl_open(), saying why it failed. */
int cli_nl_open(struct mlab_nl *nl);
/*
 * Report a libmlab call's result ret, unless what is NULL: on failure
 * "memcglab: <what>: <strerror>: <extack> (missing attribute N)", on
 * success the kernel's warning with -v. Returns ret.
 */
int cli_nl_report(const struct mlab_nl *nl, int ret, const char *what);

/* ---- groups: naming (group.c) ---- */
/*
 * Resolve a group argument: "id HIER:ID" consumes two words, a path one.
 * Returns the number of words consumed (1 or 2), or -1 after printing why.
 */
int group_ref_parse(int argc, char **argv, struct mlab_group_ref *ref);

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

/*
 * The leading part of a tree row (group.c, used by tree and top): the name
 * indented by depth (at most max_depth levels) in fmt for text; the name,
 * hierarchy (if hier), id, parent and depth for JSON.
 */
void print_group_ident(const struct mlab_group_info *gi, uint32_t max_depth,
		       const char *fmt, bool hier);
/* Shared printing of one group's state (group.c), used by show. */
void print_group_info(const struct mlab_group_info *gi, const char *label);

#endif /* MEMCGLAB_CLI_H */
