// SPDX-License-Identifier: GPL-2.0
/* `memcglab group`: show, tree, set, reset; and naming groups by path or id. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/memcglab.h>

#include "memcglab.h"

static int parse_id_pair(const char *s, struct mlab_group_ref *ref)
{
	const char *colon = strchr(s, ':');
	uint64_t hier, id;
	char hbuf[32];

	if (!colon || (size_t)(colon - s) >= sizeof(hbuf))
		return -EINVAL;
	memcpy(hbuf, s, colon - s);
	hbuf[colon - s] = '\0';
	if (parse_u64(hbuf, &hier) || hier > UINT32_MAX ||
	    parse_u64(colon + 1, &id) || !id)
		return -EINVAL;
	ref->hier = (uint32_t)hier;
	ref->id = id;
	return 0;
}

int group_ref_parse(int argc, char **argv, struct mlab_group_ref *ref)
{
	int ret;

	if (argc < 1) {
		err("missing GROUP (a path, or id HIER:ID)");
		return -1;
	}
	if (!strcmp(argv[0], "id")) {
		if (argc < 2 || parse_id_pair(argv[1], ref)) {
			err("id: expected HIER:ID (e.g. id 45:1), got '%s'",
			    argc < 2 ? "" : argv[1]);
			return -1;
		}
		return 2;
	}
	ret = mlab_group_ids(argv[0], &ref->hier, &ref->id);
	if (ret == -ENOTDIR)
		err("%s: not a group directory", argv[0]);
	else if (ret)
		err("%s: %s", argv[0], strerror(-ret));
	return ret ? -1 : 1;
}

static void print_events(const char *key, const char *label, const uint64_t *ev)
{
	print_open_obj(key);
	print_text("  %s:", label);
	for (int i = 0; i < MLAB_NR_EVENTS; i++) {
		char fmt[32];

		snprintf(fmt, sizeof(fmt), " %s %%llu", mlab_event_names[i]);
		print_u64(PRINT_ANY, mlab_event_names[i], fmt, ev[i]);
	}
	print_nl();
	print_close_obj();
}

void print_group_info(const struct mlab_group_info *gi, const char *label)
{
	bool v1 = gi->flavour == MEMCGLAB_FLAVOUR_V1;

	print_open_obj(NULL);
	if (label)
		print_str(PRINT_ANY, "path", "%s ", label);
	print_u64(PRINT_ANY, "hier", "(id %llu", gi->hier);
	print_u64(PRINT_ANY, "id", ":%llu", gi->id);
	print_u64(PRINT_ANY, "parent_id", gi->parent_id ? ", parent %llu" : NULL,
		  gi->parent_id);
	print_str(PRINT_ANY, "flavour", ", %s", v1 ? "v1" : "v2");
	print_str(PRINT_ANY, "policy", ", policy %s", gi->policy);
	print_u64(PRINT_ANY, "batch", " batch %llu)", gi->batch);
	print_nl();
	print_size(PRINT_ANY, "usage", "  usage %s", gi->usage);
	print_size(PRINT_ANY, "owned", "  owned %s", gi->owned);
	print_size(PRINT_ANY, "max", "  max %s", gi->max);
	print_size(PRINT_ANY, "high", v1 ? NULL : "  high %s", gi->high);
	print_size(PRINT_ANY, "low", v1 ? NULL : "  low %s", gi->low);
	print_size(PRINT_ANY, "min", v1 ? NULL : "  min %s", gi->min);
	print_size(PRINT_ANY, "soft_limit", v1 ? "  soft_limit %s" : NULL,
		   gi->soft_limit);
	print_nl();
	print_size(PRINT_ANY, "watermark", "  watermark %s", gi->watermark);
	print_u64(PRINT_ANY, "failcnt", "  failcnt %llu", gi->failcnt);
	print_size(PRINT_ANY, "emin", "  emin %s", gi->emin);
	print_size(PRINT_ANY, "elow", "  elow %s", gi->elow);
	print_nl();
	print_events("events", "events", gi->events);
	print_events("events_local", "events.local", gi->events_local);
	print_open_obj("stats");
	print_u64(PRINT_ANY, "charges", "  stats: charges %llu", gi->charges);
	print_size(PRINT_ANY, "charged", " (%s)", gi->charged);
	print_u64(PRINT_ANY, "uncharges", " uncharges %llu", gi->uncharges);
	print_size(PRINT_ANY, "uncharged", " (%s)", gi->uncharged);
	print_u64(PRINT_ANY, "fails", " fails %llu", gi->fails);
	print_nl();
	print_close_obj();
	print_close_obj();
}

/* ---- subtrees ---- */

static int tree_add_cb(const struct mlab_group_info *gi, void *data)
{
	struct group_tree *t = data;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct mlab_group_info *g = realloc(t->g, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		t->g = g;
		t->cap = cap;
	}
	t->g[t->n++] = *gi;
	return 0;
}

void group_tree_free(struct group_tree *t)
{
	free(t->g);
	memset(t, 0, sizeof(*t));
}

const struct mlab_group_info *group_tree_find(const struct group_tree *t,
					      uint32_t hier, uint64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].hier == hier && t->g[i].id == id)
			return &t->g[i];
	return NULL;
}

/* Append in[i] and its descendants to out in pre-order. */
static void tree_preorder(const struct mlab_group_info *in, size_t n, size_t i,
			  uint32_t depth, struct mlab_group_info *out, size_t *k)
{
	out[*k] = in[i];
	out[(*k)++].depth = depth;
	for (size_t j = i + 1; j < n; j++)
		if (in[j].parent_id == in[i].id)
			tree_preorder(in, n, j, depth + 1, out, k);
}

/* Name every group found below the directory at fd after its entry. */
static void tree_name(struct group_tree *t, int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct mlab_group_info *gi;
		struct stat st;
		int sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		gi = (struct mlab_group_info *)group_tree_find(t, (uint32_t)st.st_dev,
								st.st_ino);
		if (!gi)
			continue;
		snprintf(gi->name, sizeof(gi->name), "%s", de->d_name);
		sub = depth < 64 ? openat(dirfd(d), de->d_name,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (sub >= 0)
			tree_name(t, sub, depth + 1);
	}
	closedir(d);
}

int group_tree_collect(struct mlab_nl *nl, const struct mlab_group_ref *ref,
		       const char *path, const char *label, struct group_tree *t,
		       const char *what)
{
	struct group_tree raw = { 0 };
	size_t k = 0, root = 0;
	int ret;

	t->n = 0;
	ret = cli_nl_report(nl, mlab_nl_group_dump(nl, ref, tree_add_cb, &raw), what);
	if (ret || !raw.n) {
		group_tree_free(&raw);
		return ret ? ret : -ENOENT;
	}
	if (t->cap < raw.n) {
		struct mlab_group_info *g = realloc(t->g, raw.n * sizeof(*g));

		if (!g) {
			group_tree_free(&raw);
			return -ENOMEM;
		}
		t->g = g;
		t->cap = raw.n;
	}
	while (root < raw.n && raw.g[root].id != ref->id)
		root++;
	tree_preorder(raw.g, raw.n, root < raw.n ? root : 0, 0, t->g, &k);
	t->n = k;
	group_tree_free(&raw);
	if (path) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0)
			tree_name(t, fd, 0);
	}
	if (label)
		snprintf(t->g[0].name, sizeof(t->g[0].name), "%s", label);
	return 0;
}

static int open_nl(struct mlab_nl *nl)
{
	return cli_nl_open(nl) < 0 ? -1 : 0;
}

/*
 * A command's GROUP argument, and nothing after it unless more: the number
 * of words the group took, or minus the exit status.
 */
static int parse_group_args(const struct cmd *self, int argc, char **argv,
			    struct mlab_group_ref *ref, bool more)
{
	int n;

	if (argc < 1)
		return -cmd_usage_error(self, "missing GROUP");
	n = group_ref_parse(argc, argv, ref);
	if (n < 0)
		return -EXIT_FAIL;
	if (!more && argc > n)
		return -cmd_usage_error(self, "unexpected argument '%s'", argv[n]);
	return n;
}

/* A command that takes just GROUP: parse it and open the socket. */
static int start_group_only(const struct cmd *self, int argc, char **argv,
			    struct mlab_group_ref *ref, struct mlab_nl *nl)
{
	int n = parse_group_args(self, argc, argv, ref, false);

	if (n > 0 && open_nl(nl))
		return -EXIT_FAIL;
	return n;
}

static int do_show(const struct cmd *self, int argc, char **argv)
{
	struct mlab_group_ref ref;
	struct mlab_group_info gi;
	struct mlab_nl nl;
	int n, ret;

	n = start_group_only(self, argc, argv, &ref, &nl);
	if (n < 0)
		return -n;
	ret = cli_nl_report(&nl, mlab_nl_group_get(&nl, &ref, &gi), argv[n - 1]);
	mlab_nl_close(&nl);
	if (ret)
		return EXIT_FAIL;
	print_group_info(&gi, n == 1 ? argv[0] : NULL);
	return EXIT_OK;
}

void print_group_ident(const struct mlab_group_info *gi, uint32_t max_depth,
		       const char *fmt, bool hier)
{
	char name[300];
	int indent = 2 * (int)(gi->depth > max_depth ? max_depth : gi->depth);

	snprintf(name, sizeof(name), "%*s%s", indent, "", gi->name);
	print_str(PRINT_TEXT, NULL, fmt, name);
	print_str(PRINT_JSON, "name", NULL, gi->name);
	if (hier)
		print_u64(PRINT_JSON, "hier", NULL, gi->hier);
	print_u64(PRINT_JSON, "id", NULL, gi->id);
	print_u64(PRINT_JSON, "parent_id", NULL, gi->parent_id);
	print_u64(PRINT_JSON, "depth", NULL, gi->depth);
}

static void print_tree_row(const struct mlab_group_info *gi)
{
	print_open_obj(NULL);
	print_group_ident(gi, 20, "%-24s", true);
	print_size(PRINT_ANY, "usage", " %8s", gi->usage);
	print_size(PRINT_ANY, "max", " %8s", gi->max);
	print_size(PRINT_ANY, "high", " %8s", gi->high);
	print_size(PRINT_ANY, "low", " %8s", gi->low);
	print_size(PRINT_ANY, "min", " %8s", gi->min);
	print_size(PRINT_ANY, "watermark", " %8s", gi->watermark);
	print_u64(PRINT_ANY, "failcnt", " %8llu", gi->failcnt);
	print_u64(PRINT_ANY, "events_max", " %8llu", gi->events[MLAB_EV_MAX]);
	print_nl();
	print_close_obj();
}

static int do_tree(const struct cmd *self, int argc, char **argv)
{
	struct group_tree t = { 0 };
	struct mlab_group_ref ref;
	struct mlab_nl nl;
	int n, ret;

	n = start_group_only(self, argc, argv, &ref, &nl);
	if (n < 0)
		return -n;
	ret = group_tree_collect(&nl, &ref, n == 1 ? argv[0] : NULL, argv[n - 1],
				 &t, argv[n - 1]);
	mlab_nl_close(&nl);
	if (ret) {
		group_tree_free(&t);
		return EXIT_FAIL;
	}
	print_text("%-24s %8s %8s %8s %8s %8s %8s %8s %8s\n", "GROUP", "USAGE",
		   "MAX", "HIGH", "LOW", "MIN", "PEAK", "FAILCNT", "MAXEV");
	print_open_arr(NULL);
	for (size_t i = 0; i < t.n; i++)
		print_tree_row(&t.g[i]);
	print_close_arr();
	group_tree_free(&t);
	return EXIT_OK;
}

static int do_set(const struct cmd *self, int argc, char **argv)
{
	static const char *const keys[] = {
		"max", "high", "low", "min", "soft_limit", NULL
	};
	struct mlab_limits lim = { 0 };
	uint64_t *fields[] = {
		&lim.max, &lim.high, &lim.low, &lim.min, &lim.soft_limit
	};
	struct mlab_group_ref ref;
	struct mlab_nl nl;
	int n, ret;

	n = parse_group_args(self, argc, argv, &ref, true);
	if (n < 0)
		return -n;
	for (int i = n; i < argc; i += 2) {
		int k = match_word(argv[i], keys);
		uint64_t v;

		if (k < 0)
			return cmd_usage_error(self, "%s key '%s'",
					       k == -2 ? "ambiguous" : "unknown",
					       argv[i]);
		if (i + 1 >= argc)
			return cmd_usage_error(self, "%s: missing SIZE", keys[k]);
		if (parse_size(argv[i + 1], &v, true))
			return cmd_usage_error(self, "%s: invalid size '%s'",
					       keys[k], argv[i + 1]);
		lim.mask |= 1u << k;
		*fields[k] = v;
	}
	if (!lim.mask)
		return cmd_usage_error(self, "nothing to set");
	if (open_nl(&nl))
		return EXIT_FAIL;
	ret = cli_nl_report(&nl, mlab_nl_group_set(&nl, &ref, &lim), argv[n - 1]);
	mlab_nl_close(&nl);
	return ret ? EXIT_FAIL : EXIT_OK;
}

static int do_reset(const struct cmd *self, int argc, char **argv)
{
	static const char *const keys[] = { "watermark", "failcnt", "all", NULL };
	static const uint32_t bits[] = {
		MEMCGLAB_RESET_WATERMARK, MEMCGLAB_RESET_FAILCNT,
		MEMCGLAB_RESET_WATERMARK | MEMCGLAB_RESET_FAILCNT,
	};
	struct mlab_group_ref ref;
	struct mlab_nl nl;
	uint32_t flags = 0;
	int n, ret;

	n = parse_group_args(self, argc, argv, &ref, true);
	if (n < 0)
		return -n;
	for (int i = n; i < argc; i++) {
		int k = match_word(argv[i], keys);

		if (k < 0)
			return cmd_usage_error(self, "%s counter '%s'",
					       k == -2 ? "ambiguous" : "unknown",
					       argv[i]);
		flags |= bits[k];
	}
	if (!flags)
		flags = bits[2];
	if (open_nl(&nl))
		return EXIT_FAIL;
	ret = cli_nl_report(&nl, mlab_nl_group_reset(&nl, &ref, flags), argv[n - 1]);
	mlab_nl_close(&nl);
	return ret ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd group_cmds[] = {
	{ .name = "show", .args = "GROUP",
	  .summary = "usage, limits, protection, watermark, failcnt, events of one group",
	  .run = do_show },
	{ .name = "tree", .args = "GROUP",
	  .summary = "the subtree below GROUP (pass the mount point for the whole hierarchy)",
	  .run = do_tree },
	{ .name = "set", .args = "GROUP { max | high | low | min | soft_limit } SIZE ...",
	  .summary = "set limits and protections (SIZE: bytes with K/M/G/T suffix, or max)",
	  .run = do_set },
	{ .name = "reset", .args = "GROUP [ watermark | failcnt | all ]",
	  .summary = "reset the watermark (to current usage) and/or failcnt (default: both)",
	  .run = do_reset },
	{ 0 }
};

const struct cmd group_cmd = {
	.name = "group",
	.summary = "inspect and configure groups",
	.help = "GROUP is a directory of a memcglab mount, or `id HIER:ID` where HIER is\n"
		"the mount's device number (stat -c %d) and ID the directory's inode\n"
		"number (stat -c %i).\n",
	.sub = group_cmds,
};
