#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the netlink spec, the uapi header and the kernel code agree.

    selftests/check-uapi.py [--spec docs/netlink/memcglab.yaml]
                            [--header uapi/linux/memcglab.h]
                            [--kernel kmod/netlink.c]

1. Every constant, enum entry, attribute and command the spec defines exists
   in the header with the value the spec gives it (ynl's naming and
   numbering rules), and the header defines no MEMCGLAB_ name the spec lacks.
2. kmod/netlink.c: every operation the spec lists with do/dump is in the ops
   table, with GENL_ADMIN_PERM exactly when the spec says admin-perm, a
   policy that accepts exactly the request attributes (nested ones too, with
   the spec's types), and the multicast group by the spec's name.

Exit status 0 when all agree, 1 with one line per disagreement otherwise.
"""
import argparse
import glob
import os
import re
import sys

import yaml

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# spec type -> the NLA_ type a kernel policy must use for it
NLA_TYPES = {
    "u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64",
    "s8": "NLA_S8", "s16": "NLA_S16", "s32": "NLA_S32", "s64": "NLA_S64",
    "flag": "NLA_FLAG", "string": "NLA_NUL_STRING", "nest": "NLA_NESTED",
    "binary": "NLA_BINARY",
}


def c_upper(name):
    return name.replace("-", "_").upper()


class Spec:
    """The names and values the spec implies, per ynl's rules."""

    def __init__(self, path):
        with open(path) as f:
            self.y = yaml.safe_load(f)
        self.family = self.y["name"]
        self.sets = {s["name"]: s for s in self.y["attribute-sets"]}
        self.names = {}  # C name -> value

    def const_value(self, v):
        if isinstance(v, int):
            return v
        for d in self.y.get("definitions", []):
            if d["name"] == v and d["type"] == "const":
                return d["value"]
        raise ValueError(f"unknown constant {v}")

    def build(self):
        fam = self.family
        for d in self.y.get("definitions", []):
            if d["type"] == "const":
                self.names[c_upper(f"{fam}-{d['name']}")] = d["value"]
            elif d["type"] in ("enum", "flags"):
                prefix = d.get("name-prefix", f"{fam}-{d['name']}-")
                val = d.get("value-start", 0)
                for i, e in enumerate(d["entries"]):
                    ename = e if isinstance(e, str) else e["name"]
                    v = (1 << (val + i)) if d["type"] == "flags" else val + i
                    self.names[c_upper(prefix + ename)] = v
        for s in self.y["attribute-sets"]:
            if "subset-of" in s:
                continue
            prefix = s.get("name-prefix", f"{fam}-a-{s['name']}-")
            val = 1
            for a in s["attributes"]:
                val = a.get("value", val)
                self.names[c_upper(prefix + a["name"])] = val
                val += 1
            cnt = s.get("attr-cnt-name", f"__{fam}-a-{s['name']}-max")
            mx = s.get("attr-max-name", f"{fam}-a-{s['name']}-max")
            self.names[c_upper(cnt)] = val
            self.names[c_upper(mx)] = val - 1
        ops = self.y["operations"]
        val = 1
        for op in ops["list"]:
            val = op.get("value", val)
            self.names[c_upper(f"{fam}-cmd-{op['name']}")] = val
            val += 1
        mx = ops.get("cmd-max-name", f"{fam}-cmd-max")
        self.names["__" + c_upper(mx)] = val
        self.names[c_upper(mx)] = val - 1
        return self.names

    def attr(self, set_name, attr_name):
        s = self.sets[set_name]
        base = self.sets[s["subset-of"]] if "subset-of" in s else s
        merged = dict(next(a for a in base["attributes"] if a["name"] == attr_name))
        if "subset-of" in s:
            merged.update(next(a for a in s["attributes"] if a["name"] == attr_name))
        return merged

    def attr_cname(self, set_name, attr_name):
        s = self.sets[set_name]
        if "subset-of" in s:
            set_name = s["subset-of"]
            s = self.sets[set_name]
        prefix = s.get("name-prefix", f"{self.family}-a-{set_name}-")
        return c_upper(prefix + attr_name)


def c_value(expr, known):
    """Evaluate a header's integer expression (literals, shifts, names)."""
    e = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", expr.strip())
    e = re.sub(r"~0\b", str((1 << 64) - 1), e)
    e = re.sub(r"\b([A-Z_][A-Z0-9_]*)\b",
               lambda m: str(known[m.group(1)]) if m.group(1) in known else m.group(1), e)
    return eval(e, {"__builtins__": {}}, {})  # noqa: S307 - digits and operators only


def parse_header(path):
    """C names -> values for every MEMCGLAB_ define and enum entry."""
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names, strings = {}, {}
    for m in re.finditer(r"^#define[ \t]+(\w*MEMCGLAB\w*)[ \t]+(.+)$", text, re.M):
        name, val = m.group(1), m.group(2).strip()
        if val.startswith('"'):
            strings[name] = val.strip('"')
        elif not name.startswith("_UAPI"):
            names[name] = c_value(val, names)
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, re.S):
        val = 0
        for entry in [e.strip() for e in body.split(",") if e.strip()]:
            if "=" in entry:
                name, expr = [x.strip() for x in entry.split("=", 1)]
                val = c_value(expr, names)
            else:
                name = entry
            names[name] = val
            val += 1
    return names, strings


def check_header(spec, errors, header):
    want = spec.build()
    have, strings = parse_header(header)
    for name, val in want.items():
        if name not in have:
            errors.append(f"header: {name} missing (spec value {val})")
        elif have[name] != val:
            errors.append(f"header: {name} = {have[name]}, spec says {val}")
    for name in have:
        if name not in want and not name.endswith(("_FAMILY_NAME", "_MCGRP_EVENTS")):
            errors.append(f"header: {name} is not in the spec")
    fam = c_upper(spec.family)
    if strings.get(f"{fam}_FAMILY_NAME") != spec.family:
        errors.append(f"header: {fam}_FAMILY_NAME is not \"{spec.family}\"")
    for g in spec.y.get("mcast-groups", {}).get("list", []):
        if strings.get(f"{fam}_MCGRP_{c_upper(g['name'])}") != g["name"]:
            errors.append(f"header: {fam}_MCGRP_{c_upper(g['name'])} is not \"{g['name']}\"")


def parse_policies(text):
    """policy array name -> {attr C name: NLA type or ('nest', policy)}."""
    pols = {}
    for m in re.finditer(r"(?:static\s+)?const\s+struct\s+nla_policy\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\};",
                         text, re.S):
        entries = {}
        for e in re.finditer(r"\[(\w+)\]\s*=\s*(.*?)(?=\n\s*\[|\Z)", m.group(2), re.S):
            body = e.group(2)
            nested = re.search(r"NLA_POLICY_NESTED(?:_ARRAY)?\((\w+)", body)
            if nested:
                entries[e.group(1)] = ("nest", nested.group(1))
                continue
            t = re.search(r"\bNLA_(?!POLICY)[A-Z0-9_]+", body)
            entries[e.group(1)] = t.group(0) if t else None
        pols[m.group(1)] = entries
    return pols


def parse_ops(text):
    """C command name -> dict of the genl_ops entry's fields."""
    ops = {}
    for m in re.finditer(r"\{\s*\.cmd\s*=\s*(\w+),(.*?)\}", text, re.S):
        fields = dict(re.findall(r"\.(\w+)\s*=\s*([^,\n]+)", m.group(2)))
        ops[m.group(1)] = {k: v.strip() for k, v in fields.items()}
    return ops


def check_policy(spec, errors, pols, pol_name, set_name, attrs, where):
    """pols[pol_name] must accept exactly attrs of set_name, typed as the spec."""
    pol = pols.get(pol_name)
    if pol is None:
        errors.append(f"{where}: policy {pol_name} not found")
        return
    accepted = {k: v for k, v in pol.items() if v != "NLA_REJECT"}
    want = {spec.attr_cname(set_name, a): a for a in attrs}
    for cname, aname in want.items():
        a = spec.attr(set_name, aname)
        if cname not in accepted:
            errors.append(f"{where}: policy {pol_name} does not accept {cname}")
            continue
        got = accepted[cname]
        if a["type"] == "nest":
            if not isinstance(got, tuple):
                errors.append(f"{where}: {cname} is a nest in the spec, {got} in {pol_name}")
                continue
            sub = a["nested-attributes"]
            subattrs = [x["name"] for x in spec.sets[sub]["attributes"]
                        if spec.attr(sub, x["name"]).get("type") != "pad"]
            check_policy(spec, errors, pols, got[1], sub, subattrs, f"{where}/{aname}")
        elif got != NLA_TYPES.get(a["type"]):
            errors.append(f"{where}: {cname} is {a['type']} in the spec, {got} in {pol_name}")
    for cname in accepted:
        if cname not in want:
            errors.append(f"{where}: policy {pol_name} accepts {cname}, the spec's request does not list it")


def check_kernel(spec, errors, path):
    # The family's ops table is in netlink.c; some policies live in the
    # netlink_*.c files beside it.
    text = open(path).read()
    for extra in sorted(glob.glob(os.path.join(os.path.dirname(path), "netlink_*.c"))):
        text += "\n" + open(extra).read()
    pols = parse_policies(text)
    ops = parse_ops(text)
    fam = c_upper(spec.family)
    for op in spec.y["operations"]["list"]:
        cname = f"{fam}_CMD_{c_upper(op['name'])}"
        if "do" not in op and "dump" not in op:
            if cname in ops:
                errors.append(f"kernel: {cname} is in the ops table but the spec gives it no do/dump")
            continue
        o = ops.get(cname)
        if o is None:
            errors.append(f"kernel: {cname} missing from the ops table")
            continue
        for kind, field in (("do", "doit"), ("dump", "dumpit")):
            if (kind in op) != (field in o):
                errors.append(f"kernel: {cname} .{field} {'missing' if kind in op else 'not in the spec'}")
        admin = "admin-perm" in op.get("flags", [])
        if admin != ("GENL_ADMIN_PERM" in o.get("flags", "")):
            errors.append(f"kernel: {cname} GENL_ADMIN_PERM {'missing' if admin else 'not in the spec'}")
        req = (op.get("do") or op.get("dump")).get("request", {}).get("attributes", [])
        set_name = op["attribute-set"]
        if set_name + "-request" in spec.sets:
            set_name += "-request"
        check_policy(spec, errors, pols, o.get("policy", ""), set_name, req, f"kernel {cname}")
        max_attr = c_upper(spec.sets[op["attribute-set"]].get(
            "attr-max-name", f"{spec.family}-a-{op['attribute-set']}-max"))
        if o.get("maxattr") != max_attr:
            errors.append(f"kernel: {cname} .maxattr is {o.get('maxattr')}, want {max_attr}")
    for g in spec.y.get("mcast-groups", {}).get("list", []):
        if f"{fam}_MCGRP_{c_upper(g['name'])}" not in text:
            errors.append(f"kernel: multicast group {g['name']} not registered")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=os.path.join(TOP, "docs/netlink/memcglab.yaml"))
    ap.add_argument("--header", default=os.path.join(TOP, "uapi/linux/memcglab.h"))
    ap.add_argument("--kernel", default=os.path.join(TOP, "kmod/netlink.c"))
    args = ap.parse_args()
    spec = Spec(args.spec)
    errors = []
    check_header(spec, errors, args.header)
    check_kernel(spec, errors, args.kernel)
    for e in errors:
        print(f"check-uapi: {e}")
    if errors:
        print(f"check-uapi: {len(errors)} disagreement(s) between {args.spec}, "
              f"{args.header} and {args.kernel}")
        return 1
    print("check-uapi: spec, header and kernel agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
