// SPDX-License-Identifier: GPL-2.0
/* memcglab CLI: global options, the object table and the command dispatcher. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "memcglab.h"

struct options opts;

/* The objects, in help order. One line per object; see memcglab.h. */
static const struct cmd *const objects[] = {
	&group_cmd,
	&charge_cmd,
	&uncharge_cmd,
	&monitor_cmd,
	&top_cmd,
	&scenario_cmd,
	&compare_cmd,
	&run_cmd,
	&bench_cmd,
	&policy_cmd,
	&trace_cmd,
	NULL,
};

void err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memcglab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

int match_word(const char *arg, const char *const *words)
{
	size_t len = strlen(arg);
	int found = -1;

	if (!len)
		return -1;
	for (int i = 0; words[i]; i++) {
		if (!strcmp(arg, words[i]))
			return i;
		if (!strncmp(arg, words[i], len))
			found = found == -1 ? i : -2;
	}
	return found;
}

/*
 * match_word() over the names of a command table: the objects (tab, an
 * array of pointers) or an object's commands (sub, an array).
 */
static const struct cmd *match_cmd(const char *arg, const struct cmd *const *tab,
				   const struct cmd *sub, bool *ambiguous)
{
	const char *names[32];
	int n, i;

	for (n = 0; n < 31 && (tab ? tab[n] != NULL : sub[n].name != NULL); n++)
		names[n] = tab ? tab[n]->name : sub[n].name;
	names[n] = NULL;
	i = match_word(arg, names);
	*ambiguous = i == -2;
	if (i < 0)
		return NULL;
	return tab ? tab[i] : &sub[i];
}

static void print_cmd_list(FILE *f, const struct cmd *const *tab)
{
	for (int i = 0; tab[i]; i++)
		fprintf(f, "  %-10s %s\n", tab[i]->name,
			tab[i]->summary ? tab[i]->summary : "");
}

void cmd_print_help(const struct cmd *self, FILE *f)
{
	if (self->sub) {
		fprintf(f, "Usage: memcglab %s COMMAND [ARGS]\n       memcglab %s help\n\n",
			self->name, self->name);
		if (self->summary)
			fprintf(f, "%s\n\n", self->summary);
		fputs("Commands:\n", f);
		for (const struct cmd *c = self->sub; c->name; c++)
			fprintf(f, "  %s %s%s%s\n      %s\n", self->name, c->name,
				c->args ? " " : "", c->args ? c->args : "",
				c->summary ? c->summary : "");
	} else {
		fprintf(f, "Usage: memcglab %s%s%s\n", self->name,
			self->args ? " " : "", self->args ? self->args : "");
		if (self->summary)
			fprintf(f, "\n%s\n", self->summary);
	}
	if (self->help)
		fprintf(f, "\n%s", self->help);
}

int cmd_usage_error(const struct cmd *self, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "memcglab %s: ", self->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: memcglab %s%s%s\n", self->name,
		self->args ? " " : "", self->args ? self->args : "");
	return EXIT_USAGE;
}

static void usage(FILE *f)
{
	fputs("Usage: memcglab [OPTIONS] OBJECT COMMAND [ARGS]\n"
	      "       memcglab help | OBJECT help | OBJECT COMMAND help\n\n"
	      "Options:\n"
	      "  -j, --json     JSON output\n"
	      "  -p, --pretty   indent JSON output (with -j)\n"
	      "  -v, --verbose  more detail\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help     this help\n\n"
	      "Objects:\n", f);
	print_cmd_list(f, objects);
	fputs("\nGroups are named by path (a directory of a memcglab mount) or by\n"
	      "`id HIER:ID` (HIER = st_dev of the mount, ID = inode number).\n"
	      "Prefixes are accepted where unambiguous. Exit status: 0 ok, 1 the\n"
	      "operation failed, 2 usage error. See memcglab(8).\n", f);
}

/*
 * A leaf command gets its own help for `help`, `-h` or `--help` as the first
 * argument; an object with sub-commands dispatches once more.
 */
static int dispatch(const struct cmd *obj, int argc, char **argv)
{
	const struct cmd *c;
	bool ambiguous;

	if (obj->run) {
		if (argc > 0 && is_help(argv[0])) {
			cmd_print_help(obj, stdout);
			return EXIT_OK;
		}
		return obj->run(obj, argc, argv);
	}
	if (argc < 1 || is_help(argv[0])) {
		cmd_print_help(obj, argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	c = match_cmd(argv[0], NULL, obj->sub, &ambiguous);
	if (!c) {
		err("%s: %s command '%s'; try `memcglab %s help`", obj->name,
		    ambiguous ? "ambiguous" : "unknown", argv[0], obj->name);
		return EXIT_USAGE;
	}
	if (argc > 1 && is_help(argv[1])) {
		printf("Usage: memcglab %s %s%s%s\n", obj->name, c->name,
		       c->args ? " " : "", c->args ? c->args : "");
		if (c->summary)
			printf("\n%s\n", c->summary);
		if (c->help)
			printf("\n%s", c->help);
		return EXIT_OK;
	}
	{
		/* Let the leaf name itself fully in usage errors. */
		char name[64];
		struct cmd leaf = *c;

		snprintf(name, sizeof(name), "%s %s", obj->name, c->name);
		leaf.name = name;
		return c->run(&leaf, argc - 1, argv + 1);
	}
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const struct cmd *obj;
	bool ambiguous;
	int opt, ret;

	/* '+': stop at the first non-option so command arguments stay intact. */
	while ((opt = getopt_long(argc, argv, "+jpvVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.pretty = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'V':
			printf("memcglab %s\n", MEMCGLAB_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[0])) {
		usage(stdout);
		return EXIT_OK;
	}
	obj = match_cmd(argv[0], objects, NULL, &ambiguous);
	if (!obj) {
		err("%s object '%s'; try `memcglab help`",
		    ambiguous ? "ambiguous" : "unknown", argv[0]);
		return EXIT_USAGE;
	}
	print_init(stdout);
	ret = dispatch(obj, argc - 1, argv + 1);
	print_finish();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err("writing output: %s", strerror(errno));
		if (!ret)
			ret = EXIT_FAIL;
	}
	return ret;
}
