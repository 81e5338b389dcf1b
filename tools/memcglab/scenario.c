// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios: parse selftests/scenarios/NAME.scn (format in docs/scenarios.md),
 * run one on a target, and `memcglab scenario run FILE --target lab|memcg`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "memcglab.h"
#include "scenario.h"

/* Keep in step with enum step_op / enum sc_field. */
static const char *const op_names[] = {
	[OP_MKDIR] = "mkdir", [OP_RMDIR] = "rmdir", [OP_SET] = "set",
	[OP_CHARGE] = "charge", [OP_UNCHARGE] = "uncharge",
	[OP_RELEASE] = "release", [OP_RESET] = "reset", [OP_CHECK] = "check",
	[OP_SHOW] = "show",
};

static const char *const field_names[F_NR_FIELDS + 1] = {
	[F_USAGE] = "usage", [F_LIMIT] = "limit", [F_PEAK] = "peak",
	[F_FAILCNT] = "failcnt", [F_EV_MAX] = "events.max",
	[F_EV_HIGH] = "events.high", [F_EV_OOM] = "events.oom",
	[F_EV_OOM_KILL] = "events.oom_kill", [F_UNDER_OOM] = "under_oom",
	[F_HELD] = "held", [F_NR_FIELDS] = NULL,
};

static const char *const cmp_names[] = { "==", "!=", "<", "<=", ">", ">=", NULL };

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{ "ok", 0 }, { "ENOMEM", -ENOMEM }, { "EBUSY", -EBUSY },
	{ "EINVAL", -EINVAL }, { "ENOENT", -ENOENT }, { "EEXIST", -EEXIST },
	{ "EACCES", -EACCES }, { "EPERM", -EPERM }, { "EOPNOTSUPP", -EOPNOTSUPP },
	{ "ENOTEMPTY", -ENOTEMPTY }, { "EIO", -EIO },
};

const char *step_op_name(enum step_op op)
{
	return op_names[op];
}

const char *field_name(enum sc_field f)
{
	return field_names[f];
}

const char *outcome_name(int err)
{
	static const char *const unknown = "error";

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return unknown;
}

void outcome_text(const struct step *s, const struct step_result *r, char *buf,
		  size_t len)
{
	char sz[32];

	if (!r->ran) {
		snprintf(buf, len, "-");
	} else if (s->op == OP_CHECK) {
		snprintf(buf, len, "%s", r->check_ok ? "pass" : "FAIL");
	} else if (s->op == OP_CHARGE && r->err == -ENOMEM) {
		snprintf(buf, len, "ENOMEM@%s%s", format_size(r->done, sz, sizeof(sz)),
			 r->blocked ? " blocked" : r->oom_killed ? " killed" : "");
	} else {
		snprintf(buf, len, "%s", outcome_name(r->err));
	}
}

/* ---- parsing ---- */

static int parse_err(const char *path, int line, const char *fmt, const char *arg)
{
	fflush(stdout);
	fprintf(stderr, "memcglab: %s:%d: ", path, line);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -EINVAL;
}

static int word_index(const char *w, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return i;
	return -1;
}

static const char *group_name(const char *w)
{
	return !strcmp(w, ".") || !strcmp(w, "/") ? "" : w;
}

static int parse_divergence(struct scenario *sc, char **tok, int n, int line)
{
	struct divergence d = { .flavours = FL_ALL };
	struct divergence *v;
	int i = 2;

	if (i < n && (!strcmp(tok[i], "v1") || !strcmp(tok[i], "v2"))) {
		d.flavours = tok[i][1] == '1' ? FL_V1 : FL_V2;
		i++;
	}
	if (i < n && !strncmp(tok[i], "kernel", 6)) {
		const char *p = tok[i] + 6;

		if (!strncmp(p, ">=", 2)) {
			d.kcmp = '>';
			p += 2;
		} else if (*p == '<') {
			d.kcmp = '<';
			p++;
		}
		if (!d.kcmp || sscanf(p, "%d.%d", &d.kmaj, &d.kmin) != 2)
			return parse_err(sc->path, line,
					 "bad kernel condition '%s' (kernel<X.Y or kernel>=X.Y)",
					 tok[i]);
		i++;
	}
	if (i < n && !strcmp(tok[i], ":"))
		i++;
	if (i >= n)
		return parse_err(sc->path, line, "%s", "expect divergence needs a reason");
	for (; i < n; i++) {
		if (d.reason[0])
			strncat(d.reason, " ", sizeof(d.reason) - strlen(d.reason) - 1);
		strncat(d.reason, tok[i], sizeof(d.reason) - strlen(d.reason) - 1);
	}
	v = realloc(sc->divs, (sc->nr_divs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->divs = v;
	sc->divs[sc->nr_divs++] = d;
	return 0;
}

static int parse_size_tok(const struct scenario *sc, int line, const char *w,
			  uint64_t *v, bool allow_max)
{
	if (parse_size(w, v, allow_max))
		return parse_err(sc->path, line, "bad size '%s'", w);
	return 0;
}

/* One step line (tokens without the flavour prefix and "=> OUTCOME"). */
static int parse_step(struct scenario *sc, struct step *s, char **tok, int n)
{
	int line = s->line, i, want;
	static const int nargs[] = {
		[OP_MKDIR] = 2, [OP_RMDIR] = 2, [OP_SET] = 4, [OP_CHARGE] = 4,
		[OP_UNCHARGE] = 3, [OP_RELEASE] = 2, [OP_RESET] = 3, [OP_CHECK] = 5,
		[OP_SHOW] = 2,
	};

	i = word_index(tok[0], op_names);
	if (i < 0)
		return parse_err(sc->path, line, "unknown directive '%s'", tok[0]);
	s->op = (enum step_op)i;
	want = nargs[s->op];
	if (n != want)
		return parse_err(sc->path, line, "wrong number of words for '%s'", tok[0]);
	switch (s->op) {
	case OP_MKDIR:
	case OP_RMDIR:
	case OP_SHOW:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		break;
	case OP_SET:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		i = word_index(tok[2], tgt_knob_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown knob '%s'", tok[2]);
		s->knob = (enum tgt_knob)i;
		if (s->knob == TGT_KNOB_OOM_KILL_DISABLE) {
			if (strcmp(tok[3], "0") && strcmp(tok[3], "1"))
				return parse_err(sc->path, line, "oom_kill_disable takes 0 or 1, not '%s'",
						 tok[3]);
			s->value = tok[3][0] == '1';
		} else if (parse_size_tok(sc, line, tok[3], &s->value, true)) {
			return -EINVAL;
		}
		break;
	case OP_CHARGE:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		snprintf(s->charger, sizeof(s->charger), "%s", tok[2]);
		if (parse_size_tok(sc, line, tok[3], &s->value, false))
			return -EINVAL;
		break;
	case OP_UNCHARGE:
		snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		if (parse_size_tok(sc, line, tok[2], &s->value, false))
			return -EINVAL;
		break;
	case OP_RELEASE:
		snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		break;
	case OP_RESET:
		snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		if (!strcmp(tok[2], "peak"))
			s->reset = TGT_RESET_PEAK;
		else if (!strcmp(tok[2], "failcnt"))
			s->reset = TGT_RESET_FAILCNT;
		else
			return parse_err(sc->path, line, "reset peak|failcnt, not '%s'", tok[2]);
		break;
	case OP_CHECK:
		i = word_index(tok[2], field_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown field '%s'", tok[2]);
		s->field = (enum sc_field)i;
		if (s->field == F_HELD)
			snprintf(s->charger, sizeof(s->charger), "%s", tok[1]);
		else
			snprintf(s->group, sizeof(s->group), "%s", group_name(tok[1]));
		i = word_index(tok[3], cmp_names);
		if (i < 0)
			return parse_err(sc->path, line, "unknown comparison '%s'", tok[3]);
		s->cmp = (enum sc_cmp)i;
		if (parse_size_tok(sc, line, tok[4], &s->value, true))
			return -EINVAL;
		break;
	}
	return 0;
}

static int parse_line(struct scenario *sc, char *buf, int line)
{
	char *tok[32], *save = NULL, *p, text[160];
	struct step s = { .line = line, .flavours = FL_ALL, .expect = 0 };
	struct step *v;
	int n = 0, i;

	p = strchr(buf, '#');
	if (p)
		*p = '\0';
	p = buf + strlen(buf);
	while (p > buf && isspace((unsigned char)p[-1]))
		*--p = '\0';
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	snprintf(text, sizeof(text), "%s", p);
	for (p = strtok_r(buf, " \t", &save); p && n < 32; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (!n)
		return 0;
	if (!strcmp(tok[0], "scenario") && n == 2) {
		snprintf(sc->name, sizeof(sc->name), "%s", tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "describe")) {
		const char *rest = text + strlen("describe");

		while (isspace((unsigned char)*rest))
			rest++;
		if (sc->describe[0])
			strncat(sc->describe, " ", sizeof(sc->describe) - strlen(sc->describe) - 1);
		strncat(sc->describe, rest, sizeof(sc->describe) - strlen(sc->describe) - 1);
		return 0;
	}
	if (!strcmp(tok[0], "headline") && n == 1) {
		sc->headline = true;
		return 0;
	}
	if (!strcmp(tok[0], "plot") && n == 2) {
		snprintf(sc->plot_group, sizeof(sc->plot_group), "%s", group_name(tok[1]));
		return 0;
	}
	if (!strcmp(tok[0], "flavours")) {
		sc->flavours = 0;
		for (i = 1; i < n; i++) {
			if (!strcmp(tok[i], "v1"))
				sc->flavours |= FL_V1;
			else if (!strcmp(tok[i], "v2"))
				sc->flavours |= FL_V2;
			else
				return parse_err(sc->path, line, "unknown flavour '%s'", tok[i]);
		}
		return 0;
	}
	if (!strcmp(tok[0], "expect") && n >= 2 && !strcmp(tok[1], "divergence"))
		return parse_divergence(sc, tok, n, line);

	snprintf(s.text, sizeof(s.text), "%s", text);
	if (!strcmp(tok[0], "v1:") || !strcmp(tok[0], "v2:")) {
		s.flavours = tok[0][1] == '1' ? FL_V1 : FL_V2;
		memmove(tok, tok + 1, --n * sizeof(tok[0]));
		if (!n)
			return parse_err(sc->path, line, "%s", "a flavour prefix needs a step");
	}
	if (n >= 2 && !strcmp(tok[n - 2], "=>")) {
		bool found = false;

		for (size_t k = 0; k < sizeof(errnames) / sizeof(errnames[0]); k++) {
			if (!strcmp(tok[n - 1], errnames[k].name)) {
				s.expect = errnames[k].err;
				found = true;
			}
		}
		if (!found)
			return parse_err(sc->path, line, "unknown outcome '%s'", tok[n - 1]);
		n -= 2;
	}
	if (parse_step(sc, &s, tok, n))
		return -EINVAL;
	if (s.op == OP_CHECK || s.op == OP_SHOW)
		s.expect = EXPECT_NONE;
	v = realloc(sc->steps, (sc->nr_steps + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->steps = v;
	sc->steps[sc->nr_steps++] = s;
	return 0;
}

int scenario_load(const char *path, struct scenario *sc)
{
	char buf[1024];
	const char *base;
	int line = 0, ret = 0;
	FILE *f;

	memset(sc, 0, sizeof(*sc));
	sc->flavours = FL_ALL;
	snprintf(sc->path, sizeof(sc->path), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		err("%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		ret = parse_line(sc, buf, line);
		if (ret)
			break;
	}
	fclose(f);
	if (!ret && !sc->nr_steps)
		ret = parse_err(path, line, "%s", "no steps");
	if (ret) {
		scenario_free(sc);
		return ret;
	}
	if (!sc->name[0]) {
		base = strrchr(path, '/');
		snprintf(sc->name, sizeof(sc->name), "%s", base ? base + 1 : path);
		if (strchr(sc->name, '.'))
			*strrchr(sc->name, '.') = '\0';
	}
	if (!sc->plot_group[0]) {
		for (size_t i = 0; i < sc->nr_steps; i++) {
			if (sc->steps[i].op == OP_MKDIR) {
				snprintf(sc->plot_group, sizeof(sc->plot_group), "%s",
					 sc->steps[i].group);
				break;
			}
		}
	}
	return 0;
}

void scenario_free(struct scenario *sc)
{
	free(sc->steps);
	free(sc->divs);
	sc->steps = NULL;
	sc->divs = NULL;
	sc->nr_steps = sc->nr_divs = 0;
}

void kernel_version(int *maj, int *min, char *buf, size_t len)
{
	struct utsname u;

	*maj = *min = 0;
	if (uname(&u))
		return;
	sscanf(u.release, "%d.%d", maj, min);
	if (buf)
		snprintf(buf, len, "%s", u.release);
}

const struct divergence *scenario_expected_divergence(const struct scenario *sc,
						      bool v1)
{
	int maj, min;

	kernel_version(&maj, &min, NULL, 0);
	for (size_t i = 0; i < sc->nr_divs; i++) {
		const struct divergence *d = &sc->divs[i];
		int before = maj < d->kmaj || (maj == d->kmaj && min < d->kmin);

		if (!(d->flavours & (v1 ? FL_V1 : FL_V2)))
			continue;
		if ((d->kcmp == '<' && !before) || (d->kcmp == '>' && before))
			continue;
		return d;
	}
	return NULL;
}

/* ---- running ---- */

struct chg {
	char name[64];
	char group[128];
	uint64_t held;
};

struct exec_state {
	struct chg *chg;
	size_t nr_chg;
	const struct scenario *sc;
	const struct step_result *res;	/* results so far: which groups exist */
	size_t step;
};

static bool in_subtree(const char *group, const char *top)
{
	size_t n = strlen(top);

	if (!n)
		return true;
	return !strncmp(group, top, n) && (group[n] == '\0' || group[n] == '/');
}

static struct chg *chg_find(struct exec_state *es, const char *name)
{
	for (size_t i = 0; i < es->nr_chg; i++)
		if (!strcmp(es->chg[i].name, name))
			return &es->chg[i];
	return NULL;
}

static uint64_t group_slack(const struct target *t, struct exec_state *es,
			    const char *group)
{
	unsigned int n = 0;
	uint64_t bytes = 0;

	unsigned int groups = 1;

	for (size_t i = 0; i < es->nr_chg; i++) {
		if (in_subtree(es->chg[i].group, group)) {
			n++;
			bytes += es->chg[i].held;
		}
	}
	/* Groups made below this one so far (removals only make it smaller). */
	for (size_t k = 0; k <= es->step && k < es->sc->nr_steps; k++) {
		const struct step *s = &es->sc->steps[k];

		if (s->op == OP_MKDIR && es->res[k].ran && !es->res[k].err &&
		    strcmp(s->group, group) && in_subtree(s->group, group))
			groups++;
	}
	return target_slack(t, groups, n, bytes);
}

/* Smallest limit minus usage from group up to the scenario root. */
static uint64_t path_room(struct target *t, const char *group)
{
	char g[128], *slash;
	uint64_t room = TGT_UNLIMITED;
	struct tgt_stats st;

	snprintf(g, sizeof(g), "%s", group);
	while (g[0]) {
		if (!target_stats(t, g, &st) && (st.has & TGT_HAS_LIMIT) &&
		    st.limit != TGT_UNLIMITED) {
			uint64_t r = st.limit > st.usage ? st.limit - st.usage : 0;

			if (r < room)
				room = r;
		}
		slash = strrchr(g, '/');
		if (slash)
			*slash = '\0';
		else
			g[0] = '\0';
	}
	return room;
}

static bool field_value(const struct step_result *r, enum sc_field f, uint64_t *v)
{
	const struct tgt_stats *st = &r->st;

	switch (f) {
	case F_USAGE:
		*v = st->usage;
		return st->has & TGT_HAS_USAGE;
	case F_LIMIT:
		*v = st->limit;
		return st->has & TGT_HAS_LIMIT;
	case F_PEAK:
		*v = st->peak;
		return st->has & TGT_HAS_PEAK;
	case F_FAILCNT:
		*v = st->failcnt;
		return st->has & TGT_HAS_FAILCNT;
	case F_EV_MAX:
		*v = st->ev_max;
		return st->has & TGT_HAS_EVENTS;
	case F_EV_HIGH:
		*v = st->ev_high;
		return st->has & TGT_HAS_EVENTS;
	case F_EV_OOM:
		*v = st->ev_oom;
		return st->has & TGT_HAS_EVENTS;
	case F_EV_OOM_KILL:
		*v = st->oom_kill;
		return st->has & (TGT_HAS_EVENTS | TGT_HAS_OOM_CONTROL);
	case F_UNDER_OOM:
		*v = (uint64_t)st->under_oom;
		return st->has & TGT_HAS_OOM_CONTROL;
	default:
		return false;
	}
}

static bool compare_tol(uint64_t v, enum sc_cmp cmp, uint64_t x, uint64_t slack)
{
	uint64_t d = v > x ? v - x : x - v;

	if (x == TGT_UNLIMITED || v == TGT_UNLIMITED)
		slack = 0;
	switch (cmp) {
	case CMP_EQ:
		return d <= slack;
	case CMP_NE:
		return d > slack;
	case CMP_LT:
		return v < x || d < slack;
	case CMP_LE:
		return v <= x || d <= slack;
	case CMP_GT:
		return v > x || d < slack;
	case CMP_GE:
		return v >= x || d <= slack;
	}
	return false;
}

static bool size_field(enum sc_field f)
{
	return f == F_USAGE || f == F_LIMIT || f == F_PEAK || f == F_HELD;
}

static void do_check(struct target *t, struct exec_state *es, const struct step *s,
		     struct step_result *r)
{
	uint64_t v = 0, slack = 0;
	bool have;

	if (s->field == F_HELD) {
		have = !target_held(t, s->charger, &v);
	} else {
		have = r->have_stats && field_value(r, s->field, &v);
		if (size_field(s->field) && s->field != F_LIMIT)
			slack = group_slack(t, es, s->group);
	}
	r->check_val = v;
	if (!have) {
		snprintf(r->msg, sizeof(r->msg), "%s not available on %s", field_name(s->field),
			 t->name);
		r->check_ok = false;
		return;
	}
	r->check_ok = compare_tol(v, s->cmp, s->value, slack);
}

/* Was a charge in group's subtree refused since the group's peak was last reset? */
static bool peak_dirty(const struct scenario *sc, const struct step_result *res,
		       size_t k)
{
	const char *g = sc->steps[k].group;

	for (size_t j = k + 1; j-- > 0;) {
		const struct step *s = &sc->steps[j];

		if (!res[j].ran)
			continue;
		if (s->op == OP_RESET && s->reset == TGT_RESET_PEAK && !strcmp(s->group, g))
			return false;
		if (s->op == OP_CHARGE && res[j].err == -ENOMEM && in_subtree(s->group, g))
			return true;
	}
	return false;
}

static void run_step(struct target *t, struct exec_state *es, const struct step *s,
		     struct step_result *r)
{
	struct tgt_charge_res cr;
	struct chg *c;
	int ret = 0;

	t->err[0] = '\0';
	switch (s->op) {
	case OP_MKDIR:
		ret = target_mkdir(t, s->group);
		break;
	case OP_RMDIR:
		ret = target_rmdir(t, s->group);
		break;
	case OP_SET:
		ret = target_set(t, s->group, s->knob, s->value);
		break;
	case OP_RESET:
		ret = target_reset(t, s->group, s->reset);
		break;
	case OP_CHARGE:
		r->room = path_room(t, s->group);
		ret = target_charge(t, s->charger, s->group, s->value, &cr);
		r->done = cr.done;
		r->oom_killed = cr.oom_killed;
		r->blocked = cr.blocked;
		c = chg_find(es, s->charger);
		if (!c && (!ret || ret == -ENOMEM)) {
			struct chg *v = realloc(es->chg, (es->nr_chg + 1) * sizeof(*v));

			if (v) {
				es->chg = v;
				c = &es->chg[es->nr_chg++];
				memset(c, 0, sizeof(*c));
				snprintf(c->name, sizeof(c->name), "%s", s->charger);
				snprintf(c->group, sizeof(c->group), "%s", s->group);
			}
		}
		break;
	case OP_UNCHARGE:
		ret = target_uncharge(t, s->charger, s->value);
		break;
	case OP_RELEASE:
		ret = target_release(t, s->charger);
		c = chg_find(es, s->charger);
		if (!ret && c)
			*c = es->chg[--es->nr_chg];
		break;
	case OP_CHECK:
	case OP_SHOW:
		break;
	}
	r->ran = true;
	r->err = ret;
	if (ret)
		tgt_fmt(r->msg, sizeof(r->msg), "%s", t->err);
	/* What every charger holds now (an OOM kill may have taken it all). */
	for (size_t i = 0; i < es->nr_chg; i++)
		target_held(t, es->chg[i].name, &es->chg[i].held);
}

int scenario_exec(struct target *t, const struct scenario *sc,
		  struct step_result *res)
{
	unsigned int fl = t->cfg.v1 ? FL_V1 : FL_V2;
	struct exec_state es = { .sc = sc, .res = res };
	int failed = 0;

	for (size_t k = 0; k < sc->nr_steps; k++) {
		const struct step *s = &sc->steps[k];
		struct step_result *r = &res[k];
		const char *g = s->group;
		struct chg *c;

		es.step = k;
		memset(r, 0, sizeof(*r));
		if (!(s->flavours & fl))
			continue;
		run_step(t, &es, s, r);
		if (s->op == OP_UNCHARGE || s->op == OP_RELEASE ||
		    (s->op == OP_CHECK && s->field == F_HELD)) {
			c = chg_find(&es, s->charger);
			g = c ? c->group : NULL;
		}
		if (g && !(s->op == OP_RMDIR && !r->err) &&
		    !target_stats(t, g, &r->st)) {
			r->have_stats = true;
			r->slack = group_slack(t, &es, g);
		}
		r->peak_dirty = peak_dirty(sc, res, k);
		if (sc->plot_group[0]) {
			struct tgt_stats pst;

			if (!target_stats(t, sc->plot_group, &pst)) {
				r->have_plot = true;
				r->plot_usage = pst.usage;
			}
		}
		if (s->op == OP_CHECK) {
			do_check(t, &es, s, r);
			failed += !r->check_ok;
		} else if (s->expect != EXPECT_NONE) {
			r->check_ok = r->err == s->expect;
			failed += !r->check_ok;
		} else {
			r->check_ok = true;
		}
	}
	free(es.chg);
	return failed;
}

/* ---- `memcglab scenario run` ---- */

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

void scenario_print_row(const char *label, const struct step *s,
			const struct step_result *r, const char *verdict)
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
		if (size_field(s->field))
			print_text(" (%s)", format_size(r->check_val, v, sizeof(v)));
		else
			print_text(" (%llu)", (unsigned long long)r->check_val);
	}
	if (r->ran && s->expect != EXPECT_NONE && s->op != OP_CHECK && !r->check_ok)
		print_str(PRINT_ANY, "expected", "  expected %s", outcome_name(s->expect));
	if (verdict)
		print_str(PRINT_ANY, "verdict", "  %s", verdict);
	if (r->msg[0])
		print_str(PRINT_JSON, "message", NULL, r->msg);
	if (r->msg[0] && opts.verbose)
		print_text("\n  %16s   %s", "", r->msg);
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
		scenario_print_row(t.name, s, &res[k], NULL);
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

static const struct cmd scenario_cmds[] = {
	{ .name = "run", .args = "FILE [--target lab|memcg] [--v1|--v2] [--policy P]",
	  .summary = "run a scenario on one target and check its expectations",
	  .help = "Exit status: 0 all expectations held, 1 some failed, 2 usage,\n"
		  "4 (SKIP) the target is not available on this kernel.\n"
		  "File format: docs/scenarios.md.\n",
	  .run = do_scenario_run },
	{ 0 }
};

const struct cmd scenario_cmd = {
	.name = "scenario", .summary = "scenario files: run one on a target",
	.sub = scenario_cmds,
};
