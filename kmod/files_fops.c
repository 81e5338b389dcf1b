// SPDX-License-Identifier: GPL-2.0
/*
 * files_fops.c - the file_operations every file of a group shares: open
 * and release set up the descriptor (struct mlab_of) for the file table's
 * handlers in files.c and files_v1.c; read, write and poll call them.
 */
#include <linux/slab.h>
#include <linux/uio.h>
#include "files.h"

static int mlab_file_show(struct seq_file *sf, void *v)
{
	struct mlab_of *of = sf->private;

	return of->cft->show(sf, of);
}

static struct mlab_dir *mlab_file_dir(struct file *file)
{
	return d_inode(file->f_path.dentry->d_parent)->i_private;
}

static int mlab_file_open(struct inode *inode, struct file *file)
{
	const struct mlab_cftype *cft = inode->i_private;
	struct mlab_dir *md = mlab_file_dir(file);
	struct mlab_group *g = md->group;
	struct mlab_of *of;
	int err;

	of = kzalloc(sizeof(*of), GFP_KERNEL);
	if (!of)
		return -ENOMEM;
	mlab_group_get(g);
	of->group = g;
	of->dir = md;
	of->cft = cft;
	mutex_init(&of->mutex);
	if (cft->flags & MLAB_CFT_EVENTS)
		of->events_seen = atomic_read(&md->seq[MLAB_FSN_EVENTS]);
	if (cft->flags & MLAB_CFT_EVENTS_LOCAL)
		of->events_seen = atomic_read(&md->seq[MLAB_FSN_EVENTS_LOCAL]);
	if (cft->open) {
		err = cft->open(of);
		if (err)
			goto err_free;
	}
	err = single_open(file, mlab_file_show, of);
	if (err)
		goto err_release;
	/* seq_open() drops FMODE_PWRITE; a write ignores its offset anyway. */
	if (file->f_mode & FMODE_WRITE)
		file->f_mode |= FMODE_PWRITE;
	return 0;

err_release:
	if (cft->release)
		cft->release(of);
err_free:
	mlab_group_put(g);
	kfree(of);
	return err;
}

static int mlab_file_release(struct inode *inode, struct file *file)
{
	struct mlab_of *of = ((struct seq_file *)file->private_data)->private;

	if (of->cft->release)
		of->cft->release(of);
	mlab_group_put(of->group);
	kfree(of);
	return single_release(inode, file);
}

static ssize_t mlab_file_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct mlab_of *of = ((struct seq_file *)file->private_data)->private;

	if (mlab_group_removed(of->group))
		return -ENODEV;
	/* kernfs: a write-only file (opened by root) refuses reads. */
	if (!of->cft->show)
		return -EINVAL;
	return seq_read(file, ubuf, count, ppos);
}

/*
 * One write is one command, as in kernfs: at most a page, copied whole from
 * the iterator (so writev() is one command, not one per segment) and
 * NUL-terminated; the file offset plays no part.  An empty write does
 * nothing.  Writes to the files of a removed group fail with ENODEV.
 */
static ssize_t mlab_file_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct seq_file *sf = iocb->ki_filp->private_data;
	struct mlab_of *of = sf->private;
	size_t len = iov_iter_count(iter);
	char *buf;
	int err;

	if (len > PAGE_SIZE)
		return -E2BIG;
	if (!len)
		return 0;
	/*
	 * cgroup lets root open a read-only file for writing (kernfs always
	 * has a write method for it) and refuses each write with EINVAL.
	 */
	if (!of->cft->write)
		return -EINVAL;
	buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_iter(buf, len, iter) != len) {
		err = -EFAULT;
		goto out;
	}
	buf[len] = '\0';
	mutex_lock(&of->mutex);
	if (mlab_group_removed(of->group))
		err = -ENODEV;
	else
		err = of->cft->write(of, buf, len);
	mutex_unlock(&of->mutex);
	if (!err)
		iocb->ki_pos += len;
out:
	kfree(buf);
	return err ? err : len;
}

static __poll_t mlab_file_poll(struct file *file, poll_table *pt)
{
	struct mlab_of *of = ((struct seq_file *)file->private_data)->private;
	struct mlab_dir *md = of->dir;
	int idx;

	if (of->cft->flags & MLAB_CFT_EVENTS)
		idx = MLAB_FSN_EVENTS;
	else if (of->cft->flags & MLAB_CFT_EVENTS_LOCAL)
		idx = MLAB_FSN_EVENTS_LOCAL;
	else
		return DEFAULT_POLLMASK;
	poll_wait(file, &md->wait, pt);
	if (READ_ONCE(of->events_seen) != atomic_read(&md->seq[idx]))
		return DEFAULT_POLLMASK | EPOLLERR | EPOLLPRI;
	return DEFAULT_POLLMASK;
}

const struct file_operations mlab_file_fops = {
	.owner		= THIS_MODULE,
	.open		= mlab_file_open,
	.release	= mlab_file_release,
	.read		= mlab_file_read,
	.write_iter	= mlab_file_write_iter,
	.llseek		= seq_lseek,
	.poll		= mlab_file_poll,
};
