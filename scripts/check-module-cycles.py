#!/usr/bin/env python3
"""Fails when the files of a crate import each other in a circle.

For every crate of the workspace (each member's library, binaries, tests, benches and
examples: every crate root), builds the file-level graph: an edge from a file to each file
it declares with `mod name;`, and to each file that a `crate::`, `super::` or `self::` path
in it names, outside `#[cfg(test)]` code. A path that names an item a module only imports
(`use` or `pub use`) counts where the item comes from, so a re-export is no dependency on
the module that re-exports. Prints every circle (strongly connected set of files) with the
edges that close it, and exits 1 when there is one.

    python3 scripts/check-module-cycles.py [-v] [WORKSPACE_DIR]

`-v` prints each crate's edges too. Python 3.11 standard library only.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# ------------------------------------------------------------------------------------------
# Source text: comments, literals and #[cfg(test)] items blanked out
# ------------------------------------------------------------------------------------------


def strip_comments_and_literals(src: str) -> str:
    """The source with comments and string/char literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(src)

    def blank(text: str) -> str:
        return "".join(c if c == "\n" else " " for c in text)

    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(src[i:j]))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', src[i:])) and not (
            i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")
        ):
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(blank(src[i:j]))
            i = j
        elif c == '"' or (c == "b" and src.startswith('b"', i) and not _ident_before(src, i)):
            j = i + (2 if c == "b" else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(blank(src[i : j + 1]))
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}') or a lifetime / label ('a).
            m = re.match(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'", src[i:])
            if m:
                out.append(" " * m.end())
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _ident_before(src: str, i: int) -> bool:
    return i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")


def skip_balanced(src: str, i: int, open_: str, close: str) -> int:
    """Index just past the bracket that closes the one at `i`."""
    depth = 0
    while i < len(src):
        if src[i] == open_:
            depth += 1
        elif src[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(src)


CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")


def strip_test_items(src: str) -> str:
    """Blanks every item marked `#[cfg(test)]` (up to its `;` or its closing brace)."""
    while m := CFG_TEST.search(src):
        i = m.end()
        # Further attributes on the same item.
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if src.startswith("#", i) and (j := src.find("[", i)) >= 0 and src[i + 1 : j].strip() == "":
                i = skip_balanced(src, j, "[", "]")
            else:
                break
        depth = 0
        j = i
        while j < len(src):
            ch = src[j]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == ";" and depth == 0:
                j += 1
                break
            elif ch == "{" and depth == 0:
                j = skip_balanced(src, j, "{", "}")
                break
            j += 1
        src = src[: m.start()] + "".join(c if c == "\n" else " " for c in src[m.start() : j]) + src[j:]
    return src


# ------------------------------------------------------------------------------------------
# Tokens, `mod` declarations, `use` trees and paths
# ------------------------------------------------------------------------------------------

TOKEN = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*|::|[{}();,*]|\S")


@dataclass
class Use:
    """One leaf of a `use` tree: the path it imports and the name it binds."""

    scope: tuple[str, ...]  # inline modules of the file it sits in
    path: list[str]
    name: str | None  # None for a glob


@dataclass
class FileFacts:
    path: str
    mods: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (scope, child)
    inline: set[tuple[str, ...]] = field(default_factory=set)  # inline module scopes
    uses: list[Use] = field(default_factory=list)
    defines: set[tuple[tuple[str, ...], str]] = field(default_factory=set)  # (scope, name)
    paths: list[tuple[tuple[str, ...], list[str]]] = field(default_factory=list)


def parse_use_tree(tokens: list[str], prefix: list[str]) -> list[tuple[list[str], str | None]]:
    """Leaves of a use tree (`a::{b, c::d as e, f::*}`) as (path, bound name)."""
    leaves: list[tuple[list[str], str | None]] = []
    i = 0
    path = list(prefix)
    while i < len(tokens):
        t = tokens[i]
        if t == "::":
            i += 1
        elif t == "{":
            j = i
            depth = 0
            while j < len(tokens):
                depth += tokens[j] == "{"
                depth -= tokens[j] == "}"
                if depth == 0:
                    break
                j += 1
            inner = tokens[i + 1 : j]
            part: list[str] = []
            depth = 0
            for tok in inner + [","]:
                if tok == "," and depth == 0:
                    if part:
                        leaves += parse_use_tree(part, path)
                    part = []
                    continue
                depth += tok == "{"
                depth -= tok == "}"
                part.append(tok)
            return leaves
        elif t == "*":
            leaves.append((path, None))
            return leaves
        elif t == "as":
            alias = tokens[i + 1] if i + 1 < len(tokens) else "_"
            leaves.append((path, None if alias == "_" else alias))
            return leaves
        elif IDENT.fullmatch(t):
            path = path + [t]
            i += 1
        else:
            i += 1
    if path:
        last = path[-1]
        if last == "self":
            path = path[:-1]
            last = path[-1] if path else None
        leaves.append((path, last))
    return leaves


ITEM_KEYWORDS = ("fn", "struct", "enum", "const", "static", "type", "trait", "union")


def scan(path: str) -> FileFacts:
    with open(path, encoding="utf-8") as f:
        src = strip_test_items(strip_comments_and_literals(f.read()))
    facts = FileFacts(path)
    tokens = TOKEN.findall(src)
    scope: list[tuple[str, int]] = []  # inline modules: (name, depth of their brace)
    depth = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        here = tuple(name for name, _ in scope)
        if t == "{":
            depth += 1
        elif t == "}":
            if scope and scope[-1][1] == depth:
                scope.pop()
            depth -= 1
        elif t == "mod" and i + 2 < len(tokens) and IDENT.fullmatch(tokens[i + 1]):
            if tokens[i + 2] == ";":
                facts.mods.append((here, tokens[i + 1]))
            elif tokens[i + 2] == "{":
                scope.append((tokens[i + 1], depth + 1))
                facts.inline.add(here + (tokens[i + 1],))
                depth += 1
                i += 3
                continue
        elif t == "use" and (i == 0 or tokens[i - 1] not in ("::",)):
            j = i + 1
            nest = 0
            while j < len(tokens) and not (tokens[j] == ";" and nest == 0):
                nest += tokens[j] == "{"
                nest -= tokens[j] == "}"
                j += 1
            tree = tokens[i + 1 : j]
            if tree and tree[0] == "::":
                tree = tree[1:]
            for p, name in parse_use_tree(tree, []):
                facts.uses.append(Use(here, p, name))
            i = j + 1
            continue
        elif t in ITEM_KEYWORDS and i + 1 < len(tokens) and IDENT.fullmatch(tokens[i + 1]):
            facts.defines.add((here, tokens[i + 1]))
        elif t in ("crate", "super", "self") and (i == 0 or tokens[i - 1] != "::"):
            segs = [t]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j] == "::" and IDENT.fullmatch(tokens[j + 1]):
                segs.append(tokens[j + 1])
                j += 2
            if len(segs) > 1:
                facts.paths.append((here, segs))
            i = j
            continue
        i += 1
    return facts


# ------------------------------------------------------------------------------------------
# One crate: its module tree, name resolution and the file graph
# ------------------------------------------------------------------------------------------


class Crate:
    def __init__(self, root: str):
        self.root = root
        self.modules: dict[tuple[str, ...], str] = {}  # module path -> file
        self.facts: dict[str, FileFacts] = {}
        self.file_module: dict[str, tuple[str, ...]] = {}
        self.children: dict[str, list[str]] = {}  # file -> files it declares
        self._load(root, (), is_dir_owner=True)

    def _load(self, file: str, module: tuple[str, ...], is_dir_owner: bool) -> None:
        facts = scan(file)
        self.facts[file] = facts
        self.file_module[file] = module
        self.modules[module] = file
        for scope in facts.inline:
            self.modules[module + scope] = file
        base = os.path.dirname(file)
        if not is_dir_owner:
            base = os.path.join(base, os.path.splitext(os.path.basename(file))[0])
        self.children[file] = []
        for scope, name in facts.mods:
            d = os.path.join(base, *scope)
            for cand, owner in ((os.path.join(d, name + ".rs"), False), (os.path.join(d, name, "mod.rs"), True)):
                if os.path.exists(cand):
                    self.children[file].append(cand)
                    self._load(cand, module + scope + (name,), owner)
                    break

    def _start(self, module: tuple[str, ...], segs: list[str]) -> tuple[tuple[str, ...], list[str]] | None:
        """Where a path begins: (module, the segments after crate/super/self)."""
        if not segs:
            return None
        if segs[0] == "crate":
            return (), segs[1:]
        if segs[0] in ("self", "super"):
            cur = list(module)
            while segs and segs[0] in ("self", "super"):
                if segs[0] == "super":
                    if not cur:
                        return None
                    cur.pop()
                segs = segs[1:]
            return tuple(cur), segs
        # A bare path in a `use`: a child module of this module, else another crate.
        if module + (segs[0],) in self.modules:
            return module, segs
        return None

    def resolve(self, module: tuple[str, ...], segs: list[str], seen: frozenset = frozenset()) -> str | None:
        """The file that defines what the path names (None: another crate, or unknown)."""
        start = self._start(module, segs)
        if start is None:
            return None
        cur, rest = start
        while rest and cur + (rest[0],) in self.modules:
            cur = cur + (rest[0],)
            rest = rest[1:]
        file = self.modules.get(cur)
        if file is None or not rest:
            return file
        # An item of module `cur`: where the module defines it, or where it comes from when
        # the module only imports it (by name, else through a glob import).
        key = (cur, rest[0])
        if key in seen:
            return file
        facts = self.facts[file]
        scope = cur[len(self.file_module[file]) :]
        if (scope, rest[0]) in facts.defines:
            return file
        for u in facts.uses:
            if u.name == rest[0] and u.scope == scope:
                return self.resolve(cur, u.path, seen | {key})
        for u in facts.uses:
            if u.name is None and u.scope == scope:
                target = self.resolve(cur, u.path + [rest[0]], seen | {key})
                if target is not None and self.provides(target, rest[0]):
                    return target
        return file

    def provides(self, file: str, name: str) -> bool:
        """Whether a file defines `name` itself (in any of its modules)."""
        return any(n == name for _, n in self.facts[file].defines)

    def edges(self) -> dict[str, set[str]]:
        graph: dict[str, set[str]] = {f: set() for f in self.facts}
        for file, facts in self.facts.items():
            graph[file].update(self.children[file])
            module = self.file_module[file]
            for scope, segs in facts.paths:
                t = self.resolve(module + scope, segs)
                if t and t != file:
                    graph[file].add(t)
            for u in facts.uses:
                if u.path and u.path[0] in ("crate", "super", "self") or (
                    u.path and module + u.scope + (u.path[0],) in self.modules
                ):
                    segs = u.path if u.name is None else u.path
                    t = self.resolve(module + u.scope, segs)
                    if t and t != file:
                        graph[file].add(t)
        return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected sets of more than one file (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for v0 in sorted(graph):
        if v0 in index:
            continue
        work = [(v0, iter(sorted(graph[v0])))]
        index[v0] = low[v0] = counter
        counter += 1
        stack.append(v0)
        on.add(v0)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


# ------------------------------------------------------------------------------------------
# The workspace
# ------------------------------------------------------------------------------------------


def crate_roots(member: str) -> list[str]:
    roots = [os.path.join(member, "src", f) for f in ("lib.rs", "main.rs")]
    for pattern in ("src/bin/*.rs", "src/bin/*/main.rs", "tests/*.rs", "benches/*.rs", "examples/*.rs"):
        roots += sorted(glob.glob(os.path.join(member, pattern)))
    return [r for r in roots if os.path.isfile(r)]


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    workspace = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    with open(os.path.join(workspace, "Cargo.toml"), "rb") as f:
        members = tomllib.load(f)["workspace"]["members"]
    failures = 0
    crates = files = 0
    for member in members:
        for root in crate_roots(os.path.join(workspace, member)):
            crate = Crate(root)
            graph = crate.edges()
            crates += 1
            files += len(graph)
            rel = lambda p: os.path.relpath(p, workspace)  # noqa: E731
            if verbose:
                print(f"{rel(root)}: {len(graph)} files")
                for a in sorted(graph):
                    for b in sorted(graph[a]):
                        print(f"  {rel(a)} -> {rel(b)}")
            for comp in cycles(graph):
                failures += 1
                print(f"circle in the crate of {rel(root)}: {', '.join(rel(f) for f in comp)}")
                members_ = set(comp)
                for a in comp:
                    for b in sorted(graph[a] & members_):
                        print(f"    {rel(a)} -> {rel(b)}")
    if failures:
        print(f"{failures} import circle(s) between files; break each by moving what both sides use "
              "into a module of its own, or by importing it from where it is defined.")
        return 1
    print(f"no import circle between files ({crates} crates, {files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
