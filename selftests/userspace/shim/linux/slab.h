/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdlib.h>
#include <linux/types.h>
#include "../shim.h"

#define GFP_KERNEL 0u
#define kzalloc(size, gfp)	shim_kzalloc(size)
#define kfree(p)		free(p)
#endif
