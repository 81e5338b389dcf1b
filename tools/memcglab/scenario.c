// SPDX-License-Identifier: GPL-2.0
/* `memcglab scenario run FILE --target lab|memcg`, and the table it prints. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "memcglab.h"
#include "scenario.h"

static void print_stats_cols(const struct step_result *r)
{
	const struct tgt_stats *st = &r->st;

	if (!r->have_stats) {
		print_text("%9s %9s %9s %7s %5s %5s %5s", "-", "-", "-", "-", "-", "-", "-");
		return;
	}
	print_size(PRINT_ANY, "usage", "%9s ", st->usage);
	if (st->has & TGT_HAS_LIMIT)
		print_size(PRINT_ANY, "limit", "%9s ", st->limit);
	else
		print_null(PRINT_ANY, "limit", "        - ");
	print_size(PRINT_ANY, "peak", "%9s ", st->peak);
	if (st->has & TGT_HAS_FAILCNT)
		print_u64(PRINT_ANY, "failcnt", "%7llu ", st->failcnt);
	else
		print_text("%7s ", "-");
	if (st->has & TGT_HAS_EVENTS) {
		print_u64(PRINT_ANY, "max", "%5llu ", st->ev_max);
		print_u64(PRINT_ANY, "oom", "%5llu ", st->ev_oom);
	} else {
		print_text("%5s %5s ", "-", "-");
	}
	if (st->has & (TGT_HAS_EVENTS | TGT_HAS_OOM_CONTROL))
		print_u64(PRINT_ANY, "oom_kill", "%5llu", st->oom_kill);
	else
		print_text("%5s", "-");
	if (st->has & TGT_HAS_OOM_CONTROL)
		print_u64(PRINT_JSON, "under_oom", NULL, (uint64_t)st->under_oom);
}

void scenario_print_header(const char *first)
{
	print_text("  %-16s %9s %9s %9s %7s %5s %5s %5s  %s\n", first, "usage", "limit",
		   "peak", "failcnt", "max", "oom", "kill", "outcome");
}

/*
 * What the usage is made of, on its own line under the row: where a real
 * memcg disagrees with the lab or a check, this says whether the extra is
 * anon, page cache, kernel memory or a huge page.
 */
static void print_breakdown(const struct step_result *r)
{
	const struct tgt_stats *st = &r->st;

	if (!r->have_stats || !(st->has & TGT_HAS_STAT))
		return;
	print_text("\n  %-16s ", "");
	print_open_obj("stat");
	print_size(PRINT_ANY, "anon", " memory.stat: anon %s", st->anon);
	print_size(PRINT_ANY, "file", ", file %s", st->file);
	print_size(PRINT_ANY, "kernel", ", kernel %s", st->kernel);
	print_size(PRINT_ANY, "anon_thp", ", anon_thp %s", st->anon_thp);
	print_close_obj();
}

void scenario_print_row(const char *label, const struct step *s,
			const struct step_result *r, const char *verdict,
			bool explain)
{
	char out[64];

	outcome_text(s, r, out, sizeof(out));
	print_open_obj(NULL);
	print_str(PRINT_ANY, "target", "  %-16s ", label);
	print_stats_cols(r);
	print_str(PRINT_ANY, "outcome", "  %s", out);
	if (r->ran && s->op == OP_CHARGE) {
		print_u64(PRINT_JSON, "done", NULL, r->done);
		print_bool(PRINT_JSON, "oom_killed", NULL, r->oom_killed);
		print_bool(PRINT_JSON, "blocked", NULL, r->blocked);
	}
	if (r->ran && s->op == OP_CHECK) {
		char v[32];

		print_u64(PRINT_JSON, "value", NULL, r->check_val);
		if (field_is_size(s->field))
			print_text(" (%s)", format_size(r->check_val, v, sizeof(v)));
		else
			print_text(" (%llu)", (unsigned long long)r->check_val);
	}
	if (r->ran && s->op != OP_CHECK && r->killed[0])
		print_str(PRINT_JSON, "killed", NULL, r->killed);
	if (r->ran && s->expect_killed && !r->check_ok)
		print_str(PRINT_ANY, "expected", "  expected killed %s", s->killed);
	else if (r->ran && s->expect != EXPECT_NONE && s->op != OP_CHECK && !r->check_ok)
		print_str(PRINT_ANY, "expected", "  expected %s", outcome_name(s->expect));
	if (verdict)
		print_str(PRINT_ANY, "verdict", "  %s", verdict);
	if (r->msg[0])
		print_str(PRINT_JSON, "message", NULL, r->msg);
	if (r->msg[0] && opts.verbose)
		print_text("\n  %16s   %s", "", r->msg);
	if (explain)
		print_breakdown(r);
	print_nl();
	print_close_obj();
}

static int do_scenario_run(const struct cmd *self, int argc, char **argv)
{
	struct tgt_config cfg = { .kind = TGT_LAB };
	struct step_result *res;
	struct scenario sc;
	struct target t;
	const char *file = NULL;
	int failed, ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--target") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "lab"))
				cfg.kind = TGT_LAB;
			else if (!strcmp(argv[i], "memcg"))
				cfg.kind = TGT_MEMCG;
			else
				return cmd_usage_error(self, "unknown target '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--v1")) {
			cfg.v1 = true;
		} else if (!strcmp(argv[i], "--v2")) {
			cfg.v1 = false;
		} else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			cfg.policy = argv[++i];
		} else if (argv[i][0] == '-' || file) {
			return cmd_usage_error(self, "unexpected argument '%s'", argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return cmd_usage_error(self, "missing FILE");
	if (cfg.kind == TGT_MEMCG && cfg.policy)
		return cmd_usage_error(self, "--policy applies to the lab target only");
	if (scenario_load(file, &sc))
		return EXIT_FAIL;
	if (!(sc.flavours & (cfg.v1 ? FL_V1 : FL_V2))) {
		print_text("SKIP: scenario %s is not for cgroup %s\n", sc.name,
			   cfg.v1 ? "v1" : "v2");
		scenario_free(&sc);
		return EXIT_SKIP;
	}
	cfg.file_charges = sc.file_charges;
	cfg.oom_kill = sc.oom_kill;
	cfg.concurrent = sc.concurrent;
	ret = target_open(&t, &cfg);
	if (ret) {
		if (ret == -EOPNOTSUPP)
			print_text("SKIP: %s: %s\n", t.name, t.err);
		else
			err("%s: %s", t.name, t.err);
		scenario_free(&sc);
		return ret == -EOPNOTSUPP ? EXIT_SKIP : EXIT_FAIL;
	}
	res = calloc(sc.nr_steps, sizeof(*res));
	if (!res) {
		target_close(&t);
		scenario_free(&sc);
		err("out of memory");
		return EXIT_FAIL;
	}
	failed = scenario_exec(&t, &sc, res);
	target_close(&t);

	print_open_obj(NULL);
	print_str(PRINT_ANY, "scenario", "scenario %s", sc.name);
	print_str(PRINT_ANY, "target", " on %s\n", t.name);
	print_open_arr("steps");
	for (size_t k = 0; k < sc.nr_steps; k++) {
		const struct step *s = &sc.steps[k];

		if (!res[k].ran)
			continue;
		print_open_obj(NULL);
		print_u64(PRINT_ANY, "line", "%3llu: ", (uint64_t)s->line);
		print_str(PRINT_ANY, "step", "%s\n", s->text);
		print_open_arr("rows");
		scenario_print_row(t.name, s, &res[k], NULL, res[k].ran && !res[k].check_ok);
		print_close_arr();
		print_close_obj();
	}
	print_close_arr();
	print_u64(PRINT_ANY, "failed", "%llu expectation(s) failed\n", (uint64_t)failed);
	print_close_obj();
	free(res);
	scenario_free(&sc);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* Parse a scenario and list its steps as they would run: repeats unrolled. */
static int do_scenario_steps(const struct cmd *self, int argc, char **argv)
{
	struct scenario sc;

	if (argc != 1 || argv[0][0] == '-')
		return cmd_usage_error(self, "%s", argc ? "unexpected argument" : "missing FILE");
	if (scenario_load(argv[0], &sc))
		return EXIT_FAIL;
	print_open_obj(NULL);
	print_str(PRINT_ANY, "scenario", "scenario %s", sc.name);
	print_u64(PRINT_ANY, "nr_steps", ": %llu steps", (uint64_t)sc.nr_steps);
	print_u64(PRINT_ANY, "nr_blocks", ", %llu together blocks\n", (uint64_t)sc.nr_blocks);
	print_open_arr("steps");
	for (size_t k = 0; k < sc.nr_steps; k++) {
		const struct step *s = &sc.steps[k];

		print_open_obj(NULL);
		print_u64(PRINT_ANY, "line", "%3llu: ", (uint64_t)s->line);
		print_u64(PRINT_JSON, "block", NULL, s->block);
		print_str(PRINT_ANY, "step", "%s\n", s->text);
		print_close_obj();
	}
	print_close_arr();
	print_close_obj();
	scenario_free(&sc);
	return EXIT_OK;
}

static const struct cmd scenario_cmds[] = {
	{ .name = "run", .args = "FILE [--target lab|memcg] [--v1|--v2] [--policy P]",
	  .summary = "run a scenario on one target and check its expectations",
	  .help = "Exit status: 0 all expectations held, 1 some failed, 2 usage,\n"
		  "4 (SKIP) the target is not available on this kernel.\n"
		  "File format: docs/scenarios.md.\n",
	  .run = do_scenario_run },
	{ .name = "steps", .args = "FILE",
	  .summary = "check a scenario's syntax and list its steps, repeats unrolled",
	  .help = "Runs nothing. Exit status: 0 the file parses, 1 it does not\n"
		  "(FILE:LINE: why, on stderr), 2 usage.\n",
	  .run = do_scenario_steps },
	{ 0 }
};

const struct cmd scenario_cmd = {
	.name = "scenario", .summary = "scenario files: run one on a target",
	.sub = scenario_cmds,
};
