// SPDX-License-Identifier: GPL-2.0
/*
 * `memcglab charge` / `memcglab uncharge`: batched charge requests over
 * netlink. The socket owns what it charged; the kernel gives it all back when
 * the socket closes, i.e. when this process exits -- unless `hold` keeps the
 * process (and its charges) alive until SIGINT/SIGTERM. `charge -` reads
 * further requests from stdin, one per line, on the same socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/memcglab.h>

#include "memcglab.h"

struct batch {
	struct mlab_charge_req req[MEMCGLAB_CHARGE_MAX_ENTRIES];
	const char *label[MEMCGLAB_CHARGE_MAX_ENTRIES];
	unsigned int n;
	bool hold;
};

/*
 * Parse "GROUP [anon|file] SIZE [force] [count N]"... into b; sign -1 for uncharge. Sizes may be
 * negative ("-4K") to uncharge within a charge request. Returns 0 or a usage
 * error code.
 */
static int parse_entries(const struct cmd *self, int argc, char **argv,
			 int sign, struct batch *b)
{
	int i = 0;

	while (i < argc) {
		struct mlab_charge_req *r;
		const char *size;
		int neg = 1, n;
		uint64_t v;

		if (!strcmp(argv[i], "hold") || !strcmp(argv[i], "--hold")) {
			b->hold = true;
			i++;
			continue;
		}
		if (b->n >= MEMCGLAB_CHARGE_MAX_ENTRIES)
			return cmd_usage_error(self, "more than %u entries",
					       MEMCGLAB_CHARGE_MAX_ENTRIES);
		r = &b->req[b->n];
		memset(r, 0, sizeof(*r));
		n = group_ref_parse(argc - i, argv + i, &r->ref);
		if (n < 0)
			return EXIT_FAIL;
		b->label[b->n] = argv[i + n - 1];
		i += n;
		if (i < argc && !strcmp(argv[i], "anon")) {
			i++;
		} else if (i < argc && !strcmp(argv[i], "file")) {
			r->type = MEMCGLAB_CHARGE_TYPE_FILE;
			i++;
		}
		if (i >= argc)
			return cmd_usage_error(self, "%s: missing SIZE", argv[i - 1]);
		size = argv[i++];
		if (*size == '-') {
			neg = -1;
			size++;
		}
		if (parse_size(size, &v, false) || !v || v > INT64_MAX)
			return cmd_usage_error(self, "invalid size '%s'", argv[i - 1]);
		r->delta = (int64_t)v * neg * sign;
		r->count = 1;
		if (i < argc && !strcmp(argv[i], "force")) {
			r->force = true;
			i++;
		}
		if (i + 1 < argc && !strcmp(argv[i], "count")) {
			uint64_t c;

			if (parse_u64(argv[i + 1], &c) || !c ||
			    c > MEMCGLAB_CHARGE_MAX_COUNT)
				return cmd_usage_error(self, "invalid count '%s' (1..%u)",
						       argv[i + 1],
						       MEMCGLAB_CHARGE_MAX_COUNT);
			r->count = (uint32_t)c;
			i += 2;
		}
		b->n++;
	}
	return EXIT_OK;
}

static void print_result(const struct mlab_charge_req *r, const char *label)
{
	char sz[32];
	uint64_t abs = r->delta < 0 ? -(uint64_t)r->delta : (uint64_t)r->delta;

	print_open_obj(NULL);
	print_str(PRINT_ANY, "group", "%s: ", label);
	print_u64(PRINT_JSON, "hier", NULL, r->ref.hier);
	print_u64(PRINT_JSON, "id", NULL, r->ref.id);
	print_s64(PRINT_JSON, "delta", NULL, r->delta);
	print_str(PRINT_JSON, "type", NULL,
		  r->type == MEMCGLAB_CHARGE_TYPE_FILE ? "file" : "anon");
	print_text("%s %s%s", r->delta < 0 ? "uncharge" : "charge",
		   r->type == MEMCGLAB_CHARGE_TYPE_FILE ? "file " : "",
		   format_size(abs, sz, sizeof(sz)));
	print_u64(PRINT_ANY, "count", r->count > 1 ? " x%llu" : NULL, r->count);
	print_u64(PRINT_ANY, "done", r->count > 1 ? ": %llu done" : NULL, r->done);
	print_bool(PRINT_JSON, "ok", NULL, !r->error);
	if (r->error) {
		print_s64(PRINT_JSON, "errno", NULL, -r->error);
		print_str(PRINT_ANY, "error", ": %s", strerror(-r->error));
	} else {
		print_text(": ok");
	}
	print_size(PRINT_ANY, "usage", " (usage %s", r->usage);
	print_size(PRINT_ANY, "held", ", held %s)", r->held);
	print_nl();
	print_close_obj();
}

/* Send b as one request and print the per-entry results. */
static int run_batch(struct mlab_nl *nl, struct batch *b)
{
	bool failed = false;

	if (cli_nl_report(nl, mlab_nl_charge(nl, b->req, b->n), b->label[0]) < 0)
		return EXIT_FAIL;
	print_open_arr(NULL);
	for (unsigned int i = 0; i < b->n; i++) {
		print_result(&b->req[i], b->label[i]);
		failed |= b->req[i].error != 0;
	}
	print_close_arr();
	print_flush();
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* The signals that end `hold`. */
static void hold_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Wait for SIGINT/SIGTERM/SIGHUP, which charge_main() blocked before
 * charging: a signal sent as soon as the charge shows in memory.current
 * must release it, not kill the process on the way to sigwait().
 */
static int hold(void)
{
	sigset_t set;
	int sig;

	hold_signals(&set);
	fprintf(stderr, "memcglab: holding charges (pid %d); SIGINT/SIGTERM releases them\n",
		(int)getpid());
	print_flush();
	sigwait(&set, &sig);
	return EXIT_OK;
}

/* `charge -`: each stdin line is "[charge|uncharge] ENTRIES..." */
static int run_stdin(const struct cmd *self, struct mlab_nl *nl, struct batch *b)
{
	static const char *const verbs[] = { "charge", "uncharge", NULL };
	char line[4096];
	int ret = EXIT_OK;

	while (fgets(line, sizeof(line), stdin)) {
		char *argv[64], *save = NULL, *w;
		int argc = 0, sign = 1, k, r;

		for (w = strtok_r(line, " \t\n", &save); w && argc < 64;
		     w = strtok_r(NULL, " \t\n", &save))
			argv[argc++] = w;
		if (!argc || argv[0][0] == '#')
			continue;
		k = match_word(argv[0], verbs);
		if (k >= 0) {
			sign = k ? -1 : 1;
			memmove(argv, argv + 1, --argc * sizeof(*argv));
		}
		b->n = 0;
		r = parse_entries(self, argc, argv, sign, b);
		if (r == EXIT_OK && b->n)
			r = run_batch(nl, b);
		if (r != EXIT_OK)
			ret = r == EXIT_USAGE && ret == EXIT_OK ? EXIT_USAGE : EXIT_FAIL;
	}
	return ret;
}

static int charge_main(const struct cmd *self, int argc, char **argv, int sign)
{
	struct batch *b = calloc(1, sizeof(*b));
	bool from_stdin = false;
	struct mlab_nl nl;
	int ret;

	if (!b)
		return EXIT_FAIL;
	if (argc > 0 && !strcmp(argv[0], "-")) {
		from_stdin = true;
		argc--;
		argv++;
	}
	ret = parse_entries(self, argc, argv, sign, b);
	if (ret != EXIT_OK)
		goto out;
	if (!b->n && !from_stdin) {
		ret = cmd_usage_error(self, "missing GROUP SIZE");
		goto out;
	}
	if (cli_nl_open(&nl) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (b->hold) {
		sigset_t set;

		hold_signals(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	if (from_stdin)
		ret = run_stdin(self, &nl, b);
	else
		ret = run_batch(&nl, b);
	if (b->hold)
		hold();
	mlab_nl_close(&nl);
out:
	free(b);
	return ret;
}

static int do_charge(const struct cmd *self, int argc, char **argv)
{
	return charge_main(self, argc, argv, 1);
}

static int do_uncharge(const struct cmd *self, int argc, char **argv)
{
	return charge_main(self, argc, argv, -1);
}

#define CHARGE_HELP \
	"Each GROUP SIZE pair is one entry of a single batched request; `count N`\n" \
	"repeats the entry N times (e.g. 1G in 4K steps: GROUP 4K count 262144).\n" \
	"`file` before SIZE charges reclaimable page cache (reclaim may take it\n" \
	"back; uncharging it gives back only what is left), `anon` (the default)\n" \
	"anonymous memory.\n" \
	"A negative SIZE uncharges; `force` charges past the limits (the kernel's\n" \
	"__GFP_NOFAIL charge: never refused). Charges belong to this process's netlink\n" \
	"socket and are returned when it exits: without `hold` a charge is a probe\n" \
	"(\"would it fit?\"); with `hold` the process keeps them until SIGINT or\n" \
	"SIGTERM. `-` reads more requests from stdin, one per line, each\n" \
	"`[charge|uncharge] GROUP [anon|file] SIZE [count N]...`, all on the same socket, so\n" \
	"later lines can uncharge what earlier lines charged. Exit status 1 when\n" \
	"any entry failed.\n"

const struct cmd charge_cmd = {
	.name = "charge",
	.args = "[-] { GROUP [anon|file] SIZE [force] [count N] }... [hold]",
	.summary = "charge SIZE bytes (rounded up to pages) to groups over netlink",
	.help = CHARGE_HELP,
	.run = do_charge,
};

const struct cmd uncharge_cmd = {
	.name = "uncharge",
	.args = "[-] { GROUP [anon|file] SIZE [count N] }... [hold]",
	.summary = "uncharge what this process charged (see charge: same socket only)",
	.help = CHARGE_HELP,
	.run = do_uncharge,
};
