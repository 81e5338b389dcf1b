// SPDX-License-Identifier: GPL-2.0
/*
 * `memcglab compare`: run scenarios on the lab (every policy) and on the real
 * memory controller (v2, and v1 where the kernel has it), print the targets
 * side by side per step, and decide agreement with the tolerance model of
 * docs/compare.md. An unexpected divergence makes the exit status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memcglab.h"
#include "scenario.h"

#define MAX_TARGETS 4

static const char *const lab_policies[] = { "strict", "batched", "locked" };

struct cmp_opts {
	const char *policy;	/* --policy: only this lab policy */
	bool headline;
	bool no_lab, no_memcg;
	unsigned int flavours;
	const char *plot;
};

struct run {
	struct target t;
	bool ok;			/* opened and ran */
	char skip[PATH_MAX + 128];	/* why not */
	struct step_result *res;
	int failed;			/* expectations failed */
};

struct flavour_result {
	const struct scenario *sc;
	bool v1;
	struct run runs[MAX_TARGETS];
	int nr_runs;
	int ref;			/* index of the reference run, -1 none */
};

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Zero versus non-zero agreement for counters the batch retry may bump. */
static bool counts_agree(uint64_t a, uint64_t b, bool near_limit)
{
	if (!a == !b)
		return true;
	return near_limit;
}

/* Whether two counts disagree; if so, say how in buf. */
static bool count_differs(char *buf, size_t len, const char *what, uint64_t a,
			  uint64_t b, bool near)
{
	if (counts_agree(a, b, near))
		return false;
	snprintf(buf, len, "%s %llu, reference %llu", what, (unsigned long long)a,
		 (unsigned long long)b);
	return true;
}

/*
 * The tolerance model (docs/compare.md). Returns NULL when the target's
 * result at this step agrees with the reference's, else why not (in buf).
 */
static const char *step_disagrees(const struct scenario *sc, const struct step *s,
				  const struct step_result *a, const struct step_result *b,
				  char *buf, size_t len)
{
	uint64_t slack = a->slack + b->slack;
	char x[32], y[32], z[32];

	if (!a->ran || !b->ran)
		return NULL;
	if (strcmp(a->killed, b->killed)) {
		snprintf(buf, len, "killed %.100s, reference killed %.100s", a->killed[0] ? a->killed : "none",
			 b->killed[0] ? b->killed : "none");
		return buf;
	}
	if (s->op == OP_CHECK && a->check_ok != b->check_ok) {
		snprintf(buf, len, "check %s here, %s on the reference",
			 a->check_ok ? "passes" : "fails", b->check_ok ? "passes" : "fails");
		return buf;
	}
	if (a->err != b->err) {
		bool refusal = s->op == OP_CHARGE &&
			       (a->err == 0 || a->err == -ENOMEM) &&
			       (b->err == 0 || b->err == -ENOMEM);
		bool border = refusal && absdiff(b->room, s->value) <= slack;

		/* "=> any": which of a together block's racers wins is up to the race. */
		if (!border && !(refusal && s->expect == EXPECT_ANY)) {
			snprintf(buf, len, "outcome %s, reference %s", outcome_name(a->err),
				 outcome_name(b->err));
			return buf;
		}
	}
	/*
	 * How far a refused charge got is compared for a lone charge; in a
	 * together block it is the race's, not the model's.
	 */
	if (s->op == OP_CHARGE && !s->block && a->err == -ENOMEM && b->err == -ENOMEM &&
	    absdiff(a->done, b->done) > slack) {
		snprintf(buf, len, "refused at %s, reference at %s (tolerance %s)",
			 format_size(a->done, x, sizeof(x)), format_size(b->done, y, sizeof(y)),
			 format_size(slack, z, sizeof(z)));
		return buf;
	}
	if (!a->have_stats || !b->have_stats)
		return NULL;
	/*
	 * A parked charge: the kernel charged page by page up to the limit
	 * before its task went to sleep, and finishes when woken at its own
	 * pace; the lab's charge is all or nothing. Until `wait` collects it,
	 * usage may differ by up to its size.
	 */
	if (absdiff(a->st.usage, b->st.usage) > slack + (a->parked > b->parked ?
							  a->parked : b->parked)) {
		snprintf(buf, len, "usage %s, reference %s (tolerance %s)",
			 format_size(a->st.usage, x, sizeof(x)),
			 format_size(b->st.usage, y, sizeof(y)), format_size(slack, z, sizeof(z)));
		return buf;
	}
	if ((a->st.has & b->st.has & TGT_HAS_LIMIT) && a->st.limit != b->st.limit) {
		snprintf(buf, len, "limit %s, reference %s",
			 format_size(a->st.limit, x, sizeof(x)),
			 format_size(b->st.limit, y, sizeof(y)));
		return buf;
	}
	if (!a->peak_dirty && !b->peak_dirty && (a->st.has & b->st.has & TGT_HAS_PEAK) &&
	    absdiff(a->st.peak, b->st.peak) > slack) {
		snprintf(buf, len, "peak %s, reference %s (tolerance %s)",
			 format_size(a->st.peak, x, sizeof(x)),
			 format_size(b->st.peak, y, sizeof(y)), format_size(slack, z, sizeof(z)));
		return buf;
	}
	{
		/* Within a batch of the limit, a batched charge may fail and retry. */
		uint64_t lim = b->st.limit;
		uint64_t top = a->st.peak > b->st.peak ? a->st.peak : b->st.peak;
		bool near = a->peak_dirty || b->peak_dirty ||
			    (lim != TGT_UNLIMITED && top + slack >= lim);

		if ((a->st.has & b->st.has & TGT_HAS_FAILCNT) &&
		    count_differs(buf, len, "failcnt", a->st.failcnt, b->st.failcnt, near))
			return buf;
		if ((a->st.has & b->st.has & TGT_HAS_EVENTS) &&
		    count_differs(buf, len, "max events", a->st.ev_max, b->st.ev_max, near))
			return buf;
	}
	/*
	 * Where kills are real, both count them the same (docs/compare.md),
	 * but for memory.oom.group's victim: the kernel counts it again only
	 * if it has not exited before the group walk reaches it.
	 */
	if (sc->oom_kill &&
	    absdiff(a->st.oom_kill, b->st.oom_kill) >
	    (a->st.ev_oom_group_kill > b->st.ev_oom_group_kill ?
	     a->st.ev_oom_group_kill : b->st.ev_oom_group_kill)) {
		snprintf(buf, len, "oom_kill %llu, reference %llu",
			 (unsigned long long)a->st.oom_kill, (unsigned long long)b->st.oom_kill);
		return buf;
	}
	if (sc->oom_kill && (a->st.has & b->st.has & TGT_HAS_EVENTS) &&
	    a->st.ev_oom_group_kill != b->st.ev_oom_group_kill) {
		snprintf(buf, len, "oom_group_kill %llu, reference %llu",
			 (unsigned long long)a->st.ev_oom_group_kill,
			 (unsigned long long)b->st.ev_oom_group_kill);
		return buf;
	}
	if (sc->oom_kill && count_differs(buf, len, "oom events", a->st.ev_oom,
					  b->st.ev_oom, false))
		return buf;
	return NULL;
}

static void open_and_run(struct run *r, const struct scenario *sc,
			 const struct tgt_config *cfg)
{
	int ret;

	ret = target_open(&r->t, cfg);
	if (ret) {
		tgt_fmt(r->skip, sizeof(r->skip), "%s", r->t.err);
		if (ret != -EOPNOTSUPP)
			err("%s: %s", r->t.name, r->t.err);
		return;
	}
	r->res = calloc(sc->nr_steps, sizeof(*r->res));
	if (!r->res) {
		target_close(&r->t);
		snprintf(r->skip, sizeof(r->skip), "out of memory");
		return;
	}
	r->failed = scenario_exec(&r->t, sc, r->res);
	target_close(&r->t);
	r->ok = true;
}

static void run_flavour(struct flavour_result *fr, const struct cmp_opts *co)
{
	struct tgt_config cfg = { .v1 = fr->v1, .file_charges = fr->sc->file_charges,
				  .oom_kill = fr->sc->oom_kill,
				  .concurrent = fr->sc->concurrent };

	fr->nr_runs = 0;
	fr->ref = -1;
	if (!co->no_memcg) {
		cfg.kind = TGT_MEMCG;
		open_and_run(&fr->runs[fr->nr_runs++], fr->sc, &cfg);
	}
	if (!co->no_lab) {
		cfg.kind = TGT_LAB;
		for (size_t i = 0; i < ARRAY_SIZE(lab_policies); i++) {
			cfg.policy = co->policy ? co->policy : lab_policies[i];
			open_and_run(&fr->runs[fr->nr_runs++], fr->sc, &cfg);
			if (co->policy)
				break;
		}
	}
	/* The real kernel is the reference; without it, the strict lab. */
	for (int i = 0; i < fr->nr_runs; i++) {
		if (fr->runs[i].ok) {
			fr->ref = i;
			break;
		}
	}
}

/* Print one flavour's table; returns the number of unexpected problems. */
static int report_flavour(const struct flavour_result *fr, char *kver)
{
	const struct scenario *sc = fr->sc;
	const struct divergence *exp = scenario_expected_divergence(sc, fr->v1);
	const struct run *ref = fr->ref >= 0 ? &fr->runs[fr->ref] : NULL;
	int diverged = 0, failed = 0, problems;
	char why[256];

	print_open_obj(NULL);
	print_str(PRINT_ANY, "flavour", "\n== %s", fr->v1 ? "v1" : "v2");
	print_str(PRINT_ANY, "kernel", " on %s", kver);
	print_str(PRINT_ANY, "reference", ", reference %s ==\n",
		  ref ? ref->t.name : "none");
	print_open_arr("skipped");
	for (int i = 0; i < fr->nr_runs; i++) {
		if (fr->runs[i].ok)
			continue;
		print_open_obj(NULL);
		print_str(PRINT_ANY, "target", "  skipped %s: ", fr->runs[i].t.name);
		print_str(PRINT_ANY, "reason", "%s\n", fr->runs[i].skip);
		print_close_obj();
	}
	print_close_arr();
	print_open_arr("steps");
	for (size_t k = 0; ref && k < sc->nr_steps; k++) {
		const struct step *s = &sc->steps[k];
		char verdict[MAX_TARGETS][300];
		bool trouble = false;

		if (!ref->res[k].ran)
			continue;
		/* Every row judged first: one in trouble explains them all. */
		for (int i = 0; i < fr->nr_runs; i++) {
			const struct run *r = &fr->runs[i];
			const char *d = NULL;
			bool fail;

			if (!r->ok)
				continue;	/* skipped: no results */
			fail = r->res[k].ran && !r->res[k].check_ok;
			if (r != ref)
				d = step_disagrees(sc, s, &r->res[k], &ref->res[k], why, sizeof(why));
			failed += fail;
			diverged += !!d;
			trouble |= fail || d;
			snprintf(verdict[i], sizeof(verdict[i]), "%s%s%s",
				 r == ref ? "(reference)" : d ? "DIVERGES: " : "agrees",
				 d ? d : "", fail ? " [expectation failed]" : "");
		}
		print_open_obj(NULL);
		print_u64(PRINT_ANY, "line", "\nline %llu: ", (uint64_t)s->line);
		print_str(PRINT_ANY, "step", "%s\n", s->text);
		scenario_print_header("target");
		print_open_arr("rows");
		for (int i = 0; i < fr->nr_runs; i++)
			if (fr->runs[i].ok)
				scenario_print_row(fr->runs[i].t.name, s, &fr->runs[i].res[k],
						   verdict[i], trouble);
		print_close_arr();
		print_close_obj();
	}
	print_close_arr();
	problems = diverged + failed;
	print_u64(PRINT_ANY, "divergences", "-- %llu step divergence(s)", (uint64_t)diverged);
	print_u64(PRINT_ANY, "failed_expectations", ", %llu failed expectation(s)",
		  (uint64_t)failed);
	if (!ref) {
		print_str(PRINT_ANY, "result", ": %s\n", "SKIP (no target available)");
	} else if (problems && exp) {
		print_str(PRINT_ANY, "result", ": %s", "expected divergence");
		print_str(PRINT_ANY, "reason", " (%s)\n", exp->reason);
		problems = 0;
	} else if (problems) {
		print_str(PRINT_ANY, "result", ": %s\n", "UNEXPECTED DIVERGENCE");
	} else {
		print_str(PRINT_ANY, "result", ": %s", "agree");
		if (exp)
			print_str(PRINT_ANY, "note", " (marked divergence did not occur: %s)",
				  exp->reason);
		print_nl();
	}
	print_close_obj();
	return problems;
}

/* ---- the SVG chart: usage of the plot group per step, one line per target ---- */

static const char *const colours[] = { "#d62728", "#1f77b4", "#2ca02c", "#9467bd",
				       "#ff7f0e", "#8c564b" };

static void plot_chart(FILE *f, const struct flavour_result *fr, double y0)
{
	const double W = 760, H = 300, L = 70, R = 170, T = 30, B = 40;
	const struct scenario *sc = fr->sc;
	uint64_t ymax = 1 << 20;
	size_t n = sc->nr_steps;
	char sz[32];

	for (int i = 0; i < fr->nr_runs; i++)
		for (size_t k = 0; fr->runs[i].ok && k < n; k++)
			if (fr->runs[i].res[k].have_plot && fr->runs[i].res[k].plot_usage > ymax)
				ymax = fr->runs[i].res[k].plot_usage;
	ymax += ymax / 10;
	fprintf(f, "<g transform=\"translate(0,%.0f)\">\n", y0);
	fprintf(f, "<text x=\"%.0f\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s (%s): usage of %s per step</text>\n",
		L, sc->name, fr->v1 ? "v1" : "v2", sc->plot_group);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n",
		L, T, W - L - R, H - T - B);
	for (int g = 0; g <= 4; g++) {
		double y = H - B - (H - T - B) * g / 4.0;

		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			L, y, W - R, y);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			L - 5, y + 4, format_size(ymax * g / 4, sz, sizeof(sz)));
	}
	for (size_t k = 0; k < n; k++) {
		double x = L + (W - L - R) * (n > 1 ? (double)k / (double)(n - 1) : 0.5);

		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\">%d</text>\n",
			x, H - B + 14, sc->steps[k].line);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">scenario line</text>\n",
		(L + W - R) / 2, H - 8);
	for (int i = 0; i < fr->nr_runs; i++) {
		const struct run *r = &fr->runs[i];
		const char *c = colours[i % 6];

		if (!r->ok)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%d\"%s points=\"",
			c, i == fr->ref ? 3 : 2, i == fr->ref ? "" : " stroke-dasharray=\"6,3\"");
		for (size_t k = 0; k < n; k++) {
			double x = L + (W - L - R) * (n > 1 ? (double)k / (double)(n - 1) : 0.5);
			double y;

			if (!r->res[k].have_plot)
				continue;
			y = H - B - (H - T - B) * (double)r->res[k].plot_usage / (double)ymax;
			fprintf(f, "%.1f,%.1f ", x, y);
		}
		fprintf(f, "\"/>\n");
		fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"3\"/>\n",
			W - R + 10, T + 10 + 18.0 * i, W - R + 30, T + 10 + 18.0 * i, c);
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">%s</text>\n",
			W - R + 35, T + 14 + 18.0 * i, r->t.name);
	}
	fprintf(f, "</g>\n");
}

static int write_plot(const char *path, struct flavour_result *frs, int nr)
{
	double h = 300;
	FILE *f = fopen(path, "we");

	if (!f) {
		err("%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%.0f\" "
		"font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		h * (nr ? nr : 1));
	for (int i = 0; i < nr; i++)
		plot_chart(f, &frs[i], h * i);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		err("%s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* ---- files and the command ---- */

static int add_path(char ***files, size_t *n, const char *p)
{
	char **v = realloc(*files, (*n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*files = v;
	v[*n] = strdup(p);
	if (!v[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FILE, or every *.scn in DIR (sorted). */
static int collect(char ***files, size_t *n, const char *arg)
{
	struct dirent *de;
	struct stat stbuf;
	size_t first = *n;
	char p[PATH_MAX + 256];
	DIR *d;

	if (stat(arg, &stbuf)) {
		err("%s: %s", arg, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(stbuf.st_mode))
		return add_path(files, n, arg);
	d = opendir(arg);
	if (!d) {
		err("%s: %s", arg, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".scn")) {
			snprintf(p, sizeof(p), "%s/%s", arg, de->d_name);
			if (add_path(files, n, p)) {
				closedir(d);
				return -ENOMEM;
			}
		}
	}
	closedir(d);
	qsort(*files + first, *n - first, sizeof(**files), cmp_str);
	return 0;
}

static void free_flavour(struct flavour_result *fr)
{
	for (int i = 0; i < fr->nr_runs; i++)
		free(fr->runs[i].res);
}

static int do_compare(const struct cmd *self, int argc, char **argv)
{
	struct cmp_opts co = { .flavours = FL_ALL };
	struct flavour_result *frs = NULL;
	struct scenario *scs = NULL;
	size_t nr_files = 0, nr_sc = 0;
	int nr_fr = 0, problems = 0, agreed = 0, expected = 0, skipped = 0, ret = EXIT_OK;
	char **files = NULL, kver[128];
	int maj, min;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--headline")) {
			co.headline = true;
		} else if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
			co.plot = argv[++i];
		} else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			co.policy = argv[++i];
		} else if (!strcmp(argv[i], "--v1")) {
			co.flavours = FL_V1;
		} else if (!strcmp(argv[i], "--v2")) {
			co.flavours = FL_V2;
		} else if (!strcmp(argv[i], "--no-lab")) {
			co.no_lab = true;
		} else if (!strcmp(argv[i], "--no-memcg")) {
			co.no_memcg = true;
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(self, "unknown option '%s'", argv[i]);
		} else if (collect(&files, &nr_files, argv[i])) {
			ret = EXIT_FAIL;
			goto out;
		}
	}
	if (!nr_files)
		return cmd_usage_error(self, "missing FILE or DIR");
	kernel_version(&maj, &min, kver, sizeof(kver));
	scs = calloc(nr_files, sizeof(*scs));
	frs = calloc(nr_files * 2, sizeof(*frs));
	if (!scs || !frs) {
		err("out of memory");
		ret = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < nr_files; i++) {
		if (scenario_load(files[i], &scs[nr_sc]))
			problems++;
		else
			nr_sc++;
	}
	/*
	 * All of v2 first, then all of v1: once cgroup v2 has used the memory
	 * controller, v1 usually cannot have it again in this boot (and the
	 * other way round), so the flavour the other tests need goes first.
	 */
	print_open_arr(NULL);
	for (int v1 = 0; v1 <= 1; v1++) {
		unsigned int fl = v1 ? FL_V1 : FL_V2;

		for (size_t i = 0; i < nr_sc; i++) {
			struct scenario *sc = &scs[i];
			struct flavour_result *fr = &frs[nr_fr];
			int p;

			if ((co.headline && !sc->headline) || !(sc->flavours & co.flavours & fl))
				continue;
			print_open_obj(NULL);
			print_str(PRINT_ANY, "scenario", "\n######## scenario %s", sc->name);
			print_str(PRINT_ANY, "file", " (%s)\n", sc->path);
			if (sc->describe[0])
				print_str(PRINT_ANY, "describe", "%s\n", sc->describe);
			fr->sc = sc;
			fr->v1 = v1;
			run_flavour(fr, &co);
			nr_fr++;
			print_open_arr("flavours");
			p = report_flavour(fr, kver);
			print_close_arr();
			print_close_obj();
			problems += p;
			if (fr->ref < 0)
				skipped++;
			else if (p)
				;
			else if (scenario_expected_divergence(sc, v1))
				expected++;
			else
				agreed++;
		}
	}
	print_close_arr();
	print_text("\nsummary: %d scenario flavour(s) agree, %d carry an expected-divergence marker, "
		   "%d skipped, %d problem(s)\n", agreed, expected, skipped, problems);
	if (co.plot && write_plot(co.plot, frs, nr_fr))
		ret = EXIT_FAIL;
	if (problems)
		ret = EXIT_FAIL;
out:
	for (int i = 0; i < nr_fr; i++)
		free_flavour(&frs[i]);
	for (size_t i = 0; i < nr_sc; i++)
		scenario_free(&scs[i]);
	for (size_t i = 0; i < nr_files; i++)
		free(files[i]);
	free(files);
	free(scs);
	free(frs);
	return ret;
}

const struct cmd compare_cmd = {
	.name = "compare",
	.args = "[--headline] [--v1|--v2] [--policy NAME] [--no-lab] [--no-memcg] [--plot FILE.svg] FILE|DIR...",
	.summary = "run scenarios on the lab and the real memcg, side by side",
	.help = "Runs each scenario (a .scn file, or every .scn in DIR) on the real memory\n"
		"controller (cgroup v2, and v1 where the kernel has it) and on the lab with\n"
		"each policy, prints every step's usage, limit, peak, failcnt, events and\n"
		"outcome per target, and judges agreement with the tolerance model of\n"
		"docs/compare.md. --headline keeps the scenarios marked `headline`.\n"
		"Exit status: 0 everything agrees (or diverges where the scenario says it\n"
		"will), 1 an unexpected divergence or failed expectation, 2 usage.\n",
	.run = do_compare,
};
