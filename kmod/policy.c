// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - charging policies behind one ops table: the registry and the
 * dispatch.  The built-in policies are in policy_builtin.c.
 *
 * The registry is modelled on net/ipv4/tcp_cong.c: policies by name on
 * a list written under a spinlock and read under RCU; a hierarchy takes a
 * reference on the module of its policy.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "counter.h"
#include "policy.h"
#include "policy_builtin.h"

/* --- the registry --- */

static DEFINE_SPINLOCK(mlab_policy_lock);	/* serialises list changes */
static LIST_HEAD(mlab_policy_list);		/* read under RCU */

/* Caller holds rcu_read_lock() or mlab_policy_lock. */
static struct mlab_policy_ops *mlab_policy_find(const char *name)
{
	struct mlab_policy_ops *ops;

	list_for_each_entry_rcu(ops, &mlab_policy_list, list,
				lockdep_is_held(&mlab_policy_lock))
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}

/* [a-z0-9_]+: it goes into mount options and command lines unquoted. */
static bool mlab_policy_name_valid(const char *name)
{
	size_t i;

	for (i = 0; i < MLAB_POLICY_NAME_MAX && name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return false;
	return i > 0 && i < MLAB_POLICY_NAME_MAX;
}

/**
 * mlab_policy_register - make a charging policy available to mounts
 * @ops: the policy; stays in use until mlab_policy_unregister()
 *
 * The name must be [a-z0-9_], shorter than MLAB_POLICY_NAME_MAX and not
 * registered yet; @ops must have try_charge, charge and uncharge, and a
 * description shorter than MLAB_POLICY_DESC_MAX.
 *
 * Context: process context (module init).
 * Return: 0, -EINVAL for invalid @ops, -EEXIST if the name is taken.
 */
int mlab_policy_register(struct mlab_policy_ops *ops)
{
	int ret = 0;

	if (!mlab_policy_name_valid(ops->name) || !ops->try_charge ||
	    !ops->charge || !ops->uncharge || !ops->description ||
	    strlen(ops->description) >= MLAB_POLICY_DESC_MAX) {
		pr_err("memcglab: policy %.*s: bad name, description or operations\n",
		       MLAB_POLICY_NAME_MAX, ops->name);
		return -EINVAL;
	}

	spin_lock(&mlab_policy_lock);
	if (mlab_policy_find(ops->name)) {
		pr_notice("memcglab: policy %s already registered\n", ops->name);
		ret = -EEXIST;
	} else {
		list_add_tail_rcu(&ops->list, &mlab_policy_list);
	}
	spin_unlock(&mlab_policy_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mlab_policy_register);

/**
 * mlab_policy_unregister - withdraw a charging policy
 * @ops: a policy registered with mlab_policy_register()
 *
 * No hierarchy can be using @ops: each holds a reference on @ops->owner,
 * so a module only gets here from its exit.  Returns once no lookup still
 * sees @ops.
 *
 * Context: process context, may sleep.
 */
void mlab_policy_unregister(struct mlab_policy_ops *ops)
{
	spin_lock(&mlab_policy_lock);
	list_del_rcu(&ops->list);
	spin_unlock(&mlab_policy_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(mlab_policy_unregister);

static struct mlab_policy_ops * const mlab_builtin_policies[] = {
	&strict_ops, &batched_ops, &locked_ops,
};

/**
 * mlab_policy_init - register memcglab's own policies
 *
 * Context: module init.
 * Return: 0 or the error of the registration that failed (nothing is left
 * registered then).
 */
int mlab_policy_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(mlab_builtin_policies); i++) {
		err = mlab_policy_register(mlab_builtin_policies[i]);
		if (err)
			goto undo;
	}
	return 0;
undo:
	while (i--)
		mlab_policy_unregister(mlab_builtin_policies[i]);
	return err;
}

/**
 * mlab_policy_exit - unregister memcglab's own policies
 *
 * Context: module exit; no hierarchy is left.
 */
void mlab_policy_exit(void)
{
	int i = ARRAY_SIZE(mlab_builtin_policies);

	while (i--)
		mlab_policy_unregister(mlab_builtin_policies[i]);
}

static const char *mlab_policy_module(const struct mlab_policy_ops *ops)
{
	return ops->owner ? module_name(ops->owner) : "memcglab";
}

/**
 * mlab_policy_get_info - describe the @idx-th registered policy
 * @idx: 0 for the first, in registration order
 * @info: filled in on success
 *
 * Context: any context.
 * Return: 0, or -ENOENT when fewer than @idx + 1 policies are registered.
 */
int mlab_policy_get_info(unsigned int idx, struct mlab_policy_info *info)
{
	struct mlab_policy_ops *ops;
	int ret = -ENOENT;

	rcu_read_lock();
	list_for_each_entry_rcu(ops, &mlab_policy_list, list) {
		if (idx--)
			continue;
		strscpy(info->name, ops->name, sizeof(info->name));
		strscpy(info->module, mlab_policy_module(ops),
			sizeof(info->module));
		strscpy(info->description, ops->description,
			sizeof(info->description));
		info->flags = ops->flags;
		info->slack = ops->slack;
		ret = 0;
		break;
	}
	rcu_read_unlock();
	return ret;
}

/**
 * mlab_policy_known - is a policy of this name registered?
 * @name: the name
 *
 * Context: any context.
 * Return: true if it is (it may be gone by the time the caller acts).
 */
bool mlab_policy_known(const char *name)
{
	bool known;

	rcu_read_lock();
	known = mlab_policy_find(name);
	rcu_read_unlock();
	return known;
}

/**
 * mlab_policy_available - the registered names, for error messages
 * @buf: filled with the names separated by spaces, cut at @size
 * @size: size of @buf (at least 1)
 *
 * Context: any context.
 */
void mlab_policy_available(char *buf, size_t size)
{
	struct mlab_policy_ops *ops;
	size_t len = 0;

	buf[0] = '\0';
	rcu_read_lock();
	list_for_each_entry_rcu(ops, &mlab_policy_list, list) {
		if (len + strlen(ops->name) + 2 > size)
			break;
		if (len)
			buf[len++] = ' ';
		strscpy(buf + len, ops->name, size - len);
		len += strlen(ops->name);
	}
	rcu_read_unlock();
}

/*
 * memcglab's own policies need no reference: every user of a hierarchy
 * already pins memcglab, and the last put must not come from the module
 * it releases.
 */
static bool mlab_policy_get_owner(const struct mlab_policy_ops *ops)
{
	return ops->owner == THIS_MODULE || try_module_get(ops->owner);
}

static void mlab_policy_put_owner(const struct mlab_policy_ops *ops)
{
	if (ops->owner != THIS_MODULE)
		module_put(ops->owner);
}

/*
 * --- entry points ---
 *
 * The charge paths dispatch with INDIRECT_CALL_3(): a pointer compare and
 * a direct call instead of an indirect one. On the hot path that is the
 * difference between a predicted branch and a retpoline; natively it lets
 * the compiler inline strict, which is then the bare counter walk.
 */

/**
 * mlab_policy_create - set up the charging policy of a hierarchy
 * @name: the registered policy's name
 * @batch: pages per batch for a policy with MLAB_POLICY_F_BATCH, 0 for
 *         MLAB_DEFAULT_BATCH; ignored by the others
 *
 * Takes a reference on the policy's module until mlab_policy_destroy().
 *
 * Context: process context, may sleep.
 * Return: the policy, ERR_PTR(-ENOENT) if no policy of that name is
 * registered (or its module is going away), ERR_PTR(-EINVAL) for a @batch
 * above MLAB_MAX_BATCH, ERR_PTR(-ENOMEM) if memory runs out, or the error
 * of the policy's init.
 */
struct mlab_policy *mlab_policy_create(const char *name, unsigned int batch)
{
	struct mlab_policy_ops *ops;
	struct mlab_policy *p;
	int err;

	if (batch > MLAB_MAX_BATCH)
		return ERR_PTR(-EINVAL);

	rcu_read_lock();
	ops = mlab_policy_find(name);
	if (ops && !mlab_policy_get_owner(ops))
		ops = NULL;
	rcu_read_unlock();
	if (!ops)
		return ERR_PTR(-ENOENT);

	err = -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto put;
	p->ops = ops;
	if (ops->flags & MLAB_POLICY_F_BATCH)
		p->batch = batch ? batch : MLAB_DEFAULT_BATCH;

	if (ops->init) {
		err = ops->init(p);
		if (err)
			goto free;
	}
	return p;

free:
	kfree(p);
put:
	mlab_policy_put_owner(ops);
	return ERR_PTR(err);
}

/**
 * mlab_policy_destroy - drain all stock and free a policy
 * @p: the policy, or NULL
 *
 * Every counter of the hierarchy must be idle: no charge may run during or
 * after this call.  Drops the reference on the policy's module.
 *
 * Context: process context, may sleep.
 */
void mlab_policy_destroy(struct mlab_policy *p)
{
	const struct mlab_policy_ops *ops;

	if (!p)
		return;
	ops = p->ops;
	mlab_policy_drain(p, NULL);
	if (ops->release)
		ops->release(p);
	kfree(p);
	mlab_policy_put_owner(ops);
}

/**
 * mlab_policy_name - which policy this is
 * @p: the policy
 *
 * Context: any context.
 * Return: its registered name, valid as long as @p.
 */
const char *mlab_policy_name(const struct mlab_policy *p)
{
	return p->ops->name;
}

/**
 * mlab_policy_batch - pages charged ahead per batch
 * @p: the policy
 *
 * Context: any context.
 * Return: the batch size of a batched policy, 0 for the others.
 */
unsigned int mlab_policy_batch(const struct mlab_policy *p)
{
	return p->batch;
}

/**
 * mlab_policy_counter_init - initialise a counter for use with a policy
 * @p: the policy of the hierarchy
 * @c: the counter
 * @parent: the next level up, or NULL for the root
 * @track_failcnt: whether failures limited by @c count in @c->failcnt
 *
 * Before @c is freed, mlab_policy_drain(@p, @c) must return any pages the
 * policy still caches for it.
 *
 * Context: process context, may sleep; @c must not be in use yet.
 * Return: 0, or the error of the policy's counter_init (then @c needs no
 * mlab_policy_counter_exit()).
 */
int mlab_policy_counter_init(struct mlab_policy *p, struct mlab_counter *c,
			     struct mlab_counter *parent, bool track_failcnt)
{
	mlab_counter_init(c, parent, track_failcnt);
	if (p->ops->counter_init)
		return p->ops->counter_init(p, c);
	return 0;
}

/**
 * mlab_policy_counter_exit - the counter is going away
 * @p: the policy of the hierarchy
 * @c: a counter initialised with mlab_policy_counter_init(), drained and
 *     idle
 *
 * Context: process context, may sleep.
 */
void mlab_policy_counter_exit(struct mlab_policy *p, struct mlab_counter *c)
{
	if (p->ops->counter_exit)
		p->ops->counter_exit(p, c);
}

/**
 * mlab_policy_try_charge - charge pages within the limits
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: pages to charge
 * @fail: set to the limiting counter on failure
 *
 * Context: process context, no spinlock held; does not sleep.
 * Return: 0, or -ENOMEM (and *@fail) if a limit refused the charge; then
 * usage is as before, except that stock may have been refilled or drained.
 */
int mlab_policy_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages, struct mlab_counter **fail)
{
	return INDIRECT_CALL_3(p->ops->try_charge, strict_try_charge,
			       batched_try_charge, locked_try_charge,
			       p, c, nr_pages, fail);
}

/**
 * mlab_policy_charge - charge pages regardless of limits
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: pages to charge
 *
 * Context: process context, no spinlock held; does not sleep.
 */
void mlab_policy_charge(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	INDIRECT_CALL_3(p->ops->charge, strict_charge, batched_charge,
			locked_charge, p, c, nr_pages);
}

/**
 * mlab_policy_uncharge - give pages back
 * @p: the policy of the hierarchy
 * @c: the counter they were charged to
 * @nr_pages: pages to uncharge
 *
 * Context: process context, no spinlock held; does not sleep.
 */
void mlab_policy_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			  unsigned long nr_pages)
{
	INDIRECT_CALL_3(p->ops->uncharge, strict_uncharge, batched_uncharge,
			locked_uncharge, p, c, nr_pages);
}

/**
 * mlab_policy_drain - return cached pages to the counters
 * @p: the policy of the hierarchy
 * @c: drain what is cached for @c and its descendants; NULL for all
 *
 * Context: process context, may sleep.
 */
void mlab_policy_drain(struct mlab_policy *p, struct mlab_counter *c)
{
	if (p->ops->drain)
		p->ops->drain(p, c);
}

/**
 * mlab_policy_set_max - set a limit the cgroup v1 way
 * @p: the policy of the hierarchy
 * @c: the counter
 * @nr_pages: the new limit
 *
 * When usage is above the new limit, drain the stocks below @c and try
 * once more.  The caller serialises calls on the same counter.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY if usage stays above @nr_pages.
 */
int mlab_policy_set_max(struct mlab_policy *p, struct mlab_counter *c,
			unsigned long nr_pages)
{
	const struct mlab_policy_ops *ops = p->ops;
	int ret;

	ret = ops->set_max ? ops->set_max(p, c, nr_pages) :
			     mlab_counter_set_max(c, nr_pages);
	if (ret == -EBUSY && ops->drain) {
		ops->drain(p, c);
		ret = ops->set_max ? ops->set_max(p, c, nr_pages) :
				     mlab_counter_set_max(c, nr_pages);
	}
	return ret;
}
