// SPDX-License-Identifier: GPL-2.0
/* Size and number parsing and formatting. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memcglab.h"

int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = n;
	return 0;
}

int parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end)
		return -EINVAL;
	return 0;
}

/*
 * N with an optional K/M/G/T/P/E suffix (binary units, either case, an
 * optional "iB"/"B"), or "max" when allow_max. Overflow is an error, not a
 * silent wrap (the kernel's files wrap; the CLI refuses).
 */
int parse_size(const char *s, uint64_t *bytes, bool allow_max)
{
	static const char units[] = "KMGTPE";
	unsigned long long n;
	const char *u;
	char *end;
	int shift = 0;

	if (allow_max && !strcmp(s, "max")) {
		*bytes = MLAB_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno)
		return -ERANGE;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "i"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (shift && n > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)n << shift;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int i = -1;

	if (bytes == MLAB_UNLIMITED) {
		snprintf(buf, len, "max");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[i]);
	else
		snprintf(buf, len, "%.1f%c", v, units[i]);
	return buf;
}
