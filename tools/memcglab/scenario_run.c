// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios, run: the steps of a parsed scenario on a target, each step's
 * outcome and the groups' state after it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "memcglab.h"
#include "scenario.h"

struct chg {
	char name[64];
	char group[128];
	uint64_t held;
	bool file;		/* has charged page cache */
	bool killed;		/* OOM-killed (oom kill scenarios) */
	uint64_t parked;	/* size of its charge parked in an OOM wait */
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
	unsigned int n = 0, nr_file = 0;
	uint64_t bytes = 0;

	unsigned int groups = 1;

	for (size_t i = 0; i < es->nr_chg; i++) {
		if (in_subtree(es->chg[i].group, group)) {
			n++;
			nr_file += es->chg[i].file;
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
	return target_slack(t, groups, n, nr_file, bytes);
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
	case F_EV_LOW:
		*v = st->ev_low;
		return st->has & TGT_HAS_EVENTS;
	case F_EV_OOM:
		*v = st->ev_oom;
		return st->has & TGT_HAS_EVENTS;
	case F_EV_OOM_KILL:
		*v = st->oom_kill;
		return st->has & (TGT_HAS_EVENTS | TGT_HAS_OOM_CONTROL);
	case F_EV_OOM_GROUP_KILL:
		*v = st->ev_oom_group_kill;
		return st->has & TGT_HAS_EVENTS;
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

static void do_check(struct target *t, struct exec_state *es, const struct step *s,
		     struct step_result *r)
{
	uint64_t v = 0, slack = 0;
	bool have;

	if (s->field == F_HELD) {
		have = !target_held(t, s->charger, &v);
	} else {
		have = r->have_stats && field_value(r, s->field, &v);
		if (field_is_size(s->field) && s->field != F_LIMIT)
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

	/* A together block's steps all see the state after the whole block. */
	while (sc->steps[k].block && k + 1 < sc->nr_steps &&
	       sc->steps[k + 1].block == sc->steps[k].block)
		k++;
	for (size_t j = k + 1; j-- > 0;) {
		const struct step *s = &sc->steps[j];

		if (!res[j].ran)
			continue;
		if (s->op == OP_RESET && s->reset == TGT_RESET_PEAK && !strcmp(s->group, g))
			return false;
		if (s->op == OP_CHARGE && res[j].err == -ENOMEM && in_subtree(s->group, g))
			return true;
		/* The kernel filled the limit page by page before it killed. */
		if (res[j].killed[0] || res[j].err == -EINPROGRESS)
			return true;
	}
	return false;
}

static void note_killed(struct target *t, struct exec_state *es, struct step_result *r);

/* What every known charger holds now, after a step or a block. */
static void chg_refresh_held(struct target *t, struct exec_state *es)
{
	for (size_t i = 0; i < es->nr_chg; i++)
		target_held(t, es->chg[i].name, &es->chg[i].held);
}

/* A charge made the charger known (bound to its group) unless it failed early. */
static void chg_note_charge(struct exec_state *es, const struct step *s, int ret)
{
	struct chg *c = chg_find(es, s->charger);

	if (!c && (!ret || ret == -ENOMEM || ret == -ECHILD || ret == -EINPROGRESS)) {
		struct chg *v = realloc(es->chg, (es->nr_chg + 1) * sizeof(*v));

		if (v) {
			es->chg = v;
			c = &es->chg[es->nr_chg++];
			memset(c, 0, sizeof(*c));
			snprintf(c->name, sizeof(c->name), "%s", s->charger);
			snprintf(c->group, sizeof(c->group), "%s", s->group);
		}
	}
	if (c && !ret && s->file)
		c->file = true;
	if (c && ret == -EINPROGRESS)
		c->parked = tgt_page_align(s->value);
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
		ret = target_charge(t, s->charger, s->group, s->file, s->value, &cr);
		r->done = cr.done;
		r->oom_killed = cr.oom_killed;
		r->blocked = cr.blocked;
		chg_note_charge(es, s, ret);
		break;
	case OP_UNCHARGE:
		ret = target_uncharge(t, s->charger, s->file, s->value);
		break;
	case OP_RELEASE:
		ret = target_release(t, s->charger);
		c = chg_find(es, s->charger);
		if (!ret && c)
			*c = es->chg[--es->nr_chg];
		break;
	case OP_ADJ:
		ret = target_adj(t, s->charger, s->adj);
		break;
	case OP_WAIT:
		ret = target_wait(t, s->charger);
		c = chg_find(es, s->charger);
		if (c && ret != -EINPROGRESS)
			c->parked = 0;
		break;
	case OP_CHECK:
	case OP_SHOW:
		break;
	}
	r->ran = true;
	r->err = ret;
	if (ret)
		tgt_fmt(r->msg, sizeof(r->msg), "%s", t->err);
	if (t->cfg.oom_kill)
		note_killed(t, es, r);
	/* What every charger holds now (an OOM kill may have taken it all). */
	chg_refresh_held(t, es);
}

/*
 * The steps [k, end) of one together block: every charger is started on
 * its CPU (the i-th step of the block that runs here on the i-th CPU,
 * modulo their number), released together by the first finish, and each
 * step gets its own outcome; the state after them is read once all have
 * finished.
 */
static void run_block(struct target *t, struct exec_state *es, size_t k, size_t end,
		      struct step_result *res)
{
	unsigned int fl = t->cfg.v1 ? FL_V1 : FL_V2;
	struct tgt_async *a = calloc(end - k, sizeof(*a));
	struct tgt_charge_res cr;
	bool *started = calloc(end - k, sizeof(*started));
	int cpu = 0;

	for (size_t j = k; a && started && j < end; j++) {
		const struct step *s = &es->sc->steps[j];
		struct step_result *r = &res[j];

		if (!(s->flavours & fl))
			continue;
		a[j - k] = (struct tgt_async){
			.charger = s->charger, .group = s->group, .file = s->file,
			.uncharge = s->op == OP_UNCHARGE, .bytes = s->value, .cpu = cpu++,
		};
		if (s->op == OP_CHARGE)
			r->room = path_room(t, s->group);
		t->err[0] = '\0';
		r->ran = true;
		r->err = target_charge_start(t, &a[j - k]);
		started[j - k] = !r->err;
		if (r->err)
			tgt_fmt(r->msg, sizeof(r->msg), "%s", t->err);
	}
	for (size_t j = k; a && started && j < end; j++) {
		const struct step *s = &es->sc->steps[j];
		struct step_result *r = &res[j];

		if (!started[j - k])
			continue;
		t->err[0] = '\0';
		r->err = target_charge_finish(t, &a[j - k], &cr);
		if (r->err)
			tgt_fmt(r->msg, sizeof(r->msg), "%s", t->err);
		if (s->op == OP_CHARGE) {
			r->done = cr.done;
			r->oom_killed = cr.oom_killed;
			r->blocked = cr.blocked;
			chg_note_charge(es, s, r->err);
		}
	}
	for (size_t j = k; (!a || !started) && j < end; j++) {
		res[j].ran = (es->sc->steps[j].flavours & fl) != 0;
		res[j].err = -ENOMEM;
		snprintf(res[j].msg, sizeof(res[j].msg), "out of memory");
	}
	free(a);
	free(started);
	chg_refresh_held(t, es);
}

/* The chargers OOM-killed during this step, into r->killed. */
static void note_killed(struct target *t, struct exec_state *es, struct step_result *r)
{
	char list[KILLED_LEN] = "";
	bool killed;

	for (size_t i = 0; i < es->nr_chg; i++) {
		struct chg *c = &es->chg[i];

		if (c->killed || target_killed(t, c->name, &killed) || !killed)
			continue;
		c->killed = true;
		c->parked = 0;
		if (list[0])
			strncat(list, ",", sizeof(list) - strlen(list) - 1);
		strncat(list, c->name, sizeof(list) - strlen(list) - 1);
	}
	if (list[0])
		killed_list(list, r->killed, sizeof(r->killed));
}

/* Did the step end as "=> OUTCOME" (default ok) says? */
static bool outcome_ok(const struct scenario *sc, const struct step *s,
		       const struct step_result *r)
{
	char mine[KILLED_LEN + 2], list[KILLED_LEN + 2];

	if (s->expect == EXPECT_ANY)
		return !r->err || r->err == -ENOMEM;
	if (!s->expect_killed)
		return r->err == s->expect && (!sc->oom_kill || !r->killed[0]);
	if (strcmp(r->killed, s->killed))
		return false;
	if (!r->err)
		return true;
	/* A charger killed during its own charge is in the list. */
	snprintf(mine, sizeof(mine), ",%s,", s->charger);
	snprintf(list, sizeof(list), ",%s,", r->killed);
	return r->err == -ECHILD && s->op == OP_CHARGE && strstr(list, mine);
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
		if (s->block && (!k || sc->steps[k - 1].block != s->block)) {
			size_t end = k;

			while (end < sc->nr_steps && sc->steps[end].block == s->block)
				memset(&res[end++], 0, sizeof(*r));
			run_block(t, &es, k, end, res);
		} else if (!s->block) {
			memset(r, 0, sizeof(*r));
		}
		if (!(s->flavours & fl))
			continue;
		if (!s->block)
			run_step(t, &es, s, r);
		if (s->op == OP_UNCHARGE || s->op == OP_RELEASE || s->op == OP_ADJ ||
		    s->op == OP_WAIT || (s->op == OP_CHECK && s->field == F_HELD)) {
			c = chg_find(&es, s->charger);
			g = c ? c->group : NULL;
		}
		if (g && !(s->op == OP_RMDIR && !r->err) &&
		    !target_stats(t, g, &r->st)) {
			target_breakdown(t, g, &r->st);	/* shown if the step fails */
			r->have_stats = true;
			r->slack = group_slack(t, &es, g);
			for (size_t i = 0; i < es.nr_chg; i++)
				if (in_subtree(es.chg[i].group, g))
					r->parked += es.chg[i].parked;
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
			r->check_ok = outcome_ok(sc, s, r);
			failed += !r->check_ok;
		} else {
			r->check_ok = true;
		}
	}
	free(es.chg);
	return failed;
}
