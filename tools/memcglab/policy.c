// SPDX-License-Identifier: GPL-2.0
/*
 * `memcglab policy list`: the charging policies the module knows (its own
 * and those policy modules registered), from the POLICY_GET dump.
 */
#include <stdlib.h>

#include "memcglab.h"

static int print_policy(const struct mlab_policy_entry *pe, void *data)
{
	(void)data;
	print_open_obj(NULL);
	print_str(PRINT_ANY, "name", "%-12s", pe->name);
	print_str(PRINT_ANY, "module", " %-28s", pe->module);
	print_bool(PRINT_JSON, "batch", NULL, pe->batch);
	print_u64(PRINT_JSON, "slack", NULL, pe->slack);
	print_str(PRINT_ANY, "description", " %s", pe->description);
	print_nl();
	print_close_obj();
	return 0;
}

static int do_policy_list(const struct cmd *self, int argc, char **argv)
{
	struct mlab_nl nl;
	int ret;

	(void)argv;
	if (argc)
		return cmd_usage_error(self, "no arguments expected");
	if (cli_nl_open(&nl) < 0)
		return EXIT_FAIL;
	print_open_arr(NULL);
	print_text("%-12s %-28s %s\n", "NAME", "MODULE", "DESCRIPTION");
	ret = cli_nl_report(&nl, mlab_nl_policy_dump(&nl, print_policy, NULL),
			    "policy list");
	print_close_arr();
	mlab_nl_close(&nl);
	return ret ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd policy_cmds[] = {
	{ .name = "list", .summary = "the charging policies mounts can use (-o policy=NAME)",
	  .help = "Lists every registered policy: memcglab's own (strict, batched, locked)\n"
		  "and those of loaded policy modules, with the module and a description.\n",
	  .run = do_policy_list },
	{ 0 }
};

const struct cmd policy_cmd = {
	.name = "policy",
	.summary = "charging policies (see docs/policy.md)",
	.sub = policy_cmds,
};
