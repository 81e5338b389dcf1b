#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep the tour's command examples honest.

Every ```console block in docs/tour/*.md is a guest shell session: a line
starting with "# " is a command (run as root in the guest), the lines after it
up to the next command are its output. A command whose line ends with
"#!fails" is expected to exit non-zero; every other command must succeed.
No output line may start with "# " (it would read as a command).

  tour.py gen CHAPTER.md OUT.sh      guest script that runs the chapter's
                                     commands in order, in one shell
  tour.py update CHAPTER.md LOG      rewrite the outputs from the guest log
                                     of a docs_test run (its @@CHAPTER part)
"""
import re
import sys

FENCE = re.compile(r'^```console\s*$')
FAIL_MARK = '#!fails'


def blocks(lines):
    """Yield (start, end) line ranges of console blocks' bodies."""
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'):
                j += 1
            yield i + 1, j
            i = j
        i += 1


def commands(lines):
    """Every command of the chapter, in order: (line index, text, fails)."""
    out = []
    for start, end in blocks(lines):
        for k in range(start, end):
            if lines[k].startswith('# '):
                cmd = lines[k][2:].rstrip()
                fails = cmd.endswith(FAIL_MARK)
                if fails:
                    cmd = cmd[:-len(FAIL_MARK)].rstrip()
                out.append((k, cmd, fails))
    return out


def gen(md, out):
    lines = open(md).read().split('\n')
    with open(out, 'w') as f:
        f.write('#!/bin/sh\n# Generated from %s by docs/tour/tour.py.\n' % md)
        f.write('exec 2>&1\ncd /root\n')
        for n, (_, cmd, fails) in enumerate(commands(lines), 1):
            f.write('echo "@@CMD %d %s"\n' % (n, 'fail' if fails else 'ok'))
            f.write(cmd + '\n')
            f.write('echo "@@RC %d $?"\n' % n)
        f.write('echo "@@END"\n')


def parse_log(path, chapter):
    """Outputs per command number of one chapter from a docs_test log.

    The session is nested in TAP diagnostics ("# " once per level); the
    prefix of the chapter's marker line is the nesting, and exactly that
    much is removed from each of its lines, so output that itself starts
    with "# " survives.
    """
    outs, cur, prefix = {}, None, None
    for raw in open(path, errors='replace').read().split('\n'):
        m = re.match(r'^((?:# )*)@@CHAPTER (\S+)', raw)
        if m:
            prefix = m.group(1) if m.group(2) == chapter else None
            cur = None
            continue
        if prefix is None or not raw.startswith(prefix):
            continue
        line = raw[len(prefix):]
        m = re.match(r'@@CMD (\d+) ', line)
        if m:
            cur = int(m.group(1))
            outs[cur] = []
            continue
        if line.startswith('@@RC ') or line.startswith('@@END'):
            cur = None
            continue
        if cur is not None:
            outs[cur].append(line)
    return outs


def update(md, log):
    lines = open(md).read().split('\n')
    chapter = re.sub(r'\.md$', '', md.split('/')[-1])
    outs = parse_log(log, chapter)
    cmds = commands(lines)
    if not cmds:
        return
    if not outs:
        sys.exit('tour.py: %s: no outputs for %s' % (log, md))
    result, last = [], 0
    block_end = {s: e for s, e in blocks(lines)}
    ends = sorted(block_end.values())
    for n, (k, _, _) in enumerate(cmds, 1):
        result.extend(lines[last:k + 1])
        # The old output runs to the next command or the end of the block.
        nxt = k + 1
        end = min(e for e in ends if e > k)
        while nxt < end and not lines[nxt].startswith('# '):
            nxt += 1
        for out in outs.get(n, []):
            if out.startswith('# '):
                sys.exit('tour.py: %s: output of "%s" has a line starting with'
                         ' "# ", which would read as a command' % (md, cmds[n - 1][1]))
        result.extend(outs.get(n, []))
        last = nxt
    result.extend(lines[last:])
    open(md, 'w').write('\n'.join(result))


if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('gen', 'update'):
        sys.exit(__doc__)
    {'gen': gen, 'update': update}[sys.argv[1]](sys.argv[2], sys.argv[3])
