// SPDX-License-Identifier: GPL-2.0
/*
 * trace_replay.c - `memcglab trace replay`: feed a recorded charge stream
 * (docs/trace.md) into a lab mount per policy and set what the lab did
 * beside what the kernel did, agreement decided by compare's tolerance
 * model (docs/compare.md).
 *
 * Replay is at request level: each recorded charge request is one charge
 * of its size through the lab's policy, on the CPU it was made on (the
 * replayer moves itself there), so a policy's own stock decides; each
 * uncharge request (freed pages, pages put into the stock) one uncharge.
 * The kernel's stock drains and reclaim are its own business and are not
 * replayed.  One charger per group holds what the group was charged.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memcglab.h"
#include "target.h"
#include "trace.h"

#define REPLAY_MAX_POLICIES 16
#define REPLAY_PLOT_POINTS 400
#define REPLAY_ROOT "rec"

struct greplay {
	uint64_t held, owed;	/* pages */
	struct tgt_stats st;
	uint64_t slack;
	/*
	 * The usages compared: the kernel's and the lab's at the group's
	 * `s` event (the end of a version 2 recording), else at the end.
	 */
	uint64_t k_usage, usage;
	bool at_stop;
	bool usage_ok, peak_ok;
};

struct prun {
	char policy[MEMCGLAB_POLICY_NAME_MAX];
	int ret;
	char err[PATH_MAX + 128];
	uint64_t charges, refused, refused_too, accepted_refusal, clamped, cost_ns;
	uint64_t stock_hits;	/* the lab's: charges its counters did not see */
	struct greplay *g;
	uint64_t *plot;		/* usage of the plot group per sample */
	size_t nplot;
	bool agrees;
};

struct replay {
	const char *path;
	struct trace tr;
	double speed;		/* 0: as fast as possible */
	const char *plot;
	int plot_group;
	size_t plot_every;
	unsigned int ncpus;
	struct prun runs[REPLAY_MAX_POLICIES];
	int nruns;
};

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void lab_group(const struct trace *tr, size_t g, char *buf, size_t len)
{
	if (!g)
		tgt_fmt(buf, len, REPLAY_ROOT);
	else
		tgt_fmt(buf, len, REPLAY_ROOT "/%s", tr->groups[g].path);
}

/*
 * The lab's stock hits over the replayed subtree: charges the policy served
 * without raising the charged group's counter (memory.stat
 * lab_charge_from_stock, docs/files.md), as the kernel's consume_stock()
 * serves them. 0 or -errno.
 */
static int lab_stock_hits(struct target *t, const struct trace *tr, uint64_t *hits)
{
	const char *key = tr->v1 ? "total_lab_charge_from_stock" : "lab_charge_from_stock";
	char grp[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16];
	int ret;

	lab_group(tr, 0, grp, sizeof(grp));
	tgt_group_path(t, grp, dir, sizeof(dir));
	tgt_fmt(path, sizeof(path), "%s/memory.stat", dir);
	ret = mlab_read_key(path, key, hits);
	if (ret)
		return tgt_fail(t, ret, "%s: %s: %s", path, key, strerror(-ret));
	return 0;
}

static void move_to_cpu(unsigned int cpu, int *cur)
{
	cpu_set_t set;

	if ((int)cpu == *cur)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!sched_setaffinity(0, sizeof(set), &set))
		*cur = (int)cpu;
}

/* Groups in the subtree of g, g included. */
static unsigned int subtree_size(const struct trace *tr, size_t g)
{
	unsigned int n = 0;

	for (size_t i = 0; i < tr->nr_groups; i++)
		for (int p = (int)i; p >= 0; p = tr->groups[p].parent)
			if ((size_t)p == g) {
				n++;
				break;
			}
	return n;
}

static int setup(struct target *t, const struct trace *tr, struct prun *pr)
{
	static const enum tgt_knob knobs[] = { TGT_KNOB_MAX, TGT_KNOB_HIGH, TGT_KNOB_LOW,
					       TGT_KNOB_MIN };
	char grp[PATH_MAX + 8], name[32];
	struct tgt_charge_res res;
	int ret;

	for (size_t g = 0; g < tr->nr_groups; g++) {
		const struct trace_group *tg = &tr->groups[g];
		uint64_t vals[] = { tg->max, tg->high, tg->low, tg->min };
		uint64_t defs[] = { TRACE_UNLIMITED, TRACE_UNLIMITED, 0, 0 };

		lab_group(tr, g, grp, sizeof(grp));
		ret = target_mkdir(t, grp);
		if (ret)
			return ret;
		for (size_t k = 0; k < 4; k++) {
			if (vals[k] == defs[k])
				continue;
			ret = target_set(t, grp, knobs[k],
					 vals[k] == TRACE_UNLIMITED ? TGT_UNLIMITED : vals[k]);
			if (ret)
				return ret;
		}
	}
	/* what the groups held when the recording began */
	for (size_t g = 0; g < tr->nr_groups; g++) {
		uint64_t own = tr->groups[g].usage;

		for (size_t c = 0; c < tr->nr_groups; c++)
			if (tr->groups[c].parent == (int)g)
				own -= own >= tr->groups[c].usage ? tr->groups[c].usage : own;
		if (!own)
			continue;
		lab_group(tr, g, grp, sizeof(grp));
		snprintf(name, sizeof(name), "g%zu", g);
		ret = target_charge(t, name, grp, false, own, &res);
		if (ret)
			return ret;
		pr->g[g].held = own / PAGE;
	}
	return 0;
}

static int replay_ev(struct target *t, const struct trace *tr, const struct trace_ev *e,
		     struct prun *pr)
{
	struct greplay *gr = &pr->g[e->group];
	char grp[PATH_MAX + 8], name[32];
	struct tgt_charge_res res;
	uint64_t n = e->nr, t0;
	int ret;

	snprintf(name, sizeof(name), "g%u", e->group);
	if (e->type == TEV_USAGE) {
		struct tgt_stats st = { 0 };

		lab_group(tr, e->group, grp, sizeof(grp));
		ret = target_stats(t, grp, &st);
		if (ret)
			return ret;
		gr->k_usage = e->usage * PAGE;
		gr->usage = st.usage;
		gr->at_stop = true;
		return 0;
	}
	if (e->type == TEV_CHARGE) {
		lab_group(tr, e->group, grp, sizeof(grp));
		t0 = ns_now();
		ret = target_charge(t, name, grp, false, n * PAGE, &res);
		pr->cost_ns += ns_now() - t0;
		pr->charges++;
		if (!ret && e->ret) {
			/* the kernel refused it: keep the streams in step */
			pr->accepted_refusal++;
			return target_uncharge(t, name, false, n * PAGE);
		}
		if (!ret) {
			gr->held += n;
		} else if (ret == -ENOMEM) {
			if (!e->ret) {
				pr->refused++;
				gr->owed += n;
			} else {
				pr->refused_too++;
			}
		} else {
			return ret;
		}
		return 0;
	}
	if (e->type != TEV_UNCHARGE || e->kind == TUNC_DRAIN)
		return 0;
	/* pages the lab refused to charge are not there to give back */
	t0 = gr->owed < n ? gr->owed : n;
	gr->owed -= t0;
	n -= t0;
	if (n > gr->held) {
		pr->clamped += n - gr->held;
		n = gr->held;
	}
	if (!n)
		return 0;
	gr->held -= n;
	return target_uncharge(t, name, false, n * PAGE);
}

static void judge(struct replay *rp, struct target *t, struct prun *pr)
{
	const struct trace *tr = &rp->tr;
	struct target model = { .ops = &tgt_memcg_ops, .ncpus = tr->cpus };

	pr->agrees = true;
	for (size_t g = 0; g < tr->nr_groups; g++) {
		const struct trace_group *tg = &tr->groups[g];
		struct greplay *gr = &pr->g[g];
		unsigned int n = subtree_size(tr, g);

		gr->slack = target_slack(t, n, n, 0, 0) + target_slack(&model, n, 0, 0, 0);
		if (!gr->at_stop) {
			gr->k_usage = tg->f_usage;
			gr->usage = gr->st.usage;
		}
		if (!tg->have_final) {
			gr->usage_ok = gr->peak_ok = true;
			continue;
		}
		gr->usage_ok = (gr->usage > gr->k_usage ? gr->usage - gr->k_usage :
				gr->k_usage - gr->usage) <= gr->slack;
		gr->peak_ok = (gr->st.peak > tg->f_peak ? gr->st.peak - tg->f_peak :
			       tg->f_peak - gr->st.peak) <= gr->slack;
		if (!gr->usage_ok || !gr->peak_ok)
			pr->agrees = false;
	}
}

static int run_policy(struct replay *rp, struct prun *pr)
{
	const struct trace *tr = &rp->tr;
	struct tgt_config cfg = { .kind = TGT_LAB, .v1 = tr->v1, .policy = pr->policy };
	struct target t;
	char grp[PATH_MAX + 8];
	uint64_t start = ns_now();
	int ret, cur = -1;

	pr->g = calloc(tr->nr_groups, sizeof(*pr->g));
	pr->plot = calloc(tr->nr_evs / rp->plot_every + 2, sizeof(*pr->plot));
	if (!pr->g || !pr->plot)
		return -ENOMEM;
	ret = target_open(&t, &cfg);
	if (ret) {
		tgt_fmt(pr->err, sizeof(pr->err), "%s", t.err);
		return ret;
	}
	ret = setup(&t, tr, pr);
	for (size_t i = 0; !ret && i < tr->nr_evs; i++) {
		const struct trace_ev *e = &tr->evs[i];

		if (rp->speed > 0) {
			uint64_t due = start + (uint64_t)((double)e->t_us * 1000.0 / rp->speed);
			uint64_t now = ns_now();

			if (due > now) {
				struct timespec ts = { (time_t)((due - now) / 1000000000ULL),
						       (long)((due - now) % 1000000000ULL) };

				nanosleep(&ts, NULL);
			}
		}
		move_to_cpu(e->cpu % rp->ncpus, &cur);
		ret = replay_ev(&t, tr, e, pr);
		if (!ret && i % rp->plot_every == 0) {
			struct tgt_stats st = { 0 };

			lab_group(tr, (size_t)rp->plot_group, grp, sizeof(grp));
			if (!target_stats(&t, grp, &st))
				pr->plot[pr->nplot++] = st.usage;
		}
	}
	for (size_t g = 0; !ret && g < tr->nr_groups; g++) {
		lab_group(tr, g, grp, sizeof(grp));
		ret = target_stats(&t, grp, &pr->g[g].st);
		if (!ret && tr->v1) {
			/* what the v1 trace has in their place (docs/trace.md) */
			pr->g[g].st.ev_max = pr->g[g].st.failcnt;
			pr->g[g].st.ev_oom = pr->g[g].st.oom_kill;
		}
	}
	if (!ret)
		ret = lab_stock_hits(&t, tr, &pr->stock_hits);
	if (ret)
		tgt_fmt(pr->err, sizeof(pr->err), "%s", t.err);
	else
		judge(rp, &t, pr);
	target_close(&t);	/* closes the chargers, unmounts */
	return ret;
}

/* ---- output ---- */

static void print_kernel(const struct replay *rp)
{
	const struct trace *tr = &rp->tr;
	uint64_t charges = 0, refused = 0, hits = 0, unc = 0, reclaims = 0;

	for (size_t i = 0; i < tr->nr_evs; i++) {
		const struct trace_ev *e = &tr->evs[i];

		if (e->type == TEV_CHARGE) {
			charges++;
			refused += e->ret != 0;
			hits += !e->ret && !e->batch && !e->fails;
		} else if (e->type == TEV_UNCHARGE && e->kind != TUNC_DRAIN) {
			unc++;
		} else if (e->type == TEV_RECLAIM && e->ret >= 0) {
			reclaims++;
		}
	}
	print_open_obj("kernel");
	print_str(PRINT_ANY, "release", "kernel %s", tr->kernel);
	/* text says v1 only: a v2 trace's report reads as it always did */
	if (tr->v1)
		print_str(PRINT_ANY, "flavour", " cgroup %s", "v1");
	else
		print_str(PRINT_JSON, "flavour", NULL, "v2");
	print_u64(PRINT_ANY, "cpus", " (%" PRIu64 " cpus):", tr->cpus);
	print_u64(PRINT_ANY, "charges", " %" PRIu64 " charges", charges);
	print_u64(PRINT_ANY, "refused", ", %" PRIu64 " refused", refused);
	print_double(PRINT_ANY, "stock_hit_rate", ", stock hit rate %.3f",
		     charges ? (double)hits / (double)charges : 0);
	print_u64(PRINT_ANY, "uncharges", ", %" PRIu64 " uncharges", unc);
	print_u64(PRINT_ANY, "reclaims", ", %" PRIu64 " reclaims", reclaims);
	print_u64(PRINT_ANY, "lost", ", %" PRIu64 " lost", tr->lost + tr->missed + tr->overflow);
	print_close_obj();
	print_nl();
}

static void print_run(const struct replay *rp, const struct prun *pr)
{
	const struct trace *tr = &rp->tr;
	char a[16], b[16], c[16], d[16], e[16];

	print_open_obj(NULL);
	print_str(PRINT_ANY, "policy", "policy %s:", pr->policy);
	if (pr->ret) {
		print_str(PRINT_ANY, "error", " failed: %s", pr->err);
		print_close_obj();
		print_nl();
		return;
	}
	print_u64(PRINT_ANY, "charges", " %" PRIu64 " charges", pr->charges);
	print_u64(PRINT_ANY, "refused", ", %" PRIu64 " refused", pr->refused);
	print_u64(PRINT_ANY, "refused_as_kernel", " (+%" PRIu64 " the kernel refused too)",
		  pr->refused_too);
	print_u64(PRINT_ANY, "accepted_kernel_refusals", ", %" PRIu64 " accepted that the kernel refused",
		  pr->accepted_refusal);
	print_u64(PRINT_ANY, "clamped_pages", ", %" PRIu64 " pages uncharged beyond held", pr->clamped);
	print_double(PRINT_ANY, "stock_hit_rate", ", stock hit rate %.3f",
		     pr->charges ? (double)pr->stock_hits / (double)pr->charges : 0);
	print_double(PRINT_ANY, "ns_per_charge", ", %.0f ns/charge",
		     pr->charges ? (double)pr->cost_ns / (double)pr->charges : 0);
	print_str(PRINT_ANY, "result", ": %s", pr->agrees ? "agrees" : "DIVERGES");
	print_nl();
	print_text("  %-20s %10s %10s %10s %10s %10s %8s %8s %4s %s\n", "group", "k.usage", "usage",
		   "k.peak", "peak", "tolerance", "k.max_ev", "max_ev", "oom", "");
	print_open_arr("groups");
	for (size_t g = 0; g < tr->nr_groups; g++) {
		const struct trace_group *tg = &tr->groups[g];
		const struct greplay *gr = &pr->g[g];

		print_open_obj(NULL);
		print_str(PRINT_ANY, "group", "  %-20s", tg->path);
		print_str(PRINT_TEXT, NULL, " %10s", format_size(gr->k_usage, a, sizeof(a)));
		print_u64(PRINT_JSON, "kernel_usage", NULL, gr->k_usage);
		print_str(PRINT_TEXT, NULL, " %10s", format_size(gr->usage, b, sizeof(b)));
		print_u64(PRINT_JSON, "usage", NULL, gr->usage);
		print_str(PRINT_JSON, "usage_at", NULL, gr->at_stop ? "stop" : "end");
		print_str(PRINT_TEXT, NULL, " %10s", format_size(tg->f_peak, c, sizeof(c)));
		print_u64(PRINT_JSON, "kernel_peak", NULL, tg->f_peak);
		print_str(PRINT_TEXT, NULL, " %10s", format_size(gr->st.peak, d, sizeof(d)));
		print_u64(PRINT_JSON, "peak", NULL, gr->st.peak);
		print_str(PRINT_TEXT, NULL, " %10s", format_size(gr->slack, e, sizeof(e)));
		print_u64(PRINT_JSON, "tolerance", NULL, gr->slack);
		print_u64(PRINT_TEXT, NULL, " %8" PRIu64, tg->f_max_ev);
		print_u64(PRINT_ANY, "max_events", " %8" PRIu64, gr->st.ev_max);
		print_u64(PRINT_ANY, "oom", " %4" PRIu64, gr->st.ev_oom);
		print_u64(PRINT_JSON, "kernel_max_events", NULL, tg->f_max_ev);
		print_u64(PRINT_JSON, "kernel_oom_kill", NULL, tg->f_oom_kill);
		print_bool(PRINT_JSON, "usage_agrees", NULL, gr->usage_ok);
		print_bool(PRINT_JSON, "peak_agrees", NULL, gr->peak_ok);
		print_bool(PRINT_JSON, "kernel_known", NULL, tg->have_final);
		print_str(PRINT_TEXT, NULL, " %s", !tg->have_final ? "(gone before the end: not compared)" :
			  gr->usage_ok && gr->peak_ok ? "agrees" :
			  !gr->usage_ok ? "usage DIVERGES" : "peak DIVERGES");
		print_close_obj();
		print_nl();
	}
	print_close_arr();
	print_close_obj();
}

/* Usage of the plot group over time: the kernel's solid, one dashed line per policy. */
static int write_plot(const struct replay *rp)
{
	static const char *const colours[] = { "#d62728", "#1f77b4", "#2ca02c", "#9467bd",
					       "#ff7f0e", "#8c564b" };
	const struct trace *tr = &rp->tr;
	const double W = 760, H = 360, L = 70, R = 150, T = 30, B = 40;
	uint64_t ymax = 1, tmax = tr->nr_evs ? tr->evs[tr->nr_evs - 1].t_us : 1;
	FILE *f = fopen(rp->plot, "w");
	bool first = true;

	if (!f)
		return -errno;
	for (size_t i = 0; i < tr->nr_evs; i++)
		if (tr->evs[i].group == (uint32_t)rp->plot_group && tr->evs[i].type != TEV_RECLAIM &&
		    tr->evs[i].usage * PAGE > ymax)
			ymax = tr->evs[i].usage * PAGE;
	for (int k = 0; k < rp->nruns; k++)
		for (size_t i = 0; i < rp->runs[k].nplot; i++)
			if (rp->runs[k].plot[i] > ymax)
				ymax = rp->runs[k].plot[i];
	if (!tmax)
		tmax = 1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		W, H);
	fprintf(f, "<text x=\"%.0f\" y=\"18\">%s: usage of %s over time (%s)</text>\n", L,
		tr->command, tr->groups[rp->plot_group].path, tr->kernel);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
		L, H - B, W - R, H - B);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
		L, T, L, H - B);
	fprintf(f, "<text x=\"5\" y=\"%.0f\">%.1fM</text><text x=\"5\" y=\"%.0f\">0</text>\n",
		T + 10, (double)ymax / 1048576.0, H - B);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">%.2f s</text>\n", W - R - 40, H - 10,
		(double)tmax / 1e6);
	/* the kernel: the group's counter after each of its events */
	fprintf(f, "<polyline fill=\"none\" stroke=\"black\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < tr->nr_evs; i++) {
		const struct trace_ev *e = &tr->evs[i];

		if (e->group != (uint32_t)rp->plot_group || e->type == TEV_RECLAIM)
			continue;
		fprintf(f, "%s%.1f,%.1f", first ? "" : " ", L + (W - L - R) * (double)e->t_us / (double)tmax,
			H - B - (H - T - B) * (double)(e->usage * PAGE) / (double)ymax);
		first = false;
	}
	fprintf(f, "\"/>\n<text x=\"%.0f\" y=\"%.0f\">kernel</text>\n", W - R + 10, T + 10);
	for (int k = 0; k < rp->nruns; k++) {
		const struct prun *pr = &rp->runs[k];

		if (pr->ret)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-dasharray=\"5,3\" points=\"",
			colours[k % 6]);
		for (size_t i = 0; i < pr->nplot; i++) {
			size_t ev = i * rp->plot_every;
			uint64_t t = ev < tr->nr_evs ? tr->evs[ev].t_us : tmax;

			fprintf(f, "%s%.1f,%.1f", i ? " " : "", L + (W - L - R) * (double)t / (double)tmax,
				H - B - (H - T - B) * (double)pr->plot[i] / (double)ymax);
		}
		fprintf(f, "\"/>\n<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">%s</text>\n", W - R + 10,
			T + 28 + 18.0 * k, colours[k % 6], pr->policy);
	}
	fputs("</svg>\n", f);
	return fclose(f) ? -errno : 0;
}

struct pol_list {
	struct replay *rp;
};

static int add_policy(struct replay *rp, const char *name)
{
	if (rp->nruns == REPLAY_MAX_POLICIES)
		return -E2BIG;
	for (int i = 0; i < rp->nruns; i++)
		if (!strcmp(rp->runs[i].policy, name))
			return 0;
	snprintf(rp->runs[rp->nruns++].policy, MEMCGLAB_POLICY_NAME_MAX, "%s", name);
	return 0;
}

static int add_registered(const struct mlab_policy_entry *pe, void *data)
{
	return add_policy(data, pe->name);
}

static int add_all_policies(struct replay *rp)
{
	struct mlab_nl nl;
	int ret = mlab_nl_open(&nl);

	if (ret) {
		err("netlink: %s: %s", nl.err.msg, strerror(-ret));
		return ret;
	}
	ret = mlab_nl_policy_dump(&nl, add_registered, rp);
	mlab_nl_close(&nl);
	return ret;
}

static int do_trace_replay(const struct cmd *self, int argc, char **argv)
{
	struct replay rp = { .plot_group = 0 };
	char errbuf[PATH_MAX + 256];
	bool all = false, strict_bad = false;
	size_t counts_max = 0;
	int ret = EXIT_OK;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			if (!strcmp(argv[++i], "all"))
				all = true;
			else if (add_policy(&rp, argv[i]))
				return cmd_usage_error(self, "too many policies");
		} else if (!strcmp(argv[i], "--as-fast-as-possible")) {
			rp.speed = 0;
		} else if (!strcmp(argv[i], "--speed") && i + 1 < argc) {
			if (parse_double(argv[++i], &rp.speed) || rp.speed <= 0)
				return cmd_usage_error(self, "bad speed %s", argv[i]);
		} else if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
			rp.plot = argv[++i];
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(self, "unknown option %s", argv[i]);
		} else if (rp.path) {
			return cmd_usage_error(self, "one FILE only");
		} else {
			rp.path = argv[i];
		}
	}
	if (!rp.path)
		return cmd_usage_error(self, "missing FILE");
	if (trace_read(rp.path, &rp.tr, errbuf, sizeof(errbuf))) {
		err("trace replay: %s", errbuf);
		return EXIT_FAIL;
	}
	if (all && add_all_policies(&rp)) {
		trace_free(&rp.tr);
		return EXIT_FAIL;
	}
	if (!rp.nruns)
		add_policy(&rp, "strict");
	rp.ncpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!rp.ncpus)
		rp.ncpus = 1;
	rp.plot_every = rp.tr.nr_evs / REPLAY_PLOT_POINTS + 1;
	/* plot the group with the most charges */
	{
		size_t *cnt = calloc(rp.tr.nr_groups, sizeof(*cnt));

		for (size_t i = 0; cnt && i < rp.tr.nr_evs; i++)
			if (rp.tr.evs[i].type == TEV_CHARGE &&
			    ++cnt[rp.tr.evs[i].group] > counts_max) {
				counts_max = cnt[rp.tr.evs[i].group];
				rp.plot_group = (int)rp.tr.evs[i].group;
			}
		free(cnt);
	}
	print_open_obj(NULL);
	print_str(PRINT_ANY, "file", "trace %s", rp.path);
	print_str(PRINT_ANY, "command", ": `%s`", rp.tr.command);
	print_u64(PRINT_ANY, "events", ", %" PRIu64 " events", rp.tr.nr_evs);
	print_u64(PRINT_ANY, "groups", " in %" PRIu64 " group(s)", rp.tr.nr_groups);
	print_nl();
	print_kernel(&rp);
	print_open_arr("policies");
	for (int k = 0; k < rp.nruns; k++) {
		struct prun *pr = &rp.runs[k];

		pr->ret = run_policy(&rp, pr);
		print_run(&rp, pr);
		if (pr->ret)
			ret = EXIT_FAIL;
		else if (!strcmp(pr->policy, "strict") && !pr->agrees)
			strict_bad = true;
	}
	print_close_arr();
	print_close_obj();
	if (rp.plot) {
		int r = write_plot(&rp);

		if (r) {
			err("%s: %s", rp.plot, strerror(-r));
			ret = EXIT_FAIL;
		}
	}
	for (int k = 0; k < rp.nruns; k++) {
		free(rp.runs[k].g);
		free(rp.runs[k].plot);
	}
	trace_free(&rp.tr);
	return strict_bad ? EXIT_FAIL : ret;
}

static const struct cmd trace_cmds[] = {
	{
		.name = "record",
		.args = "[-o FILE] [--v1] [--cgroup PATH] [--run-in GROUP] [--max SIZE] -- COMMAND [ARGS]...",
		.summary = "run COMMAND in a real memory cgroup and record its charges",
		.run = do_trace_record,
		.help = "Runs COMMAND in a cgroup v2 memory cgroup (a new one under the cgroup2\n"
			"mount, or --cgroup PATH) while memcglab.ko's probes record every charge\n"
			"request, uncharge, stock drain and reclaim of that subtree; writes the\n"
			"trace (docs/trace.md) to FILE (default memcglab.trace). --max sets the\n"
			"new cgroup's memory.max; --run-in starts COMMAND in GROUP below the\n"
			"recorded cgroup (v2 keeps processes out of groups whose children have\n"
			"the memory controller). --v1 records the cgroup v1 memory controller\n"
			"instead (a kernel that has it, in a boot where v2 has not used memory):\n"
			"the v1 hierarchy as mounted, or mounted for the run; --max sets\n"
			"memory.limit_in_bytes. Needs root, tracefs and the module.\n",
	},
	{
		.name = "replay",
		.args = "FILE [--policy NAME|all]... [--as-fast-as-possible|--speed N] [--plot FILE.svg]",
		.summary = "replay a recorded trace into the lab, per policy, beside the kernel",
		.run = do_trace_replay,
		.help = "Recreates the recorded hierarchy (limits included) in a lab mount per\n"
			"policy (default strict; `all`: every registered one), feeds every charge\n"
			"and uncharge request on its recorded CPU, and prints per policy the\n"
			"refusals, OOM and max events, stock hit rate, cost per charge and each\n"
			"group's final usage and peak beside the kernel's, judged by compare's\n"
			"tolerance model.\n"
			"Exit status 1 when a replay fails or strict diverges from the kernel.\n",
	},
	{ 0 },
};

const struct cmd trace_cmd = {
	.name = "trace",
	.summary = "record the real memcg's charge stream; replay it into the lab",
	.sub = trace_cmds,
};
