#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep the tour's command examples honest.

Every ```console block in docs/tour/*.md is a guest shell session: a line
starting with "# " is a command (run as root in the guest), the lines after it
up to the next command are its output. A command whose line ends with
"#!fails" is expected to exit non-zero; every other command must succeed.
No output line may start with "# " (it would read as a command) or "@ ".

Where an output differs by kernel, it is split into sections, each headed
by a line "@ KVER [KVER...]" naming the kernels that print it; the guest
compares with the section of its own kernel (exact release, else the same
major.minor).

Before comparing, both sides go through docs/tour/normalise.sed (temporary
paths, pids, measured times, the real memcg's rows in compare tables); the
comparison itself is docs/tour/compare.awk, run in the guest by docs_test.sh.

  tour.py gen CHAPTER.md OUT.sh       guest script that runs the chapter's
                                      commands in order, in one shell, and
                                      OUT.expect, the outputs it must print
  tour.py update CHAPTER.md LOG...    rewrite the outputs from the guest logs
                                      of docs_test runs (one per kernel)
  tour.py fakelog CHAPTER.md KVER     print the log a guest on KVER would
                                      write if it printed what the chapter
                                      shows (for the tour's own tests)
  tour.py plot CHAPTER.md OUT.svg     the chapter's plot (below)
  tour.py svg CHAPTER.md LOG OUT.svg  the picture a chapter's command drew
                                      in the guest (below), from a log
  tour.py answers FILE [CHAPTER.md...]  check exercise answers (below)

A chapter may declare one plot: a line "<!-- plot: N TITLE -->" draws the
output of its N-th command (a header row of column names, then one row of
numbers per step; the first column is the x axis, each other column a
line) into an SVG file named after the chapter.

A chapter may also show a picture that one of its commands draws in the
guest (the CLI's own --plot): a line "<!-- svg: N PATH -->" makes the
guest script print the file PATH after its N-th command, between @@SVG and
@@SVG-END lines that are no command's output; `make docs` copies it from
the first kernel's log into an SVG file named after the chapter.

Exercises with checked answers carry "<!-- answer N HASH -->" lines; the
answer file has one "CHAPTER N ANSWER" a line (CHAPTER as in 08-reclaim).
Answers are compared after normalise_answer(): case, spaces, and sizes
(30M, 30720K, 31457280 are one answer).
"""
import hashlib
import html
import os
import re
import sys

FENCE = re.compile(r'^```console\s*$')
FAIL_MARK = '#!fails'
KSECT = re.compile(r'^@ (\S.*)$')
HERE = os.path.dirname(os.path.abspath(__file__))
# The kernels the tour is shown for (make docs passes KVERS).
TARGETS = os.environ.get('TOUR_KERNELS', '').split()


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
    """Every command: (line index, text, fails, end of its output)."""
    out = []
    for start, end in blocks(lines):
        for k in range(start, end):
            if lines[k].startswith('# '):
                cmd = lines[k][2:].rstrip()
                fails = cmd.endswith(FAIL_MARK)
                if fails:
                    cmd = cmd[:-len(FAIL_MARK)].rstrip()
                nxt = k + 1
                while nxt < end and not lines[nxt].startswith('# '):
                    nxt += 1
                out.append((k, cmd, fails, nxt))
    return out


def sections(out):
    """A command's shown output as [(kernels or None, lines)]."""
    res, cur = [], None
    for line in out:
        m = KSECT.match(line)
        if m:
            cur = (m.group(1).split(), [])
            res.append(cur)
        elif cur is None:
            cur = (None, [line])
            res.append(cur)
        else:
            cur[1].append(line)
    return res


def read(md):
    return open(md).read().split('\n')


def svg_spec(lines):
    """(command number, path) of a chapter's "<!-- svg: N PATH -->", or None."""
    for line in lines:
        m = re.match(r'^<!-- svg: (\d+) (\S+) -->$', line)
        if m:
            return int(m.group(1)), m.group(2)
    return None


def gen(md, out):
    lines = read(md)
    cmds = commands(lines)
    svg = svg_spec(lines)
    with open(out, 'w') as f:
        f.write('#!/bin/sh\n# Generated from %s by docs/tour/tour.py.\n'
                % os.path.basename(md))
        f.write('exec 2>&1\ncd /root\n')
        for n, (_, cmd, fails, _) in enumerate(cmds, 1):
            f.write('echo "@@CMD %d %s"\n' % (n, 'fail' if fails else 'ok'))
            f.write(cmd + '\n')
            f.write('echo "@@RC %d $?"\n' % n)
            if svg and svg[0] == n:
                f.write('echo "@@SVG"; cat %s; echo "@@SVG-END"\n' % svg[1])
        f.write('echo "@@END"\n')
    with open(re.sub(r'\.sh$', '', out) + '.expect', 'w') as f:
        for n, (k, _, _, nxt) in enumerate(cmds, 1):
            f.write('@@CMD %d\n' % n)
            for kernels, body in sections(lines[k + 1:nxt]) or [(None, [])]:
                f.write('@@K %s\n' % (' '.join(kernels) if kernels else '*'))
                for line in body:
                    f.write('=' + line + '\n')


def chapter_lines(path, chapter):
    """Yield (kernel, line) for one chapter's session in a docs_test log.

    The session is nested in TAP diagnostics ("# " once per level); the
    prefix of the chapter's marker line is the nesting, and exactly that
    much is removed from each of its lines, so output that itself starts
    with "# " survives.
    """
    prefix, kernel = None, None
    for raw in open(path, errors='replace').read().split('\n'):
        m = re.match(r'^(?:# )*@@KERNEL (\S+)', raw)
        if m:
            kernel = m.group(1)
            continue
        m = re.match(r'^((?:# )*)@@CHAPTER (\S+)', raw)
        if m:
            prefix = m.group(1) if m.group(2) == chapter else None
            continue
        if prefix is not None and raw.startswith(prefix):
            yield kernel, raw[len(prefix):]


def parse_log(path, chapter):
    """(kernel, outputs per command number) of one chapter in a docs_test log."""
    outs, cur, kernel, in_svg = {}, None, None, False
    for kernel, line in chapter_lines(path, chapter):
        if line in ('@@SVG', '@@SVG-END'):
            in_svg = line == '@@SVG'
            continue
        m = re.match(r'@@CMD (\d+) ', line)
        if m:
            cur = int(m.group(1))
            outs[cur] = []
            continue
        if line.startswith('@@RC ') or line.startswith('@@END'):
            cur = None
            continue
        if cur is not None and not in_svg:
            outs[cur].append(line)
    return kernel, outs


def svg(md, log, out):
    """Copy the picture a chapter's command drew (<!-- svg: -->) from a log."""
    chapter = os.path.basename(md)[:-len('.md')]
    if not svg_spec(read(md)):
        sys.exit('tour.py: %s declares no svg' % md)
    body, inside = [], False
    for _, line in chapter_lines(log, chapter):
        if line == '@@SVG':
            body, inside = [], True
        elif line == '@@SVG-END':
            inside = False
        elif inside:
            body.append(line)
    if not body or not body[0].lstrip().startswith('<svg'):
        sys.exit('tour.py: %s: no picture of %s in %s' % (out, chapter, log))
    open(out, 'w').write('\n'.join(body) + '\n')


def kernels_of_logs(logs, chapter):
    return [parse_log(log, chapter) for log in logs]


def norm(line):
    """compare.awk's norm(), for grouping outputs that compare equal."""
    line = re.sub(r'/tmp/tmp\.[A-Za-z0-9]+', '/tmp/TMP', line)
    line = re.sub(r'pid [0-9]+', 'pid PID', line)
    line = re.sub(r'[0-9]+\.[0-9]+ ?m?s', 'T.Ts', line)
    if re.match(r'^ *memcg/', line):
        line = re.sub(r' +', ' ', re.sub(r'[0-9][0-9.]*[KMG]?', 'N', line))
    line = re.sub(r'reference [0-9][0-9.]*[KMG]?', 'reference N', line)
    line = re.sub(r'dev [0-9]+ ino', 'dev D ino', line)
    line = re.sub(r'id [0-9]+:', 'id D:', line)
    line = re.sub(r'"hier":[0-9]+', '"hier":D', line)
    return re.sub(r'hier=[0-9]+', 'hier=D', line)


def same(a, b):
    return a is not None and b is not None and len(a) == len(b) and \
        all(norm(x) == norm(y) for x, y in zip(a, b))


def vkey(kver):
    return [int(x) if x.isdigit() else x for x in re.split(r'[.+-]', kver)]


def update(md, logs):
    lines = read(md)
    chapter = re.sub(r'\.md$', '', os.path.basename(md))
    cmds = commands(lines)
    if not cmds:
        return
    runs = [r for r in kernels_of_logs(logs, chapter) if r[1]]
    if not runs:
        sys.exit('tour.py: %s: no outputs for %s' % (' '.join(logs), md))
    for kernel, _ in runs:
        if not kernel:
            sys.exit('tour.py: a log of %s names no kernel (@@KERNEL)' % md)
    result, last = [], 0
    for n, (k, cmd, _, nxt) in enumerate(cmds, 1):
        result.extend(lines[last:k + 1])
        # What every kernel printed: the old output, then the new runs'.
        per = {}
        common = None
        for kernels, body in sections(lines[k + 1:nxt]):
            if kernels is None:
                common = body
            else:
                for kv in kernels:
                    per[kv] = body
        for kernel, outs in runs:
            new = outs.get(n, [])
            # What compares equal to what was shown stays as it was shown.
            if not same(per.get(kernel, common), new):
                per[kernel] = new
            else:
                per[kernel] = per.get(kernel, common)
        for body in per.values():
            for out in body:
                if out.startswith('# ') or KSECT.match(out):
                    sys.exit('tour.py: %s: output of "%s" has a line starting'
                             ' with "# " or "@ ", which would read as a'
                             ' command or a kernel' % (md, cmd))
        if common is not None:
            # Output shown for every kernel: theirs too, unless they ran.
            for kv in TARGETS:
                per.setdefault(kv, common)
        groups = []
        for kv in sorted(per, key=vkey):
            for g in groups:
                if same(g[1], per[kv]):
                    g[0].append(kv)
                    break
            else:
                groups.append(([kv], per[kv]))
        if len(groups) == 1:
            result.extend(groups[0][1])
        else:
            for kvs, body in groups:
                result.append('@ ' + ' '.join(kvs))
                result.extend(body)
        last = nxt
    result.extend(lines[last:])
    open(md, 'w').write('\n'.join(result))


def fakelog(md, kernel):
    """The docs_test log of a guest on KERNEL printing what MD shows."""
    lines = read(md)
    chapter = re.sub(r'\.md$', '', os.path.basename(md))
    out = ['# @@KERNEL ' + kernel, '# @@CHAPTER ' + chapter]
    for n, (k, _, fails, nxt) in enumerate(commands(lines), 1):
        out.append('# @@CMD %d %s' % (n, 'fail' if fails else 'ok'))
        secs = sections(lines[k + 1:nxt])
        body = pick(secs, kernel)
        out.extend('# ' + line for line in (body or []))
        out.append('# @@RC %d %d' % (n, 1 if fails else 0))
    out.append('# @@END')
    print('\n'.join(out))


def pick(secs, kernel):
    """The section the guest on KERNEL compares with (compare.awk's rule)."""
    mm = '.'.join(kernel.split('.')[:2]) + '.'
    for exact in (True, False):
        for kernels, body in secs:
            if kernels is None:
                return body
            for kv in kernels:
                if kv == kernel or (not exact and kv.startswith(mm)):
                    return body
    return None


# ---- the plot --------------------------------------------------------------

COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']


def plot(md, out):
    lines = read(md)
    spec = None
    for line in lines:
        m = re.match(r'^<!-- plot: (\d+) (.*) -->$', line)
        if m:
            spec = int(m.group(1)), m.group(2)
    if not spec:
        sys.exit('tour.py: %s declares no plot' % md)
    cmds = commands(lines)
    k, _, _, nxt = cmds[spec[0] - 1]
    secs = sections(lines[k + 1:nxt])
    # One panel per kernel section (or one when all kernels agree).
    panels = [(' '.join(kv) if kv else '', body) for kv, body in secs]
    w, ph = 640, 300
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, ph * len(panels)),
           '<rect width="100%" height="100%" fill="white"/>']
    for i, (label, body) in enumerate(panels):
        svg.extend(panel(body, spec[1], label, 0, ph * i, w, ph))
    svg.append('</svg>')
    open(out, 'w').write('\n'.join(svg) + '\n')


def panel(body, title, label, x0, y0, w, h):
    rows = [r.split() for r in body if r.strip()]
    head, data = rows[0], [[float(x) for x in r] for r in rows[1:]]
    L, R, T, B = 60, 110, 30, 40
    xmax = max(r[0] for r in data) or 1
    ymax = max(max(r[1:]) for r in data) or 1
    sx = lambda v: x0 + L + (w - L - R) * v / xmax
    sy = lambda v: y0 + h - B - (h - T - B) * v / ymax
    out = ['<text x="%d" y="%d" font-weight="bold">%s</text>'
           % (x0 + L, y0 + 18, html.escape(title + (' (' + label + ')' if label else '')))]
    out.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>'
               % (sx(0), sy(0), sx(xmax), sy(0)))
    out.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>'
               % (sx(0), sy(0), sx(0), sy(ymax)))
    for t in range(5):
        yv = ymax * t / 4
        out.append('<text x="%g" y="%g" text-anchor="end">%g</text>'
                   % (sx(0) - 4, sy(yv) + 4, round(yv, 1)))
        xv = xmax * t / 4
        out.append('<text x="%g" y="%g" text-anchor="middle">%g</text>'
                   % (sx(xv), sy(0) + 16, round(xv, 1)))
    out.append('<text x="%g" y="%g" text-anchor="middle">%s</text>'
               % (sx(xmax / 2), y0 + h - 6, html.escape(head[0])))
    for c in range(1, len(head)):
        colour = COLOURS[(c - 1) % len(COLOURS)]
        pts = ' '.join('%.1f,%.1f' % (sx(r[0]), sy(r[c])) for r in data)
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" '
                   'points="%s"/>' % (colour, pts))
        out.append('<text x="%g" y="%g" fill="%s">%s</text>'
                   % (sx(xmax) + 6, sy(data[-1][c]) + 4, colour,
                      html.escape(head[c])))
    return out


# ---- exercises -------------------------------------------------------------

SIZE = re.compile(r'^(\d+(?:\.\d+)?)([kmgt]?)(?:i?b)?$')


def normalise_answer(ans):
    a = re.sub(r'[\s,]+', '', ans.strip().lower())
    m = SIZE.match(a)
    if m:
        v = float(m.group(1)) * 1024 ** ' kmgt'.index(m.group(2) or ' ')
        if v == int(v):
            return str(int(v))
    return a


def answer_hash(chapter, n, ans):
    s = 'memcglab-tour:%s:%s:%s' % (chapter, n, normalise_answer(ans))
    return hashlib.sha256(s.encode()).hexdigest()[:16]


def answers(path, mds):
    """Check an answer file; print one line per answer; exit 1 on a wrong one."""
    if not mds:
        mds = sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                     if re.match(r'^\d\d-.*\.md$', f))
    want = {}
    for md in mds:
        chapter = re.sub(r'\.md$', '', os.path.basename(md))
        for line in read(md):
            m = re.match(r'^<!-- answer (\d+) ([0-9a-f]{16}) -->$', line)
            if m:
                want[(chapter, m.group(1))] = m.group(2)
    right = wrong = 0
    for line in open(path):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            print('?  %s: not "CHAPTER N ANSWER"' % line)
            wrong += 1
            continue
        ch, n, ans = parts
        if (ch, n) not in want:
            print('?  %s %s: no such exercise with a checked answer' % (ch, n))
            wrong += 1
        elif answer_hash(ch, n, ans) == want[(ch, n)]:
            print('right  %s %s' % (ch, n))
            right += 1
        else:
            print('wrong  %s %s' % (ch, n))
            wrong += 1
    print('%d right, %d wrong, %d not answered'
          % (right, wrong, len(want) - right - wrong if len(want) > right + wrong else 0))
    sys.exit(1 if wrong or not right else 0)


if __name__ == '__main__':
    a = sys.argv[1:]
    if a[:1] == ['gen'] and len(a) == 3:
        gen(a[1], a[2])
    elif a[:1] == ['update'] and len(a) >= 3:
        update(a[1], a[2:])
    elif a[:1] == ['fakelog'] and len(a) == 3:
        fakelog(a[1], a[2])
    elif a[:1] == ['plot'] and len(a) == 3:
        plot(a[1], a[2])
    elif a[:1] == ['svg'] and len(a) == 4:
        svg(a[1], a[2], a[3])
    elif a[:1] == ['answers'] and len(a) >= 2:
        answers(a[1], a[2:])
    elif a[:1] == ['norm'] and len(a) == 2:
        print(norm(a[1]))
    elif a[:1] == ['hash'] and len(a) == 4:
        print(answer_hash(a[1], a[2], a[3]))
    else:
        sys.exit(__doc__)
