#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the YNL spec and the uapi header of nlbs describe the same ABI.

usage: spec_check.py [HEADER [SPEC [SCHEMA]]]   (an empty argument: the default)

HEADER defaults to uapi/linux/nlbs.h, SPEC to
Documentation/netlink/specs/nlbs.yaml, both relative to the top of the tree
this script lives in. SCHEMA is the kernel's genetlink-legacy.yaml (or
whichever the spec's protocol names); when given, or found next to the
specs directory as the kernel's tools expect, the spec is validated against
it with python3-jsonschema, otherwise that test is skipped.

C names are derived from the spec with the kernel's YNL naming rules
(Documentation/userspace-api/netlink/c-code-gen.rst) and compared with the
header's enums and defines, name by name and value by value. A definition
marked `header:` with the spec's own uapi header is one the header spells as
#defines (flags, say): those are compared with the #defines. Types are
checked where the header says them: the _BE suffix, _PAD, _UNSPEC, and the
type column, ranges (numbers or the header's defines, on the attribute's
line or its continuation lines), enums, repeated nests (multi-attr), the
(admin) and (CAP_NET_ADMIN) marks of commands and groups, and the attribute
lists of the header's doc comment. Output is KTAP; exit 0 when all pass, 1
on any failure, 4 when nothing could be run.
"""

import ast
import os
import re
import sys

KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


def limit_to_number(value):
    """'u16-max' -> 65535, like the kernel's ynl-gen-c; ints pass through."""
    if isinstance(value, int):
        return value
    if value[0] == 'u' and value.endswith('-min'):
        return 0
    width = int(value[1:-4])
    if value[0] == 's':
        width -= 1
    number = (1 << width) - 1
    if value[0] == 's' and value.endswith('-min'):
        number = -number - 1
    return number


# ---------------------------------------------------------------- header --

class Header:
    """The enums, defines and doc comment of a regular uapi header."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.text = f.read()
        code = re.sub(r'/\*.*?\*/', ' ', self.text, flags=re.S)
        code = re.sub(r'//[^\n]*', ' ', code)
        code = re.sub(r'\\\n', ' ', code)     # continued lines (#define ... \)

        self.defines = {}
        for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$',
                             code, flags=re.M):
            name, value = m.group(1), m.group(2)
            if value.startswith('"'):
                self.defines[name] = ast.literal_eval(value)
            else:
                self.defines[name] = self._eval(value, self.defines)

        # enum name -> [(entry, value)], in order
        self.enums = {}
        for m in re.finditer(r'\benum\s+(\w+)\s*\{(.*?)\}\s*;', code, flags=re.S):
            entries, known, nxt = [], {}, 0
            for item in m.group(2).split(','):
                item = item.strip()
                if not item:
                    continue
                if '=' in item:
                    name, expr = (x.strip() for x in item.split('=', 1))
                    value = self._eval(expr, known)
                else:
                    name, value = item, nxt
                known[name] = value
                entries.append((name, value))
                nxt = value + 1
            self.enums[m.group(1)] = entries

        # The doc comment: the longest comment of the file.
        comments = re.findall(r'/\*(.*?)\*/', self.text, flags=re.S)
        self.doc = max(comments, key=len).splitlines() if comments else []

    @staticmethod
    def _eval(expr, known):
        """Integer constant expressions of a regular header: names, + - | <<."""
        def ev(node):
            if isinstance(node, ast.Expression):
                return ev(node.body)
            if isinstance(node, ast.Constant) and isinstance(node.value, int):
                return node.value
            if isinstance(node, ast.Name) and node.id in known:
                return known[node.id]
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                return -ev(node.operand)
            if isinstance(node, ast.BinOp):
                ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                       ast.BitOr: lambda a, b: a | b,
                       ast.LShift: lambda a, b: a << b}
                if type(node.op) in ops:
                    return ops[type(node.op)](ev(node.left), ev(node.right))
            raise ValueError(f'cannot evaluate {expr!r}')
        expr = re.sub(r'\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b', r'\1', expr)
        return ev(ast.parse(expr.strip(), mode='eval'))


DOC_TYPE = r'u8|u16|u32|u64|s8|s16|s32|s64|be16|be32|str|string|nest|flag|binary(?:\[\d+\])?'


class DocLine:
    def __init__(self, indent, name, dtype, rest, text):
        self.indent, self.name, self.dtype, self.rest, self.text = \
            indent, name, dtype, rest, text


def parse_doc(lines):
    """Lines of the doc comment that start with an ABI name."""
    out = []
    for text in lines:
        m = re.match(r'^\s*\*(\s+)([A-Z][A-Z0-9_]+)\b,?\s*(.*)$', text)
        if not m:
            out.append(DocLine(None, None, None, '', text))
            continue
        rest = m.group(3)
        t = re.match(rf'^\(?({DOC_TYPE})(?![\w\[])', rest)
        out.append(DocLine(len(m.group(1)), m.group(2), t.group(1) if t else None,
                           rest[t.end():] if t else rest, text))
        # Typed mentions inside the line: "NLBS_A_REASON (str, event only)",
        # "NLBS_A_STATS nest of NLBS_STATS_A_* u64".
        for t in re.finditer(rf'\b([A-Z][A-Z0-9_]+)\s+\(?({DOC_TYPE})(?![\w\[])', rest):
            out.append(DocLine(None, t.group(1), t.group(2), rest[t.end():], text))
    return out


# ------------------------------------------------------------------ spec --

class Spec:
    """The C names and values a YNL spec renders to (kernel naming rules)."""

    def __init__(self, path, yaml):
        self.path = path
        with open(path, encoding='utf-8') as f:
            self.yaml = yaml.safe_load(f)
        y = self.yaml
        self.name = y['name']
        self.ident = self.name.replace('-', '_')
        self.fam_key = c_upper(y.get('c-family-name', self.name + '_FAMILY_NAME'))
        self.ver_key = c_upper(y.get('c-version-name', self.name + '_FAMILY_VERSION'))
        self.version = y.get('version', 1)
        self.uapi_header = y.get('uapi-header', f'linux/{self.name}.h')

        self.consts = {}         # define -> value
        self.enums = []          # (spec name, C enum name or None, [(C name, value)])
        self.enum_by_spec = {}   # spec definition name -> C enum name
        self.header_defs = []    # (spec name, [(C define, value)]): #defines
        for d in y.get('definitions', []):
            if d.get('header') and d['header'] != self.uapi_header:
                continue        # defined by another header: not ours
            if d['type'] == 'const':
                self.consts[c_upper(f"{self.ident}-{d['name']}")] = d['value']
                continue
            if d['type'] not in ('enum', 'flags'):
                continue
            if 'enum-name' in d:
                cname = c_lower(d['enum-name']) if d['enum-name'] else None
            else:
                cname = c_lower(f"{self.ident}-{d['name']}")
            pfx = d.get('name-prefix', f"{self.ident}-{d['name']}-")
            entries, value = [], d.get('value-start', 0)
            mask = 0
            for e in d['entries']:
                e = {'name': e} if isinstance(e, str) else e
                value = e.get('value', value)
                user = 1 << value if d['type'] == 'flags' else value
                mask |= user
                entries.append((c_upper(pfx + e['name']), user))
                value += 1
            if d.get('render-max'):
                if d['type'] == 'flags':
                    entries.append((c_upper(pfx + 'mask'), mask))
                else:
                    cnt = c_upper(d.get('enum-cnt-name') or '__' + pfx + 'max')
                    entries.append((cnt, value))
                    entries.append((c_upper(pfx + 'max'), value - 1))
            if d.get('header'):
                # our own header spells these as #defines, not as an enum
                self.header_defs.append((d['name'], entries))
                self.enum_by_spec[d['name']] = None
                continue
            self.enums.append((d['name'], cname, entries))
            self.enum_by_spec[d['name']] = cname

        # attribute sets: spec name -> dict(prefix, cname, attrs{name: yaml+value+cname})
        self.sets = {}
        for s in y['attribute-sets']:
            if 'subset-of' in s:
                continue
            if 'name-prefix' in s:
                pfx = s['name-prefix']
            elif s['name'] == self.name:
                pfx = self.ident + '-a-'
            else:
                pfx = f"{self.ident}-a-{s['name']}-"
            attrs, value = {}, 1
            for a in s['attributes']:
                value = a.get('value', value)
                attrs[a['name']] = dict(a, _value=value,
                                        _cname=c_upper(a.get('name-prefix', pfx) + a['name']))
                value += 1
            entries = [(a['_cname'], a['_value']) for a in attrs.values()]
            cnt = c_upper(s.get('attr-cnt-name', '__' + pfx + 'max'))
            entries.append((cnt, value))
            entries.append((c_upper(s.get('attr-max-name', pfx + 'max')), value - 1))
            self.sets[s['name']] = {
                'prefix': c_upper(pfx),
                'cname': c_lower(s['enum-name']) if s.get('enum-name') else None,
                'attrs': attrs, 'entries': entries}

        ops = y['operations']
        self.op_prefix = c_upper(ops.get('name-prefix', self.name + '-cmd-'))
        self.op_enum = c_lower(ops['enum-name']) if ops.get('enum-name') else None
        self.ops, value = {}, 1
        for op in ops['list']:
            value = op.get('value', value)
            self.ops[op['name']] = dict(op, _value=value,
                                        _cname=self.op_prefix + c_upper(op['name']))
            value += 1
        self.op_entries = [(o['_cname'], o['_value']) for o in self.ops.values()]
        self.op_entries.append((c_upper(y.get('cmd-cnt-name', '__' + self.op_prefix + 'MAX')),
                                value))
        self.op_entries.append((c_upper(y.get('cmd-max-name', self.op_prefix + 'MAX')),
                                value - 1))
        self.async_prefix = 'async-prefix' in ops

        self.mcgrps = {}
        self.mcgrp_flags = {}    # group name -> flags
        for g in y.get('mcast-groups', {}).get('list', []):
            define = c_upper(g.get('c-define-name', f"{self.ident}-mcgrp-{g['name']}"))
            self.mcgrps[define] = g['name']
            self.mcgrp_flags[g['name']] = g.get('flags', [])

    def attr_by_cname(self):
        out = {}
        for sname, s in self.sets.items():
            for a in s['attrs'].values():
                out[a['_cname']] = (sname, a)
        return out

    @staticmethod
    def op_attrs(op):
        names = []
        for mode in ('do', 'dump'):
            for direction in ('request', 'reply'):
                names += ((op.get(mode) or {}).get(direction) or {}).get('attributes', [])
        names += (op.get('event') or {}).get('attributes', [])
        return names


# ------------------------------------------------------------------ KTAP --

class Ktap:
    def __init__(self):
        self.results = []

    def add(self, desc, errors=None, skip=None):
        self.results.append((desc, list(errors or []), skip))

    def finish(self):
        print('TAP version 13')
        print(f'1..{len(self.results)}')
        npass = nfail = nskip = 0
        for i, (desc, errors, skip) in enumerate(self.results, 1):
            if skip:
                print(f'ok {i} {desc} # SKIP {skip}')
                nskip += 1
            elif errors:
                for e in errors:
                    print(f'# {e}')
                more = f' (+{len(errors) - 1} more)' if len(errors) > 1 else ''
                print(f'not ok {i} {desc} # {errors[0]}{more}')
                nfail += 1
            else:
                print(f'ok {i} {desc}')
                npass += 1
        print(f'# Totals: pass:{npass} fail:{nfail} xfail:0 xpass:0 skip:{nskip} error:0')
        return KSFT_FAIL if nfail else KSFT_PASS


def compare_enum(what, want, have):
    """want/have: [(name, value)] in order; every difference is an error."""
    errors = []
    have_d, want_d = dict(have), dict(want)
    for name, value in want:
        if name not in have_d:
            errors.append(f'{what}: {name} (= {value}) is in the spec, not in the header')
        elif have_d[name] != value:
            errors.append(f'{what}: {name} is {have_d[name]} in the header, {value} in the spec')
    for name, value in have:
        if name not in want_d:
            errors.append(f'{what}: {name} (= {value}) is in the header, not in the spec')
    if not errors and [n for n, _ in want] != [n for n, _ in have]:
        errors.append(f'{what}: same entries in a different order')
    return errors


def find_header_enum(hdr, cname, entries):
    if cname:
        return hdr.enums.get(cname)
    for values in hdr.enums.values():   # anonymous: find it by its first entry
        if entries and entries[0][0] in dict(values):
            return values
    return None


# ---------------------------------------------------------------- checks --

def run(hdr, spec, schema_path, ktap):
    # Family
    errs = []
    if hdr.defines.get(spec.fam_key) != spec.name:
        errs.append(f'{spec.fam_key} is {hdr.defines.get(spec.fam_key)!r} in the header, '
                    f'spec name is {spec.name!r}')
    ktap.add(f'family name {spec.fam_key} = "{spec.name}"', errs)
    errs = []
    if hdr.defines.get(spec.ver_key) != spec.version:
        errs.append(f'{spec.ver_key} is {hdr.defines.get(spec.ver_key)!r} in the header, '
                    f'spec version is {spec.version}')
    ktap.add(f'family version {spec.ver_key} = {spec.version}', errs)

    errs = []
    hdr_groups = {k: v for k, v in hdr.defines.items() if '_MCGRP_' in k}
    for define, name in spec.mcgrps.items():
        if hdr.defines.get(define) != name:
            errs.append(f'{define} is {hdr.defines.get(define)!r} in the header, '
                        f'spec group is {name!r}')
    for define in hdr_groups:
        if define not in spec.mcgrps:
            errs.append(f'{define} is in the header, no such group in the spec')
    if not spec.mcgrps:
        errs.append('the spec has no multicast group')
    ktap.add('multicast groups ' + ', '.join(f'{d} = "{n}"' for d, n in spec.mcgrps.items()),
             errs)

    errs = []
    for define, value in spec.consts.items():
        if hdr.defines.get(define) != value:
            errs.append(f'{define} is {hdr.defines.get(define)!r} in the header, {value!r} in the spec')
    if spec.consts:
        ktap.add('constants', errs)

    # Every enum: names and values
    seen = set()
    for sname, cname, entries in spec.enums:
        have = find_header_enum(hdr, cname, entries)
        what = f'enum {cname or "(anonymous)"}'
        if have is None:
            ktap.add(f'{what} (definition {sname}): names and values',
                     [f'{what} is not in the header'])
            continue
        seen.add(id(have))
        ktap.add(f'{what} (definition {sname}): names and values',
                 compare_enum(what, entries, have))
    for sname, s in spec.sets.items():
        have = find_header_enum(hdr, s['cname'], s['entries'])
        what = f'enum {s["cname"] or "(anonymous)"}'
        if have is None:
            ktap.add(f'{what} (attribute-set {sname}): names and values',
                     [f'{what} is not in the header'])
            continue
        seen.add(id(have))
        ktap.add(f'{what} (attribute-set {sname}): names and values',
                 compare_enum(what, s['entries'], have))
    header_defined = set()
    for sname, entries in spec.header_defs:
        errs = []
        for name, value in entries:
            header_defined.add(name)
            if name not in hdr.defines:
                errs.append(f'#define {name} (= {value}) is in the spec, not in the header')
            elif hdr.defines[name] != value:
                errs.append(f'#define {name} is {hdr.defines[name]} in the header, '
                            f'{value} in the spec')
        ktap.add(f'#defines of definition {sname} (header: {spec.uapi_header}): '
                 'names and values', errs)
    what = f'enum {spec.op_enum or "(anonymous)"}'
    have = find_header_enum(hdr, spec.op_enum, spec.op_entries)
    errs = []
    if spec.async_prefix:
        errs.append('operations use async-prefix (a separate enum): not checked by this test')
    if have is None:
        errs.append(f'{what} is not in the header')
    else:
        seen.add(id(have))
        errs += compare_enum(what, spec.op_entries, have)
    ktap.add(f'{what} (operations): names and values', errs)

    errs = [f'enum {n} is in the header, not in the spec'
            for n, v in hdr.enums.items() if id(v) not in seen]
    known = {spec.fam_key, spec.ver_key} | set(spec.mcgrps) | set(spec.consts) | \
        header_defined
    errs += [f'#define {d} is in the header, not in the spec'
             for d in hdr.defines if d not in known and not d.startswith('_')]
    ktap.add('every enum and define of the header is in the spec', errs)

    # Spec is self-consistent: what it refers to exists.
    errs = []
    for sname, s in spec.sets.items():
        for a in s['attrs'].values():
            n = a.get('nested-attributes')
            if n and n not in spec.sets and n not in [x['name'] for x in spec.yaml['attribute-sets']]:
                errs.append(f'{sname}.{a["name"]}: nested-attributes {n} does not exist')
            if a.get('enum') and a['enum'] not in spec.enum_by_spec:
                errs.append(f'{sname}.{a["name"]}: enum {a["enum"]} does not exist')
            if a['type'] == 'nest' and not n:
                errs.append(f'{sname}.{a["name"]}: nest without nested-attributes')
    for oname, op in spec.ops.items():
        aset = op.get('attribute-set')
        if aset is None:
            if any(k in op for k in ('do', 'dump', 'event')):
                errs.append(f'operation {oname}: no attribute-set')
            continue
        if aset not in spec.sets:
            errs.append(f'operation {oname}: attribute-set {aset} does not exist')
            continue
        for a in Spec.op_attrs(op):
            if a not in spec.sets[aset]['attrs']:
                errs.append(f'operation {oname}: attribute {a} is not in set {aset}')
        if op.get('mcgrp') and op['mcgrp'] not in spec.mcgrps.values():
            errs.append(f'operation {oname}: mcgrp {op["mcgrp"]} does not exist')
    ktap.add('spec references (nests, enums, op attributes, groups) resolve', errs)

    # Types that the names say
    by_cname = spec.attr_by_cname()
    for sname, s in spec.sets.items():
        errs = []
        for a in s['attrs'].values():
            c, t, bo = a['_cname'], a['type'], a.get('byte-order')
            if c.endswith('_BE') != (bo == 'big-endian'):
                errs.append(f'{c}: byte-order is {bo or "host"}, the name says '
                            f'{"big-endian" if c.endswith("_BE") else "host"}')
            if c.endswith('_PAD') != (t == 'pad'):
                errs.append(f'{c}: type {t}, only *_PAD is (and must be) pad')
            if c.endswith('_UNSPEC') and (t != 'unused' or a['_value'] != 0):
                errs.append(f'{c}: must be type unused with value 0')
        ktap.add(f'attribute-set {sname}: _BE, _PAD and _UNSPEC types', errs)

    # Types, nests, enums and ranges that the header's doc comment says
    doc = parse_doc(hdr.doc)
    errs, checked, ranges = [], 0, 0
    for i, line in enumerate(doc):
        if not line.name or line.name not in by_cname:
            continue
        sname, a = by_cname[line.name]
        if line.dtype:
            checked += 1
            errs += check_doc_type(line, a)
        if line.dtype == 'nest':
            m = re.search(r'nest of (\w+?)\*\s*(\w+)?', line.text)
            child = m.group(1) if m else None
            ctype = m.group(2) if m else None
            for sub in doc[i + 1:] if line.indent is not None else []:
                if sub.name is None or sub.indent is None or sub.indent <= line.indent:
                    break
                m = re.match(r'(.*?_A_)', sub.name)
                child = child or (m.group(1) if m else None)
            if child:
                n = a.get('nested-attributes')
                if n in spec.sets and spec.sets[n]['prefix'] != child:
                    errs.append(f'{line.name}: header nests {child}*, spec nests set {n} '
                                f'({spec.sets[n]["prefix"]}*)')
                if ctype and n in spec.sets:
                    for sub in spec.sets[n]['attrs'].values():
                        if sub['type'] not in ('pad', 'unused') and sub['type'] != ctype:
                            errs.append(f'{sub["_cname"]}: type {sub["type"]}, header says '
                                        f'all {child}* are {ctype}')
        m = re.search(r'\benum (\w+)', line.rest)
        if m:
            want = spec.enum_by_spec.get(a.get('enum'))
            if want != m.group(1):
                errs.append(f'{line.name}: header says enum {m.group(1)}, spec enum is '
                            f'{a.get("enum")} ({want})')
        rng = doc_range(line, doc[i + 1:], hdr.defines)
        if rng and a['type'] in ('u8', 'u16', 'u32', 'u64'):
            lo = limit_to_number(a.get('checks', {}).get('min', 0))
            hi = limit_to_number(a.get('checks', {}).get('max', a['type'] + '-max'))
            if (lo, hi) != rng[:2]:
                errs.append(f'{line.name}: header says {rng[2]} = {rng[0]}..{rng[1]}, '
                            f'spec checks allow {lo}..{hi}')
            ranges += 1
    if not checked:
        errs.append('no typed attribute found in the header doc comment')
    ktap.add(f'types, nests, enums and ranges of the header doc comment ({checked} lines, '
             f'{ranges} ranges)', errs)

    # Commands: admin, dump, notifications, attributes per the doc comment.
    # (admin): CAP_NET_ADMIN in the namespace's user namespace, uns-admin-perm;
    # (CAP_NET_ADMIN): in the initial user namespace, admin-perm.
    doc_text = '\n'.join(hdr.doc)
    marks = {
        'uns-admin-perm': ('(admin)', set(re.findall(
            r'\b(' + spec.op_prefix + r'\w+)\s*\(admin\)', doc_text))),
        'admin-perm': ('(CAP_NET_ADMIN)', set(re.findall(
            r'\b(' + spec.op_prefix + r'\w+)\s*\(CAP_NET_ADMIN\)', doc_text))),
    }
    dumps = set(re.findall(r'\b(' + spec.op_prefix + r'\w+)\s+dump\b', doc_text))
    errs = []
    for oname, op in spec.ops.items():
        c = op['_cname']
        flags = op.get('flags', [])
        want = [f for f, (_, cmds) in marks.items() if c in cmds]
        for f, (mark, cmds) in marks.items():
            if c in cmds and f not in flags:
                errs.append(f'{c}: {mark} in the header, no {f} flag in the spec')
        for f in flags:
            if f not in want:
                errs.append(f'{c}: flag {f} in the spec, the header does not mark it '
                            + (marks[f][0] if f in marks else ''))
    for f, (mark, cmds) in marks.items():
        for c in cmds - {o['_cname'] for o in spec.ops.values()}:
            errs.append(f'{c}: {mark} in the header, no such operation in the spec')
    ktap.add('uns-admin-perm on exactly the (admin) commands, admin-perm on the '
             '(CAP_NET_ADMIN) ones', errs)

    # Groups: admin-perm (GENL_MCAST_CAP_NET_ADMIN) where the header says
    # '"NAME" group (CAP_NET_ADMIN)'.
    errs = []
    cap_groups = set(re.findall(r'"([\w-]+)" group \(CAP_NET_ADMIN\)', doc_text))
    for name, flags in spec.mcgrp_flags.items():
        if name in cap_groups and 'admin-perm' not in flags:
            errs.append(f'group {name}: (CAP_NET_ADMIN) in the header, no admin-perm '
                        'flag in the spec')
        if name not in cap_groups and flags:
            errs.append(f'group {name}: flags {flags} in the spec, the header does not '
                        'say (CAP_NET_ADMIN)')
    for name in cap_groups - set(spec.mcgrp_flags):
        errs.append(f'group {name}: (CAP_NET_ADMIN) in the header, no such group in the spec')
    ktap.add('group flags agree with the header doc comment', errs)

    # Attributes that come several to a message: "NLBS_A_X nests" (plural) in
    # the header, multi-attr in the spec.
    errs = []
    plural = set(re.findall(r'\b([A-Z][A-Z0-9_]+) nests\b', doc_text))
    for c, (sname, a) in sorted(by_cname.items()):
        if c in plural and not a.get('multi-attr'):
            errs.append(f'{c}: several nests a message in the header, not multi-attr '
                        'in the spec')
        if a.get('multi-attr') and c not in plural:
            errs.append(f'{c}: multi-attr in the spec, the header does not say '
                        f'"{c} nests"')
    for c in plural - set(by_cname):
        errs.append(f'{c} nests: no such attribute in the spec')
    ktap.add('multi-attr on exactly the attributes the header repeats', errs)

    errs = []
    for oname, op in spec.ops.items():
        c = op['_cname']
        is_ntf = 'event' in op or 'notify' in op
        if c.endswith('_NTF') != is_ntf:
            errs.append(f'{c}: {"a" if is_ntf else "not a"} notification in the spec')
        if is_ntf and not op.get('mcgrp'):
            errs.append(f'{c}: notification without mcgrp')
        if not is_ntf and op.get('mcgrp'):
            errs.append(f'{c}: mcgrp on a request')
        if c in dumps and 'dump' not in op:
            errs.append(f'{c}: dump in the header, no dump in the spec')
        if not is_ntf and not c.endswith('_UNSPEC') and 'do' not in op and 'dump' not in op:
            errs.append(f'{c}: neither do nor dump')
    ktap.add('notifications (*_NTF) are events with a group, dumps are dumps', errs)

    errs = check_doc_sections(doc, spec)
    ktap.add('operation attributes agree with the header doc comment', errs)

    # JSON schema
    if schema_path is None:
        guess = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(spec.path))),
                             spec.yaml.get('protocol', 'genetlink') + '.yaml')
        schema_path = guess if os.path.exists(guess) else None
    if schema_path is None:
        ktap.add('spec validates against the YNL JSON schema',
                 skip='no schema given (pass the kernel\'s '
                      f'Documentation/netlink/{spec.yaml.get("protocol", "genetlink")}.yaml)')
    else:
        try:
            import jsonschema
            import yaml
        except ImportError:
            ktap.add('spec validates against the YNL JSON schema',
                     skip='python3-jsonschema not installed')
        else:
            with open(schema_path, encoding='utf-8') as f:
                schema = yaml.safe_load(f)
            v = jsonschema.Draft7Validator(schema)
            errs = [f'{"/".join(str(p) for p in e.path)}: {e.message}'
                    for e in v.iter_errors(spec.yaml)]
            ktap.add(f'spec validates against {os.path.basename(schema_path)}', errs)


def indent_of(text):
    m = re.match(r'^\s*\*(\s*)', text)
    return len(m.group(1)) if m else 0


def doc_range(line, after, defines):
    """The LO..HI of an attribute's description: on its line or on the
    continuation lines below it (more indented, up to a blank line), in
    numbers or in the header's defines. (lo, hi, text) or None."""
    if line.indent is None:
        return None
    texts = [line.rest]
    for sub in after:
        if sub.text.strip(' *') == '' or indent_of(sub.text) <= line.indent:
            break
        texts.append(sub.text.lstrip(' *'))
    for text in texts:
        for m in re.finditer(r'\b(\w+)\.\.(\w+)\b', text):
            lo, hi = (int(x) if x.isdigit() else defines.get(x) for x in m.groups())
            if isinstance(lo, int) and isinstance(hi, int):
                return lo, hi, m.group(0)
    return None


def check_doc_type(line, a):
    errs = []
    t, bo, dt = a['type'], a.get('byte-order'), line.dtype
    want = {'str': 'string', 'be16': 'u16', 'be32': 'u32'}.get(dt, dt)
    if want.startswith('binary'):
        want = 'binary'
    if t != want:
        errs.append(f'{line.name}: type {t} in the spec, {dt} in the header')
    if dt.startswith('be') and bo != 'big-endian':
        errs.append(f'{line.name}: {dt} in the header, spec byte-order is {bo or "host"}')
    m = re.match(r'binary\[(\d+)\]', dt)
    if m:
        n = a.get('checks', {}).get('exact-len')
        if n != int(m.group(1)):
            errs.append(f'{line.name}: {dt} in the header, spec exact-len is {n}')
    return errs


def check_doc_sections(doc, spec):
    """A section: a run of command lines and the attribute lines after them.

    Every attribute of an operation's attribute set that the spec lists for an
    operation must be mentioned in the operation's section of the doc comment,
    and every one mentioned in a section must be used by one of its
    operations.
    """
    ops_by_cname = {o['_cname']: o for o in spec.ops.values()}
    sections, cur, had_attr = [], None, False
    cmd_re = re.compile(r'\b(' + spec.op_prefix + r'[A-Z0-9_]+)')
    for line in doc:
        cmds = [c for c in cmd_re.findall(line.text) if c in ops_by_cname]
        starts = line.name is not None and line.name.startswith(spec.op_prefix)
        if starts and (cur is None or had_attr):
            cur = {'cmds': [], 'lines': []}
            sections.append(cur)
            had_attr = False
        if cur is None:
            continue
        if line.name is None and not line.text.strip(' *'):
            cur, had_attr = None, False
            continue
        cur['cmds'] += cmds
        cur['lines'].append(line.text)
        if line.name and not starts:
            had_attr = True

    errs = []
    documented = set()
    for sec in sections:
        text = '\n'.join(sec['lines'])
        ops = [ops_by_cname[c] for c in dict.fromkeys(sec['cmds'])]
        documented.update(o['_cname'] for o in ops)
        sets = {o.get('attribute-set') for o in ops if o.get('attribute-set')}
        for sname in sets:
            pfx = spec.sets[sname]['prefix']
            names = {a['_cname']: a['name'] for a in spec.sets[sname]['attrs'].values()}
            mentioned = set(re.findall(r'\b(' + pfx + r'[A-Z0-9_]+)', text))
            used = set()
            for o in ops:
                if o.get('attribute-set') != sname:
                    continue
                for a in Spec.op_attrs(o):
                    c = spec.sets[sname]['attrs'][a]['_cname'] \
                        if a in spec.sets[sname]['attrs'] else a
                    used.add(c)
                    if c not in mentioned:
                        errs.append(f'{o["_cname"]}: spec uses {c}, the header does not '
                                    'list it for this command')
            for c in sorted(mentioned - used):
                if c in names:
                    errs.append(f'{", ".join(o["_cname"] for o in ops)}: the header lists {c}, '
                                'no spec operation of this group uses it')
    for c, o in ops_by_cname.items():
        if c not in documented and not c.endswith('_UNSPEC'):
            errs.append(f'{c}: not described in the header doc comment')
    return errs


def main(argv):
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    def arg(i, default):
        return argv[i] if len(argv) > i and argv[i] else default
    header = arg(1, os.path.join(top, 'uapi/linux/nlbs.h'))
    spec_path = arg(2, os.path.join(top, 'Documentation/netlink/specs/nlbs.yaml'))
    schema = arg(3, None)
    if len(argv) > 4 or (len(argv) > 1 and argv[1] in ('-h', '--help')):
        print(__doc__.strip(), file=sys.stderr)
        return 2

    try:
        import yaml
    except ImportError:
        print('TAP version 13\n1..0 # SKIP python3-yaml not installed')
        return KSFT_SKIP

    ktap = Ktap()
    try:
        hdr = Header(header)
        spec = Spec(spec_path, yaml)
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as e:
        ktap.add('header and spec parse', [f'{type(e).__name__}: {e}'.replace('\n', ' ')])
        return ktap.finish()
    ktap.add(f'header and spec parse ({len(hdr.enums)} enums, {len(spec.ops)} operations)')
    try:
        run(hdr, spec, schema, ktap)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        ktap.add('checks ran to the end', [f'{type(e).__name__}: {e}'.replace('\n', ' ')])
    return ktap.finish()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
