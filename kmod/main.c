// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init and exit.
 */
#include <linux/init.h>
#include <linux/module.h>
#include "fs.h"
#include "netlink.h"
#include "policy.h"

static int __init mlab_init(void)
{
	int err;

	err = mlab_policy_init();
	if (err)
		return err;
	err = mlab_fs_init();
	if (err)
		goto policy_exit;
	err = mlab_netlink_init();
	if (err)
		goto fs_exit;
	return 0;

fs_exit:
	mlab_fs_exit();
policy_exit:
	mlab_policy_exit();
	return err;
}

static void __exit mlab_exit(void)
{
	mlab_netlink_exit();
	mlab_fs_exit();
	mlab_policy_exit();
}

module_init(mlab_init);
module_exit(mlab_exit);

MODULE_DESCRIPTION("memcglab: a laboratory for the memory controller's charging");
MODULE_AUTHOR("memcglab authors");
MODULE_LICENSE("GPL");
