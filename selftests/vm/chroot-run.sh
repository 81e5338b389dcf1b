#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot-run.sh DIR CMD...: run CMD in the chroot DIR with /proc mounted
# (objtool, dpkg's maintainer scripts and dracut need it). The mount lives
# in a private mount namespace, so it goes away with CMD and nothing is left
# mounted under build/ (rm -rf build/chroot stays safe).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR CMD..." >&2; exit 2; }
exec unshare --mount --propagation private \
	sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$@"
