#!/usr/bin/env python3
"""Checks that VigilCore's folders depend on each other one way only.

Each folder of Sources/VigilCore is a layer; a file may name types declared in its own layer
or in a lower one, never in a higher one. The order is LAYERS below (lowest first); folders on
one line are peers and may not name each other's types either. "Naming" is a textual reading,
not the compiler's: comments and string literals are removed, then
- every identifier that is the name of a type declared (class, struct, enum, protocol, actor,
  typealias) at the top level, or directly inside a top-level `extension`, of exactly one other
  folder counts as a reference to that folder;
- every member access `.name` where `name` is a member (var, let, func) that exactly one folder
  adds to another folder's type in an extension, and nothing else in the tree declares, counts
  as a reference to the folder of the extension (e.g. `settings.rateLimitBreach`, declared in
  Detect/ on Config's `DetectorSettings`).
It can still miss free functions and members whose names are declared in several places.

    scripts/check-layers.py            # exit 1 and list the edges that go the wrong way
    scripts/check-layers.py --graph    # every edge between folders, with one example each
"""
import os, re, sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "VigilCore")
# Lowest first. A layer may use the layers before it.
LAYERS = [
    ["Support"],
    ["Event"],
    ["Config"],
    ["Enrich"],
    ["Findings"],
    ["Store"],
    ["Input", "Decode", "Detect", "Alert"],
    ["Policy"],
    ["Pipeline", "Report"],
]
TOP = "."   # files directly in Sources/VigilCore (Vigil.swift): the top, may use everything

def rank(folder):
    if folder == TOP:
        return (len(LAYERS), 0)
    for i, peers in enumerate(LAYERS):
        if folder in peers:
            return (i, peers.index(folder))
    return None

STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|"""(?:.|\n)*?"""|"(?:\\.|[^"\\\n])*"', re.S)
# Top-level declarations only (nested types are reached through their outer type's name).
DECL = re.compile(r'^(?:(?:public|package|internal|fileprivate|private|final|indirect|@\w+(?:\([^)]*\))?)\s+)*'
                  r'(?:class|struct|enum|protocol|actor|typealias)\s+([A-Z][A-Za-z0-9_]*)', re.M)
IDENT = re.compile(r'\b[A-Z][A-Za-z0-9_]*\b')

def files():
    for dirpath, _, names in os.walk(ROOT):
        for name in sorted(names):
            if name.endswith(".swift"):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(dirpath, ROOT)
                yield (rel.split(os.sep)[0] if rel != "." else TOP), path

EXTENSION = re.compile(r'^(?:(?:public|package|internal|fileprivate|private)\s+)*extension\s+([A-Z][\w.]*)[^{\n]*\{', re.M)
NESTED_TYPE = re.compile(r'\b(?:class|struct|enum|protocol|actor|typealias)\s+([A-Z][A-Za-z0-9_]*)')
MEMBER = re.compile(r'\b(?:var|let|func)\s+([a-z_][A-Za-z0-9_]*)')
ANY_MEMBER_DECL = re.compile(r'\b(?:var|let|func|case)\s+([a-z_][A-Za-z0-9_]*)')
MEMBER_USE = re.compile(r'\.([a-z_][A-Za-z0-9_]*)\b')

def extension_bodies(text):
    """(extended type, the text directly inside the block, at depth 1) for each top-level extension."""
    for match in EXTENSION.finditer(text):
        depth, i, inner = 1, match.end(), []
        while i < len(text) and depth > 0:
            c = text[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif depth == 1:
                inner.append(c)
            if depth == 1 and c == "}":
                inner.append(" ")
            i += 1
        yield match.group(1).split(".")[0], "".join(inner)

def main():
    sources = {path: (folder, STRIP.sub(" ", open(path, encoding="utf-8").read())) for folder, path in files()}
    declared = defaultdict(set)
    for path, (folder, text) in sources.items():
        for name in DECL.findall(text):
            declared[name].add(folder)
    top_level = dict(declared)
    # Types nested in extensions, and members added to another folder's types.
    added_members = defaultdict(set)
    for path, (folder, text) in sources.items():
        for extended, body in extension_bodies(text):
            for name in NESTED_TYPE.findall(body):
                declared[name].add(folder)
            home = top_level.get(extended)
            if home and folder not in home:
                for name in MEMBER.findall(body):
                    added_members[name].add(folder)
    member_decls = defaultdict(int)
    for path, (folder, text) in sources.items():
        for name in ANY_MEMBER_DECL.findall(text):
            member_decls[name] += 1
    owner = {name: next(iter(folders)) for name, folders in declared.items() if len(folders) == 1}
    member_owner = {name: next(iter(folders)) for name, folders in added_members.items()
                    if len(folders) == 1 and member_decls[name] == 1}
    edges = defaultdict(list)
    for path, (folder, text) in sources.items():
        for name in set(IDENT.findall(text)):
            target = owner.get(name)
            if target and target != folder:
                edges[(folder, target)].append((os.path.relpath(path, ROOT), name))
        for name in set(MEMBER_USE.findall(text)):
            target = member_owner.get(name)
            if target and target != folder:
                edges[(folder, target)].append((os.path.relpath(path, ROOT), "." + name))
    unknown = sorted({f for f, _ in sources.values() if rank(f) is None})
    if unknown:
        print("folders missing from LAYERS in scripts/check-layers.py: " + ", ".join(unknown))
        return 1
    wrong = []
    for (src, dst), refs in sorted(edges.items()):
        ok = rank(dst)[0] < rank(src)[0]
        if "--graph" in sys.argv:
            print(f"{'  ' if ok else '✗ '}{src} -> {dst}  ({len(refs)}: {refs[0][0]} names {refs[0][1]})")
        if not ok:
            wrong.append((src, dst, refs))
    for src, dst, refs in wrong:
        names = sorted({f"{file} names {name}" for file, name in refs})
        print(f"{src} -> {dst}: a layer may only use layers below it")
        for n in names[:8]:
            print(f"    {n}")
        if len(names) > 8:
            print(f"    … {len(names) - 8} more")
    if wrong:
        print(f"{len(wrong)} dependencies go the wrong way; layers, lowest first: "
              + " < ".join("/".join(p) for p in LAYERS))
        return 1
    print("layers: " + " < ".join("/".join(p) for p in LAYERS) + f"; {len(edges)} dependencies between folders, all downward")
    return 0

sys.exit(main())
