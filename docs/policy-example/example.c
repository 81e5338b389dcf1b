// SPDX-License-Identifier: GPL-2.0
/*
 * example.c - the smallest useful memcglab charging policy
 *
 * Charges go straight to the page counters, as with "strict"; on top, the
 * policy counts in its per-hierarchy state how many charges a limit
 * refused, and prints the count when the hierarchy goes.  docs/policy.md
 * builds, loads and tests it step by step.
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mlab_policy.h"

struct example_state {
	atomic_long_t refused;
};

static int example_init(struct mlab_policy *p)
{
	struct example_state *s = kzalloc(sizeof(*s), GFP_KERNEL);

	p->data = s;
	return s ? 0 : -ENOMEM;
}

static void example_release(struct mlab_policy *p)
{
	struct example_state *s = p->data;

	pr_info("memcglab_policy_example: %ld charges refused\n",
		atomic_long_read(&s->refused));
	kfree(s);
}

static int example_try_charge(struct mlab_policy *p, struct mlab_counter *c,
			      unsigned long nr_pages,
			      struct mlab_counter **fail)
{
	struct example_state *s = p->data;

	if (mlab_counter_try_charge(c, nr_pages, fail))
		return 0;
	atomic_long_inc(&s->refused);
	return -ENOMEM;
}

static void example_charge(struct mlab_policy *p, struct mlab_counter *c,
			   unsigned long nr_pages)
{
	mlab_counter_charge(c, nr_pages);
}

static void example_uncharge(struct mlab_policy *p, struct mlab_counter *c,
			     unsigned long nr_pages)
{
	mlab_counter_uncharge(c, nr_pages);
}

static struct mlab_policy_ops example_ops = {
	.name		= "example",
	.description	= "strict, counting refused charges (docs/policy.md)",
	.owner		= THIS_MODULE,
	.init		= example_init,
	.release	= example_release,
	.try_charge	= example_try_charge,
	.charge		= example_charge,
	.uncharge	= example_uncharge,
};

static int __init example_module_init(void)
{
	return mlab_policy_register(&example_ops);
}

static void __exit example_module_exit(void)
{
	mlab_policy_unregister(&example_ops);
}

module_init(example_module_init);
module_exit(example_module_exit);

MODULE_DESCRIPTION("memcglab charging policy: an example");
MODULE_LICENSE("GPL");
