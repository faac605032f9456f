#!/usr/bin/env python3
"""What a wasm module is made of: bytes per section, and code bytes per crate.

    bench/wasm-sizes.py MODULE.wasm [TOP]

Reads the module's own sections (no tool beyond Python): the code section's
function bodies are attributed through the `name` custom section (present in
the raw module rustc writes, before `wasm-bindgen --remove-name-section`) to
the crate their mangled symbol starts with (`_ZN4core3fmt…` → core,
`_ZN<impl of serde_json::Value as …>` → serde_json). Prints section sizes,
then the TOP crates (default 25) by code bytes, with their gzip-compressed
share estimated per crate (its bodies compressed together at level 9).
Used for the hydration-bundle rows of docs/BENCHMARKS.md (like `twiggy top`,
which is not installable offline here).
"""

import gzip
import re
import sys
from collections import defaultdict

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}


def leb(buf, pos):
    result, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def name(buf, pos):
    n, pos = leb(buf, pos)
    return buf[pos:pos + n].decode("utf-8", "replace"), pos + n


def crate_of(symbol):
    """The crate a (legacy- or v0-mangled, or plain) Rust symbol belongs to."""
    if symbol.startswith("_ZN"):
        m = re.match(r"_ZN(\d+)", symbol)
        if not m:
            return "?"
        n = int(m.group(1))
        seg = symbol[m.end():m.end() + n]
        if seg.startswith("_$LT$"):
            # <Type as Trait>::f: the type's crate.
            inner = seg[5:]
            inner = inner.lstrip("&$RF$").replace("$u20$", " ")
            return re.split(r"\.\.|\$", inner)[0] or "?"
        return seg
    if symbol.startswith("_R"):
        m = re.search(r"C(?:s[0-9a-zA-Z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)", symbol)
        if m:
            return m.group(2)[: int(m.group(1))]
    if "::" in symbol:
        head = symbol.lstrip("<&*").split("::")[0]
        return head.split(" ")[-1]
    return "(js glue / unnamed)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    buf = open(path, "rb").read()
    assert buf[:4] == b"\0asm", "not a wasm module"
    pos = 8
    sections = []
    imported_funcs = 0
    bodies = []
    names = {}
    while pos < len(buf):
        sid = buf[pos]
        size, start = leb(buf, pos + 1)
        end = start + size
        label = SECTION_NAMES.get(sid, str(sid))
        if sid == 0:
            cname, _ = name(buf, start)
            label = f"custom:{cname}"
            if cname == "name":
                p = start
                _, p = name(buf, p)
                while p < end:
                    sub, p = buf[p], p + 1
                    sub_size, p = leb(buf, p)
                    if sub == 1:
                        q = p
                        count, q = leb(buf, q)
                        for _ in range(count):
                            idx, q = leb(buf, q)
                            nm, q = name(buf, q)
                            names[idx] = nm
                    p += sub_size
        elif sid == 2:
            p = start
            count, p = leb(buf, p)
            for _ in range(count):
                _, p = name(buf, p)
                _, p = name(buf, p)
                kind = buf[p]
                p += 1
                if kind == 0:
                    _, p = leb(buf, p)
                    imported_funcs += 1
                elif kind == 1:
                    p += 1
                    flags, p = leb(buf, p)
                    _, p = leb(buf, p)
                    if flags & 1:
                        _, p = leb(buf, p)
                elif kind == 2:
                    flags, p = leb(buf, p)
                    _, p = leb(buf, p)
                    if flags & 1:
                        _, p = leb(buf, p)
                elif kind == 3:
                    p += 2
                else:
                    raise SystemExit(f"unknown import kind {kind}")
        elif sid == 10:
            p = start
            count, p = leb(buf, p)
            for i in range(count):
                body_size, q = leb(buf, p)
                bodies.append((imported_funcs + i, buf[q:q + body_size]))
                p = q + body_size
        sections.append((label, size))
        pos = end

    total = len(buf)
    print(f"{path}: {total:,} bytes, gzip -9: {len(gzip.compress(buf, 9)):,}")
    print("\n| section | bytes | share |\n|---|---|---|")
    for label, size in sorted(sections, key=lambda s: -s[1]):
        if size * 200 >= total:
            print(f"| {label} | {size:,} | {100 * size / total:.1f} % |")
    by_crate = defaultdict(list)
    for idx, body in bodies:
        by_crate[crate_of(names.get(idx, ""))].append(body)
    code = sum(len(b) for _, b in bodies)
    print(f"\n| crate | code bytes | share of code | gzip -9 alone |\n|---|---|---|---|")
    rows = sorted(by_crate.items(), key=lambda kv: -sum(len(b) for b in kv[1]))
    for crate, bs in rows[:top]:
        n = sum(len(b) for b in bs)
        print(f"| {crate} | {n:,} | {100 * n / code:.1f} % | {len(gzip.compress(b''.join(bs), 9)):,} |")
    rest = rows[top:]
    if rest:
        n = sum(len(b) for _, bs in rest for b in bs)
        print(f"| {len(rest)} more | {n:,} | {100 * n / code:.1f} % | |")


if __name__ == "__main__":
    main()
