// SPDX-License-Identifier: GPL-2.0
/* libmlab: reading and writing the memcg-style files, a group's ids. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmlab.h"

ssize_t mlab_read(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return (ssize_t)len;
}

int mlab_write_len(const char *path, const char *s, size_t len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	errno = -ret;
	return ret;
}

int mlab_write(const char *path, const char *s)
{
	return mlab_write_len(path, s, strlen(s));
}

int mlab_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	ssize_t n = mlab_read(path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (!strncmp(buf, "max", 3)) {
		*val = MLAB_UNLIMITED;
		return 0;
	}
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int mlab_read_keys(const char *path, const char *const *keys, uint64_t *vals,
		   unsigned int n)
{
	char buf[16384], *line, *save = NULL;
	ssize_t len = mlab_read(path, buf, sizeof(buf));
	int found = 0;

	if (len < 0)
		return (int)len;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		for (unsigned int i = 0; i < n; i++) {
			if (!strcmp(line, keys[i])) {
				vals[i] = strtoull(sp + 1, NULL, 10);
				found++;
				break;
			}
		}
	}
	return found;
}

int mlab_read_key(const char *path, const char *key, uint64_t *val)
{
	int ret = mlab_read_keys(path, &key, val, 1);

	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

int mlab_group_ids(const char *path, uint32_t *hier, uint64_t *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*hier = (uint32_t)st.st_dev;
	*id = st.st_ino;
	return 0;
}
