/* SPDX-License-Identifier: GPL-2.0 */
/* glibc's <errno.h> includes <linux/errno.h>: hand over to the real one. */
#include_next <linux/errno.h>
