"""Liveness of local names, as TensorFlow's AutoGraph computes it before converting control flow.

``annotate(fdef)`` runs on the jump-lowered function (no ``break``/``continue``, returns only
at the end of blocks) and sets, on every ``if``/``while``/``for``:

- ``ag_live_in``: names whose value before the statement (before each iteration, for loops)
  may be read by it or after it;
- ``ag_live_out``: names that may be read after the statement.

The analysis over-approximates where it cannot be exact (``try``/``match``, names that nested
functions or ``locals()`` can see are live everywhere), so a name it calls dead is never read.
"""

from __future__ import annotations

import ast

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_INTROSPECTION = {"locals", "vars", "exec", "eval", "dir"}


def _loads(node):
    """Names read by ``node`` (an expression or a simple statement), nested scopes included;
    lambdas made by the converter itself (``ag_inline``) run at once, so they count here."""
    out = set()
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name):
            if not isinstance(n.ctx, ast.Store):
                out.add(n.id)
        elif isinstance(n, _NESTED) and not getattr(n, "ag_inline", False) and n is not node:
            continue  # a closure: its free names are live everywhere (see _closure_names)
        todo.extend(ast.iter_child_nodes(n))
    return out


def _kills(targets):
    """Names bound by assignment ``targets`` (not attribute/subscript bases)."""
    out = set()
    todo = list(targets)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, (ast.Tuple, ast.List)):
            todo.extend(n.elts)
        elif isinstance(n, ast.Starred):
            todo.append(n.value)
    return out


def _closure_names(fdef):
    """Names any escaping nested scope (def, lambda, class) of ``fdef`` may read or write."""
    out = set()
    for stmt in fdef.body:
        todo = [stmt]
        while todo:
            n = todo.pop()
            if isinstance(n, _NESTED) and not getattr(n, "ag_inline", False):
                out |= {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out |= {x.arg for x in ast.walk(n.args) if isinstance(x, ast.arg)}
                continue
            todo.extend(ast.iter_child_nodes(n))
    return out


class _Analysis:
    def __init__(self, always):
        self.always = always

    def block(self, stmts, out):
        live = set(out)
        for s in reversed(stmts):
            live = self.stmt(s, live) | self.always
        return live

    def _mark(self, node, live_in, live_out):
        node.ag_live_in = frozenset(live_in | self.always)
        node.ag_live_out = frozenset(live_out | self.always)

    def stmt(self, s, out):
        if isinstance(s, ast.If):
            live = _loads(s.test) | self.block(s.body, out) | self.block(s.orelse, out)
            self._mark(s, live, out)
            return live
        if isinstance(s, ast.While):
            extra = getattr(s, "ag_extra_test", None)
            base = set(out) | _loads(s.test) | self.block(s.orelse, out)
            if extra is not None:
                base |= _loads(extra)
            head = set(base)
            while True:
                new = base | self.block(s.body, head)
                if new == head:
                    break
                head = new
            self._mark(s, head, out)
            return head
        if isinstance(s, ast.For):
            extra = getattr(s, "ag_extra_test", None)
            base = set(out) | self.block(s.orelse, out)
            if extra is not None:
                base |= _loads(extra)
            head = set(base)
            while True:
                body_in = self.block(s.body, head)
                new = base | (body_in - _kills([s.target])) | _loads(s.target)
                if new == head:
                    break
                head = new
            self._mark(s, head, out)
            return head | _loads(s.iter)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotate(s)
            parts = s.decorator_list + s.args.defaults + [d for d in s.args.kw_defaults if d]
            return (set(out) - {s.name}) | set().union(*map(_loads, parts))
        if isinstance(s, ast.ClassDef):
            return set(out) | _loads(s)
        if isinstance(s, ast.Return):
            return _loads(s.value) if s.value is not None else set()
        if isinstance(s, (ast.Assign, ast.AnnAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            value = _loads(s.value) if s.value is not None else set()
            return (set(out) - _kills(targets)) | value | set().union(*map(_loads, targets))
        if isinstance(s, ast.AugAssign):
            return set(out) | _loads(s.value) | _loads(s.target) | _kills([s.target])
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            return set(out) - {(a.asname or a.name).split(".")[0] for a in s.names}
        if isinstance(s, ast.With):
            live = self.block(s.body, out)
            live -= _kills([i.optional_vars for i in s.items if i.optional_vars is not None])
            for i in s.items:
                live |= _loads(i.context_expr)
                if i.optional_vars is not None:
                    live |= _loads(i.optional_vars)
            return live
        if isinstance(s, (ast.Try, ast.TryStar, ast.Match)):
            # Conservative: everything it reads or binds is live throughout.
            live = set(out) | {n.id for n in ast.walk(s) if isinstance(n, ast.Name)}
            blocks = [getattr(s, f, []) for f in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(s, "handlers", [])]
            blocks += [c.body for c in getattr(s, "cases", [])]
            for b in blocks:
                self.block(b, live)
            return live
        return set(out) | _loads(s)  # expressions, assert, raise, del, global, pass


def annotate(fdef):
    """Annotate the control-flow statements of ``fdef`` (and of its nested functions)."""
    always = _closure_names(fdef)
    nonlocals = {n for s in ast.walk(fdef) if isinstance(s, ast.Nonlocal) for n in s.names}
    always |= nonlocals
    if any(isinstance(n, ast.Name) and n.id in _INTROSPECTION for n in ast.walk(fdef)):
        always |= {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)}
    _Analysis(always).block(fdef.body, set())
