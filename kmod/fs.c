// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the memcglab filesystem: one hierarchy per mount, a group per
 * directory, the file table of files.c in every directory.
 *
 * Dentries are pinned (mlab_d_pin(), compat.h) while their file or
 * directory exists, as in ramfs; rmdir unpins them and unmount unpins
 * what is left.  A directory inode holds a reference on its
 * group (i_private); a file inode points at its struct mlab_cftype and
 * finds the group through its parent directory.
 */
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include "compat.h"
#include "files.h"

#define MLAB_MAGIC		0x6d6c6162	/* "mlab" */

struct mlab_fs_ctx {
	bool v1;
	bool recursiveprot;
	char policy[MLAB_POLICY_NAME_MAX];
	unsigned int batch;
	bool policy_set;	/* policy= given */
	bool batch_set;		/* batch= given */
	enum mlab_reclaim_mode reclaim;
	enum mlab_oom_mode oom;
	bool reclaim_set;	/* reclaim= given */
	bool oom_set;		/* oom= given */
	unsigned long swap;	/* swap=, in pages */
	bool swap_set;		/* swap= given */
};

enum {
	MLAB_OPT_V1,
	MLAB_OPT_POLICY,
	MLAB_OPT_BATCH,
	MLAB_OPT_RECURSIVEPROT,
	MLAB_OPT_RECLAIM,
	MLAB_OPT_OOM,
	MLAB_OPT_SWAP,
};

static const struct constant_table mlab_reclaim_table[] = {
	{ "lru",	MLAB_RECLAIM_LRU },
	{ "mglru",	MLAB_RECLAIM_MGLRU },
	{ }
};

static const struct constant_table mlab_oom_table[] = {
	{ "kill",	MLAB_OOM_KILL },
	{ "off",	MLAB_OOM_OFF },
	{ "revoke",	MLAB_OOM_REVOKE },
	{ }
};

static const struct fs_parameter_spec mlab_fs_params[] = {
	fsparam_flag("v1", MLAB_OPT_V1),
	fsparam_string("policy", MLAB_OPT_POLICY),
	fsparam_u32("batch", MLAB_OPT_BATCH),
	fsparam_flag("memory_recursiveprot", MLAB_OPT_RECURSIVEPROT),
	fsparam_enum("reclaim", MLAB_OPT_RECLAIM, mlab_reclaim_table),
	fsparam_enum("oom", MLAB_OPT_OOM, mlab_oom_table),
	fsparam_string("swap", MLAB_OPT_SWAP),
	{ }
};

static const struct inode_operations mlab_dir_iops;
static const struct super_operations mlab_sops;

/* --- inodes and the file table ------------------------------------------ */

static struct inode *mlab_new_inode(struct super_block *sb, umode_t mode,
				    u64 ino)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = ino;
	inode->i_mode = mode;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	mlab_inode_init_ts(inode);
	return inode;
}

static bool mlab_cft_visible(const struct mlab_cftype *cft,
			     struct mlab_group *g)
{
	struct mlab_group_info info;

	mlab_group_info(g, &info);
	if (!(cft->flags & (info.v1 ? MLAB_CFT_V1 : MLAB_CFT_V2)))
		return false;
	return !(mlab_group_is_root(g) && (cft->flags & MLAB_CFT_NOT_ON_ROOT));
}

/* cgroupfs modes: 0644 read-write, 0444 read-only, 0200 write-only. */
static umode_t mlab_cft_mode(const struct mlab_cftype *cft)
{
	umode_t mode = 0;

	if (cft->show)
		mode |= 0444;
	if (cft->write)
		mode |= 0200;
	return mode;
}

/* Remove a group directory's files (the directory's inode is locked). */
static void mlab_dir_clear(struct dentry *dir)
{
	const struct mlab_cftype *cft;

	for (cft = mlab_files; cft->name; cft++) {
		struct qstr name = QSTR_INIT(cft->name, strlen(cft->name));
		struct dentry *child = mlab_lookup_cached(dir, &name);

		if (IS_ERR_OR_NULL(child))
			continue;
		if (d_really_is_positive(child)) {
			simple_unlink(d_inode(dir), child);
			d_delete(child);
		}
		dput(child);
	}
}

/* Create a group directory's files (the directory's inode is locked). */
static int mlab_dir_populate(struct dentry *dir, struct mlab_hier *h)
{
	struct mlab_dir *md = d_inode(dir)->i_private;
	struct mlab_group *g = md->group;
	const struct mlab_cftype *cft;

	for (cft = mlab_files; cft->name; cft++) {
		struct dentry *child;
		struct inode *inode;

		if (!mlab_cft_visible(cft, g))
			continue;
		child = d_alloc_name(dir, cft->name);
		if (!child)
			return -ENOMEM;
		inode = mlab_new_inode(dir->d_sb, S_IFREG | mlab_cft_mode(cft),
				       mlab_hier_next_ino(h));
		if (!inode) {
			dput(child);
			return -ENOMEM;
		}
		inode->i_fop = &mlab_file_fops;
		inode->i_private = (void *)cft;
		mlab_d_pin(child, inode);
		dput(child);
		if (cft->flags & MLAB_CFT_EVENTS)
			md->events = child;
		if (cft->flags & MLAB_CFT_EVENTS_LOCAL)
			md->events_local = child;
	}
	return 0;
}

static void mlab_dir_free(struct mlab_dir *md)
{
	mlab_group_set_priv(md->group, NULL);
	mlab_fs_notify_stop(md);
	kfree_rcu(md, rcu);
}

/* A directory inode for @g; it takes over the caller's group reference. */
static struct inode *mlab_group_inode(struct super_block *sb, u64 ino,
				      struct mlab_group *g)
{
	struct mlab_dir *md;
	struct inode *inode;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return NULL;
	inode = mlab_new_inode(sb, S_IFDIR | 0755, ino);
	if (!inode) {
		kfree(md);
		return NULL;
	}
	md->group = g;
	spin_lock_init(&md->lock);
	INIT_DELAYED_WORK(&md->work, mlab_fs_notify_workfn);
	init_waitqueue_head(&md->wait);
	mutex_init(&md->peaks_lock);
	INIT_LIST_HEAD(&md->peaks);
	INIT_LIST_HEAD(&md->swap_peaks);
	mlab_group_set_priv(g, md);
	inode->i_op = &mlab_dir_iops;
	inode->i_fop = &simple_dir_operations;
	inode->i_private = md;
	inc_nlink(inode);
	return inode;
}

static int mlab_mkdir(mlab_idmap_t *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode)
{
	struct mlab_dir *pmd = dir->i_private;
	struct mlab_hier *h = dir->i_sb->s_fs_info;
	struct mlab_group *g;
	struct inode *inode;
	u64 ino;
	int err;

	if (strchr(dentry->d_name.name, '\n'))
		return -EINVAL;
	ino = mlab_hier_next_ino(h);
	g = mlab_group_create(h, pmd->group, ino);
	if (IS_ERR(g))
		return PTR_ERR(g);
	inode = mlab_group_inode(dir->i_sb, ino, g);
	if (!inode) {
		mlab_group_remove(g);
		mlab_group_put(g);
		return -ENOMEM;
	}
	/* The inode now owns the creation reference. */
	inode_lock_nested(inode, I_MUTEX_CHILD);
	mlab_d_pin(dentry, inode);
	err = mlab_dir_populate(dentry, h);
	if (err) {
		mlab_fs_notify_stop(inode->i_private);
		mlab_dir_clear(dentry);
		mlab_group_remove(g);
		inode_unlock(inode);
		clear_nlink(inode);
		d_drop(dentry);
		mlab_d_unpin(dentry);
		return err;
	}
	inode_unlock(inode);
	inc_nlink(dir);
	return 0;
}

static mlab_mkdir_ret_t mlab_mkdir_op(mlab_idmap_t *idmap, struct inode *dir,
				      struct dentry *dentry, umode_t mode)
{
	return mlab_mkdir_ret(mlab_mkdir(idmap, dir, dentry, mode));
}

static int mlab_rmdir(struct inode *dir, struct dentry *dentry)
{
	struct mlab_dir *md = d_inode(dentry)->i_private;
	int err;

	err = mlab_group_remove(md->group);
	if (err)
		return err;
	mlab_fs_notify_stop(md);
	mlab_dir_clear(dentry);
	return simple_rmdir(dir, dentry);
}

static const struct inode_operations mlab_dir_iops = {
	.lookup		= simple_lookup,
	.mkdir		= mlab_mkdir_op,
	.rmdir		= mlab_rmdir,
};

/* --- super block ---------------------------------------------------------- */

static void mlab_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (S_ISDIR(inode->i_mode) && inode->i_private) {
		struct mlab_dir *md = inode->i_private;
		struct mlab_group *g = md->group;

		mlab_dir_free(md);
		mlab_group_put(g);
	}
}

static int mlab_show_options(struct seq_file *m, struct dentry *root)
{
	struct mlab_hier_opts o;

	mlab_hier_get_opts(root->d_sb->s_fs_info, &o);
	if (o.v1)
		seq_puts(m, ",v1");
	if (o.recursiveprot)
		seq_puts(m, ",memory_recursiveprot");
	seq_printf(m, ",policy=%s", o.policy);
	if (o.batch)
		seq_printf(m, ",batch=%u", o.batch);
	if (o.reclaim != MLAB_DEFAULT_RECLAIM)
		seq_printf(m, ",reclaim=%s", mlab_reclaim_mode_names[o.reclaim]);
	seq_printf(m, ",oom=%s", mlab_oom_mode_names[o.oom]);
	if (o.swap)
		seq_printf(m, ",swap=%llu", (u64)o.swap * PAGE_SIZE);
	return 0;
}

static const struct super_operations mlab_sops = {
	.statfs		= simple_statfs,
	.drop_inode	= mlab_drop_inode_now,
	.evict_inode	= mlab_evict_inode,
	.show_options	= mlab_show_options,
};

/* The policy is not (or no longer) registered: say what is. */
static int mlab_fs_unknown_policy(struct fs_context *fc, const char *name)
{
	char avail[128];

	mlab_policy_available(avail, sizeof(avail));
	return invalfc(fc, "unknown policy %s (available: %s)", name, avail);
}

static int mlab_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct mlab_fs_ctx *ctx = fc->fs_private;
	struct mlab_group *root;
	struct mlab_hier *h;
	struct inode *inode;
	u64 ino;
	int err;

	sb->s_magic = MLAB_MAGIC;
	sb->s_op = &mlab_sops;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_time_gran = 1;

	h = mlab_hier_create(ctx->v1, ctx->recursiveprot, ctx->policy,
			     ctx->batch, ctx->reclaim, ctx->oom);
	if (PTR_ERR_OR_ZERO(h) == -ENOENT)
		return mlab_fs_unknown_policy(fc, ctx->policy);
	if (IS_ERR(h))
		return invalfc(fc, "cannot create policy %s (batch %u): %ld",
			       ctx->policy, ctx->batch, PTR_ERR(h));
	sb->s_fs_info = h;
	mlab_swap_dev_init(&h->swap, ctx->swap);
	err = mlab_hier_register(h, new_encode_dev(sb->s_dev));
	if (err)
		return err;

	ino = mlab_hier_next_ino(h);
	root = mlab_group_create(h, NULL, ino);
	if (IS_ERR(root))
		return PTR_ERR(root);
	inode = mlab_group_inode(sb, ino, root);
	if (!inode) {
		mlab_group_put(root);
		return -ENOMEM;
	}
	sb->s_root = d_make_root(inode);
	if (!sb->s_root)
		return -ENOMEM;
	return mlab_dir_populate(sb->s_root, h);
}

static void mlab_kill_sb(struct super_block *sb)
{
	struct mlab_hier *h = sb->s_fs_info;

	if (h)
		mlab_hier_unregister(h);
	mlab_fs_notify_stop_all(sb);
	mlab_kill_pinned_super(sb);
	if (h)
		mlab_hier_put(h);
}

/* --- fs_context ------------------------------------------------------------ */

/* swap=SIZE: memparse() syntax (K, M, G...), rounded down to pages. */
static int mlab_parse_swap(struct fs_context *fc, const char *str)
{
	struct mlab_fs_ctx *ctx = fc->fs_private;
	unsigned long long bytes;
	char *end;

	if (!isdigit(*str))
		return invalfc(fc, "swap=%s: not a size", str);
	bytes = memparse(str, &end);
	if (*end)
		return invalfc(fc, "swap=%s: not a size", str);
	if (bytes / PAGE_SIZE > MLAB_COUNTER_MAX)
		return invalfc(fc, "swap=%s: too large", str);
	ctx->swap = bytes / PAGE_SIZE;
	ctx->swap_set = true;
	return 0;
}

static int mlab_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct mlab_fs_ctx *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, mlab_fs_params, param, &result);
	if (opt < 0)
		return opt;
	switch (opt) {
	case MLAB_OPT_V1:
		ctx->v1 = true;
		break;
	case MLAB_OPT_POLICY:
		if (!mlab_policy_known(param->string))
			return mlab_fs_unknown_policy(fc, param->string);
		strscpy(ctx->policy, param->string, sizeof(ctx->policy));
		ctx->policy_set = true;
		break;
	case MLAB_OPT_BATCH:
		if (!result.uint_32 || result.uint_32 > MLAB_MAX_BATCH)
			return invalfc(fc, "batch must be 1..%u pages",
				       MLAB_MAX_BATCH);
		ctx->batch = result.uint_32;
		ctx->batch_set = true;
		break;
	case MLAB_OPT_RECURSIVEPROT:
		ctx->recursiveprot = true;
		break;
	case MLAB_OPT_RECLAIM:
		ctx->reclaim = result.uint_32;
		ctx->reclaim_set = true;
		break;
	case MLAB_OPT_OOM:
		ctx->oom = result.uint_32;
		ctx->oom_set = true;
		break;
	case MLAB_OPT_SWAP:
		return mlab_parse_swap(fc, param->string);
	}
	return 0;
}

static int mlab_get_tree(struct fs_context *fc)
{
	struct mlab_fs_ctx *ctx = fc->fs_private;

	/* As in cgroup: min and low, and so this option, are v2 only. */
	if (ctx->v1 && ctx->recursiveprot)
		return invalfc(fc, "memory_recursiveprot is a cgroup v2 option");
	return get_tree_nodev(fc, mlab_fill_super);
}

/*
 * Remount.  As in cgroup2, the options given describe the mount anew:
 * memory_recursiveprot is on if given and off if not.  The flavour cannot
 * change.  policy= and batch= may change only while the hierarchy has no
 * group but the root and no charge; when absent they keep their values.
 * swap= resizes the swap device (EINVAL below the slots in use); absent,
 * it stays.
 * Every check comes first, so a refused remount changes nothing.
 */
static int mlab_reconfigure(struct fs_context *fc)
{
	struct mlab_fs_ctx *ctx = fc->fs_private;
	struct mlab_hier *h = fc->root->d_sb->s_fs_info;
	struct mlab_hier_opts o;
	const char *policy;
	unsigned int batch;
	int err;

	mlab_hier_get_opts(h, &o);
	if (ctx->v1 && !o.v1)
		return invalfc(fc, "v1: the flavour cannot change on remount");
	if (o.v1 && ctx->recursiveprot)
		return invalfc(fc, "memory_recursiveprot is a cgroup v2 option");
	/* swapon/swapoff: shrinking below the slots in use is refused. */
	if (ctx->swap_set && mlab_swap_dev_resize(h, ctx->swap))
		return invalfc(fc, "swap=%llu: more swap is in use",
			       (u64)ctx->swap * PAGE_SIZE);
	policy = ctx->policy_set ? ctx->policy : o.policy;
	batch = ctx->batch_set ? ctx->batch : o.batch ?: ctx->batch;
	if (strcmp(policy, o.policy) || (o.batch && batch != o.batch)) {
		err = mlab_hier_set_policy(h, policy, batch);
		if (err)
			mlab_swap_dev_resize(h, o.swap);
		if (err == -EBUSY) {
			errorfc(fc, "policy=%s: the hierarchy has groups or charges",
				policy);
			return err;
		}
		if (err == -ENOENT)
			return mlab_fs_unknown_policy(fc, policy);
		if (err)
			return invalfc(fc, "cannot create policy %s (batch %u): %d",
				       policy, batch, err);
	}
	/* The pressure options change freely; an absent one stays as it is. */
	mlab_hier_set_pressure(h, ctx->reclaim_set ? ctx->reclaim : o.reclaim,
			       ctx->oom_set ? ctx->oom : o.oom);
	return mlab_hier_set_recursiveprot(h, ctx->recursiveprot);
}

static void mlab_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations mlab_context_ops = {
	.free		= mlab_free_fc,
	.parse_param	= mlab_parse_param,
	.get_tree	= mlab_get_tree,
	.reconfigure	= mlab_reconfigure,
};

static int mlab_init_fs_context(struct fs_context *fc)
{
	struct mlab_fs_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	strscpy(ctx->policy, MLAB_POLICY_DEFAULT, sizeof(ctx->policy));
	ctx->batch = MLAB_DEFAULT_BATCH;
	ctx->reclaim = MLAB_DEFAULT_RECLAIM;
	ctx->oom = MLAB_OOM_KILL;
	fc->fs_private = ctx;
	fc->ops = &mlab_context_ops;
	return 0;
}

static struct file_system_type mlab_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "memcglab",
	.init_fs_context	= mlab_init_fs_context,
	.parameters		= mlab_fs_params,
	.kill_sb		= mlab_kill_sb,
};

/**
 * mlab_fs_init - register the memcglab filesystem
 *
 * Context: module init.
 * Return: 0 or the error from register_filesystem().
 */
int mlab_fs_init(void)
{
	int err;

	mlab_group_register_notifier(&mlab_fs_nb);
	err = register_filesystem(&mlab_fs_type);
	if (err)
		mlab_group_unregister_notifier(&mlab_fs_nb);
	return err;
}

/**
 * mlab_fs_exit - unregister the memcglab filesystem
 *
 * Context: module exit (no mount or open file is left: they pin the module).
 */
void mlab_fs_exit(void)
{
	unregister_filesystem(&mlab_fs_type);
	mlab_group_unregister_notifier(&mlab_fs_nb);
}
