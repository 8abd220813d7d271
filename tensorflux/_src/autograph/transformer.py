"""Source-to-source passes of AutoGraph (``ast`` in, ``ast`` out).

1. ``_Expressions``: calls -> ``ag__.converted_call``, ``and``/``or``/``not`` -> lazy
   ``ag__.and_``/``or_``/``not_``, ``a if c else b`` -> ``ag__.if_exp``, ``assert`` ->
   ``ag__.assert_stmt``, zero-argument ``super()`` -> ``super(__class__, self)``.
2. ``_lower_jumps``: ``return``/``break``/``continue`` inside control flow become boolean
   flags (``ag__do_return``, ``ag__break_N``, ``ag__continue_N``) that guard the statements
   after them and end loops (loop ``extra_test``), as TensorFlow's AutoGraph does.
3. ``_ControlFlow``: ``if``/``while``/``for`` become calls of ``ag__.if_stmt``/``while_stmt``/
   ``for_stmt`` on local functions; the variables assigned in the statement are the state,
   read and written through ``get_state``/``set_state`` closures (``nonlocal``).

Generated nodes keep the line numbers of the statements they replace, so tracebacks through
converted code show the user's file and line.
"""

from __future__ import annotations

import ast
import itertools

from tensorflux._src.autograph import liveness

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
RETVAL = "ag__retval"
DO_RETURN = "ag__do_return"


def _ag(attr):
    return ast.Attribute(value=ast.Name(id="ag__", ctx=ast.Load()), attr=attr, ctx=ast.Load())


def _call(attr, *args):
    return ast.Call(func=_ag(attr), args=list(args), keywords=[])


def _name(n, store=False):
    return ast.Name(id=n, ctx=ast.Store() if store else ast.Load())


def _lambda(expr):
    args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])
    lam = ast.Lambda(args=args, body=expr)
    lam.ag_inline = True  # called at once by the runtime (liveness reads it in place)
    return lam


def _assign(n, value):
    return ast.Assign(targets=[_name(n, True)], value=value)


def _not_flag(flag):
    return _call("not_", _name(flag))


def _located(nodes, origin):
    """Give generated nodes the position of ``origin``'s first line."""
    end = origin.end_col_offset if origin.end_lineno == origin.lineno else origin.col_offset + 1
    todo = list(nodes)
    while todo:
        sub = todo.pop()
        if "lineno" in sub._attributes:
            if hasattr(sub, "lineno"):
                continue  # an original node: its children are located from it
            sub.lineno = sub.end_lineno = origin.lineno
            sub.col_offset, sub.end_col_offset = origin.col_offset, end
        todo.extend(ast.iter_child_nodes(sub))
    return nodes


# ---- pass 1: expressions ---------------------------------------------------------------------


def _is_loop_options(call):
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr == "set_loop_options") or \
        (isinstance(f, ast.Name) and f.id == "set_loop_options")


class _Expressions(ast.NodeTransformer):
    def __init__(self, self_arg):
        self.self_arg = self_arg

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id == "super" and not node.args and self.self_arg:
            node.args = [_name("__class__"), _name(self.self_arg)]
            return node
        if _is_loop_options(node):
            return node
        kw = ast.Dict(keys=[k.arg for k in node.keywords], values=[k.value for k in node.keywords])
        kw.keys = [None if k is None else ast.Constant(k) for k in kw.keys]
        args = ast.Tuple(elts=node.args, ctx=ast.Load())
        return ast.copy_location(_call("converted_call", f, args, kw), node)

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        expr = node.values[-1]
        for v in reversed(node.values[:-1]):
            expr = _call(fn, _lambda(v), _lambda(expr))
        return ast.copy_location(expr, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_call("not_", node.operand), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return ast.copy_location(
            _call("if_exp", node.test, _lambda(node.body), _lambda(node.orelse)), node)

    def visit_Assert(self, node):
        self.generic_visit(node)
        msg = _lambda(node.msg) if node.msg is not None else ast.Constant(None)
        return ast.copy_location(ast.Expr(_call("assert_stmt", node.test, msg)), node)

    def visit_FunctionDef(self, node):
        saved = self.self_arg
        self.self_arg = node.args.args[0].arg if node.args.args else None
        self.generic_visit(node)
        self.self_arg = saved
        return node


# ---- pass 2: return / break / continue ----------------------------------------------------------


def _contains(stmts, types, into_loops):
    """Whether ``stmts`` contain a node of ``types`` (not inside nested scopes, and not inside
    nested loops unless ``into_loops``)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, types):
            return True
        if isinstance(n, _SCOPES):
            continue
        if not into_loops and isinstance(n, (ast.For, ast.While)):
            todo.extend(n.orelse)
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


class _Lowering:
    """Rewrites the jumps of one function body."""

    def __init__(self, counter):
        self.counter = counter

    def guard(self, stmts, kind, flag, loop_depth):
        """Replace jumps of ``kind`` in ``stmts``: set ``flag`` and guard what follows."""
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, kind) and (kind is ast.Return or loop_depth == 0):
                if kind is ast.Return:
                    value = s.value if s.value is not None else ast.Constant(None)
                    out += _located([_assign(DO_RETURN, ast.Constant(True)),
                                     _assign(RETVAL, value)], s)
                else:
                    out += _located([_assign(flag, ast.Constant(True))], s)
                return out  # the rest of the block is unreachable
            if not _contains([s], kind, into_loops=kind is ast.Return):
                out.append(s)
                continue
            rest = stmts[i + 1:]
            if kind is ast.Return and isinstance(s, ast.If) and rest:
                body_ret, else_ret = _definitely_returns(s.body), _definitely_returns(s.orelse)
                if body_ret != else_ret:
                    # TF's pattern: `if c: return a` + rest -> the rest becomes the other
                    # branch, so both branches of a tensor `if` set the return value.
                    field = "orelse" if body_ret else "body"
                    setattr(s, field, getattr(s, field) + rest)
                if body_ret or else_ret:
                    self.guard_inside(s, kind, flag, loop_depth)
                    return out + [s]
            self.guard_inside(s, kind, flag, loop_depth)
            out.append(s)
            if rest:
                rest = self.guard(rest, kind, flag, loop_depth)
                out.append(ast.copy_location(ast.If(test=_not_flag(flag), body=rest, orelse=[]),
                                             rest[0]))
            return out
        return out

    def guard_inside(self, s, kind, flag, loop_depth):
        if isinstance(s, (ast.For, ast.While)):
            # Only returns reach into nested loops; the loop also stops on the flag.
            s.body = self.guard(s.body, kind, flag, loop_depth + 1) or [ast.Pass()]
            _add_extra_test(s, flag)
            return
        for field in ("body", "orelse", "finalbody"):
            block = getattr(s, field, None)
            if block:
                setattr(s, field, self.guard(block, kind, flag, loop_depth) or [ast.Pass()])
        for h in getattr(s, "handlers", []):
            h.body = self.guard(h.body, kind, flag, loop_depth) or [ast.Pass()]

    def lower_loop(self, loop):
        """Lower break/continue of this loop (its nested loops first)."""
        self.lower_block(loop.body)
        self.lower_block(loop.orelse)
        n = next(self.counter)
        if _contains(loop.body, ast.Continue, into_loops=False):
            flag = f"ag__continue_{n}"
            body = self.guard(loop.body, ast.Continue, flag, 0)
            loop.body = _located([_assign(flag, ast.Constant(False))], loop) + (body or [])
        pre, post = [], []
        if _contains(loop.body, ast.Break, into_loops=False):
            flag = f"ag__break_{n}"
            loop.body = self.guard(loop.body, ast.Break, flag, 0) or [ast.Pass()]
            _add_extra_test(loop, flag)
            pre = _located([_assign(flag, ast.Constant(False))], loop)
            if loop.orelse:
                post = [ast.copy_location(ast.If(test=_not_flag(flag), body=loop.orelse,
                                                 orelse=[]), loop.orelse[0])]
        elif loop.orelse:
            post = loop.orelse
        loop.orelse = []
        return pre + [loop] + post

    def lower_block(self, stmts):
        i = 0
        while i < len(stmts):
            s = stmts[i]
            if isinstance(s, (ast.For, ast.While)):
                new = self.lower_loop(s)
                stmts[i:i + 1] = new
                i += len(new)
                continue
            if not isinstance(s, _SCOPES):
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(s, field, None)
                    if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                        self.lower_block(block)
                for h in getattr(s, "handlers", []):
                    self.lower_block(h.body)
            i += 1


def _definitely_returns(stmts):
    """Whether every path through ``stmts`` ends in a ``return`` (TF's definition)."""
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and _definitely_returns(s.body) and \
                _definitely_returns(s.orelse):
            return True
        if isinstance(s, ast.With) and _definitely_returns(s.body):
            return True
    return False


def _add_extra_test(loop, flag):
    prev = getattr(loop, "ag_extra_test", None)
    test = _not_flag(flag)
    loop.ag_extra_test = test if prev is None else _call("and_", _lambda(prev), _lambda(test))


def _needs_return_lowering(body):
    for s in body:
        if isinstance(s, ast.Return):
            return False  # statements after it are dead; earlier ones had no return
        if _contains([s], ast.Return, into_loops=True):
            return True
    return False


def lower_function(fdef, counter):
    low = _Lowering(counter)
    low.lower_block(fdef.body)
    if _needs_return_lowering(fdef.body):
        body = low.guard(fdef.body, ast.Return, DO_RETURN, 0)
        head = _located([_assign(DO_RETURN, ast.Constant(False)),
                         _assign(RETVAL, _call("Undefined", ast.Constant(RETVAL)))], fdef.body[0])
        tail = ast.Return(value=_call("retval", _name(RETVAL)))
        fdef.body = head + body + _located([tail], fdef.body[-1])
    for s in fdef.body:
        for n in _walk_scope(s):
            if isinstance(n, ast.FunctionDef):
                lower_function(n, counter)


def _walk_scope(node):
    """Nodes of ``node`` not inside nested scopes (nested FunctionDefs themselves included)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, _SCOPES) and n is not node:
            continue
        todo.extend(ast.iter_child_nodes(n))


# ---- pass 3: control flow ------------------------------------------------------------------


def assigned_names(stmts):
    """Names bound by ``stmts`` in their own scope, in first-seen order."""
    seen = {}
    for s in stmts:
        for n in _walk_scope(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                seen.setdefault(n.id, None)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                seen.setdefault(n.name, None)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for a in n.names:
                    seen.setdefault((a.asname or a.name).split(".")[0], None)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                seen.setdefault(n.name, None)
    return list(seen)


def _composite(node):
    """``(node, names it is made of)`` for ``a.b[c]``-like targets, else None (TF's QNs:
    attribute chains and subscripts by names or constants, rooted at a name)."""
    support = set()
    n = node
    while isinstance(n, (ast.Attribute, ast.Subscript)):
        if isinstance(n, ast.Subscript):
            idx = n.slice
            if isinstance(idx, ast.Name):
                support.add(idx.id)
            elif not isinstance(idx, ast.Constant):
                sub = _composite(idx)
                if sub is None:
                    return None
                support |= sub[1]
        n = n.value
    if not isinstance(n, ast.Name) or n is node:
        return None
    support.add(n.id)
    return node, frozenset(support)


def composite_targets(stmts):
    """Attribute/subscript assignment targets of ``stmts`` (own scope), first-seen order."""
    seen = {}
    for s in stmts:
        for n in _walk_scope(s):
            if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, ast.Store):
                c = _composite(n)
                if c is not None:
                    seen.setdefault(ast.unparse(n), c)
    return list(seen.values())


def _as_load(node):
    """A copy of target ``node`` for reading."""
    import copy

    new = copy.deepcopy(node)
    for n in ast.walk(new):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return new


def _as_store(node):
    new = _as_load(node)
    new.ctx = ast.Store()
    return new


class _ControlFlow(ast.NodeTransformer):
    def __init__(self, counter, globals_):
        self.counter = counter
        self.globals = set(globals_)
        self.params = set()

    def visit_FunctionDef(self, node):
        saved = self.globals, self.params
        self.globals = set(saved[0])
        for n in _walk_scope(node):
            if isinstance(n, ast.Global):
                self.globals.update(n.names)
        a = node.args
        self.params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]
                       if x is not None}
        node.body = self._block(node.body)
        self.globals, self.params = saved
        return node

    def visit_Lambda(self, node):
        return node

    def _block(self, stmts):
        out = []
        for s in stmts:
            r = self.visit(s)
            out.extend(r if isinstance(r, list) else [r])
        return out or [ast.Pass()]

    def _state(self, stmts, origin, is_if=False):
        """The statement's state: (names, nonlocal names, number of outputs, k, pre-code).

        As TF: a name assigned in the statement is state when it is live into it (read before
        being set) or after it; for an ``if``, names only live in are inputs, not outputs. An
        attribute/subscript target (``self.x``, ``d['k']``) is state when the names it is made
        of are live into the statement ("composite symbols").
        """
        live_in = getattr(origin, "ag_live_in", None)
        live_out = getattr(origin, "ag_live_out", None)
        basic = [n for n in assigned_names(stmts) if n not in self.globals]
        if live_in is None:
            outs, inputs = basic, []
        else:
            outs = [n for n in basic if n in live_out or (not is_if and n in live_in)]
            inputs = [n for n in basic if is_if and n in live_in and n not in live_out]
        comps = []
        for expr, support in composite_targets(stmts):
            if live_in is None or support <= live_in:
                comps.append(expr)
        names = outs + [ast.unparse(c) for c in comps] + inputs
        nonlocals = outs + inputs
        k = next(self.counter)
        pre = []
        for n in nonlocals:
            if n in self.params:
                continue  # parameters are always bound
            pre.append(ast.Try(body=[ast.Expr(_name(n))],
                               handlers=[ast.ExceptHandler(type=_name("NameError"), name=None,
                                                           body=[_assign(n, _call(
                                                               "Undefined", ast.Constant(n)))])],
                               orelse=[], finalbody=[]))
        loads = [_name(n) for n in outs]
        loads += [_call("ldu", _lambda(_as_load(c)), ast.Constant(ast.unparse(c))) for c in comps]
        loads += [_name(n) for n in inputs]
        pre.append(self._fdef(f"ag__get_state_{k}", [], nonlocals,
                              [ast.Return(value=ast.Tuple(elts=loads, ctx=ast.Load()))],
                              declare=False))
        stores = [_name(n, True) for n in outs] + [_as_store(c) for c in comps]
        stores += [_name(n, True) for n in inputs]
        store = ast.Tuple(elts=stores, ctx=ast.Store())
        setter = [ast.Assign(targets=[store], value=_name("ag__vars"))] if names else [ast.Pass()]
        pre.append(self._fdef(f"ag__set_state_{k}", ["ag__vars"], nonlocals, setter))
        return names, nonlocals, len(outs) + len(comps), k, _located(pre, origin)

    def _fdef(self, name, args, names, body, declare=True):
        decl = []
        if declare and names:
            decl.append(ast.Nonlocal(names=list(names)))
        glob = [g for g in self.globals]
        if glob:
            decl.append(ast.Global(names=sorted(glob)))
        a = ast.arguments(posonlyargs=[], args=[ast.arg(arg=x) for x in args], vararg=None,
                          kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        return ast.FunctionDef(name=name, args=a, body=decl + body, decorator_list=[],
                               returns=None, type_params=[])

    @staticmethod
    def _names_tuple(names):
        return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())

    def visit_If(self, node):
        body = self._block(node.body)
        orelse = self._block(node.orelse) if node.orelse else [ast.Pass()]
        names, nonlocals, nouts, k, pre = self._state(node.body + node.orelse, node, True)
        fns = [self._fdef(f"ag__if_body_{k}", [], nonlocals, body),
               self._fdef(f"ag__else_body_{k}", [], nonlocals, orelse)]
        call = ast.Expr(_call("if_stmt", node.test, _name(f"ag__if_body_{k}"),
                              _name(f"ag__else_body_{k}"), _name(f"ag__get_state_{k}"),
                              _name(f"ag__set_state_{k}"), self._names_tuple(names),
                              ast.Constant(nouts)))
        return _located(pre + fns + [call], node)

    def _loop_opts(self, node):
        keep, opts = [], None
        for s in node.body:
            if (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                    and _is_loop_options(s.value) and opts is None):
                kws = s.value.keywords
                opts = ast.Dict(keys=[ast.Constant(k.arg) for k in kws],
                                values=[k.value for k in kws])
            else:
                keep.append(s)
        node.body = keep or [ast.Pass()]
        return opts if opts is not None else ast.Constant(None)

    def _extra_test(self, node, k, names):
        test = getattr(node, "ag_extra_test", None)
        if test is None:
            return [], ast.Constant(None)
        return [self._fdef(f"ag__extra_test_{k}", [], names, [ast.Return(value=test)],
                           declare=False)], _name(f"ag__extra_test_{k}")

    def visit_While(self, node):
        opts = self._loop_opts(node)
        body = self._block(node.body)
        names, nonlocals, _, k, pre = self._state(node.body, node)
        test = node.test
        extra = getattr(node, "ag_extra_test", None)
        if extra is not None:
            test = _call("and_", _lambda(extra), _lambda(test))
        fns = [self._fdef(f"ag__loop_test_{k}", [], nonlocals, [ast.Return(value=test)],
                          declare=False),
               self._fdef(f"ag__loop_body_{k}", [], nonlocals, body)]
        call = ast.Expr(_call("while_stmt", _name(f"ag__loop_test_{k}"),
                              _name(f"ag__loop_body_{k}"), _name(f"ag__get_state_{k}"),
                              _name(f"ag__set_state_{k}"), self._names_tuple(names), opts))
        return _located(pre + fns + [call], node)

    def visit_For(self, node):
        opts = self._loop_opts(node)
        body = self._block(node.body)
        target_stmt = ast.Assign(targets=[node.target], value=_name("ag__itr"))
        names, nonlocals, _, k, pre = self._state([target_stmt] + node.body, node)
        extra_defs, extra = self._extra_test(node, k, nonlocals)
        fns = extra_defs + [self._fdef(f"ag__loop_body_{k}", ["ag__itr"], nonlocals,
                                       _located([target_stmt], node) + body)]
        call = ast.Expr(_call("for_stmt", node.iter, extra, _name(f"ag__loop_body_{k}"),
                              _name(f"ag__get_state_{k}"), _name(f"ag__set_state_{k}"),
                              self._names_tuple(names), opts))
        return _located(pre + fns + [call], node)


def convert_tree(fdef):
    """Apply the three passes to a parsed ``FunctionDef`` (modified in place)."""
    counter = itertools.count(1)
    self_arg = fdef.args.args[0].arg if fdef.args.args else None
    _Expressions(self_arg).visit(fdef)
    lower_function(fdef, counter)
    liveness.annotate(fdef)
    globals_ = [n for s in fdef.body for x in _walk_scope(s) if isinstance(x, ast.Global)
                for n in x.names]
    new = _ControlFlow(counter, globals_).visit_FunctionDef(fdef)
    fdef.decorator_list = []
    return ast.fix_missing_locations(new)


def has_yield(fdef):
    return any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await))
               for s in fdef.body for n in _walk_scope(s))
