/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_STRING_H
#define SHIM_LINUX_STRING_H
#include <errno.h>
#include <string.h>
#include <linux/kernel.h>

/* lib/string.c's strscpy(), without the -E2BIG detail callers here ignore. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (len == size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}
#endif
