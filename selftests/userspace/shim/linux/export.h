/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_EXPORT_H
#define SHIM_LINUX_EXPORT_H
/* One program: nothing to export. */
#define EXPORT_SYMBOL_GPL(sym)
#endif
