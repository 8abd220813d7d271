"""Converting functions: source -> AST passes -> code object, cached per function.

The converted function keeps the original's globals (live), closure cells, defaults and
line numbers (generated code is compiled under the original file name), so errors inside
it point at the user's source line.
"""

from __future__ import annotations

import enum
import functools
import logging
import sys
import types
import weakref

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_code_cache: dict = {}
_verbosity = [0]
_SKIP_MODULES = ("tensorflux", "numpy", "keras", "tensorboard", "google", "ml_dtypes",
                 "pytest", "_pytest", "pluggy", "h5py", "scipy")
_log = logging.getLogger("tensorflux.autograph")


class Feature(enum.Enum):
    """Optional conversions (``tf.autograph.experimental.Feature``); all are always on."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


class ConversionError(Exception):
    """The function could not be converted (``tf.autograph`` raises it from ``to_graph``)."""


def do_not_convert(func=None):
    """Marks ``func`` to run as-is (unconverted) when called from converted code."""
    if func is None:
        return do_not_convert
    try:
        func.__ag_do_not_convert__ = True
        return func
    except (AttributeError, TypeError):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        wrapper.__ag_do_not_convert__ = True
        return wrapper


def set_verbosity(level, alsologtostdout=False):
    """Sets AutoGraph's log level (``>= 3`` logs every converted function's code)."""
    _verbosity[0] = int(level)
    if alsologtostdout and not _log.handlers:
        _log.addHandler(logging.StreamHandler(sys.stdout))


def trace(*args):
    """Prints its arguments at trace time (``tf.autograph.trace``)."""
    print(*args)


def _user_function(f):
    """Whether ``f`` is user code that converted code should convert when calling it."""
    if not isinstance(f, types.FunctionType) or getattr(f, "__ag_do_not_convert__", False):
        return False
    if getattr(f, "__ag_converted__", False):
        return False
    mod = (getattr(f, "__module__", None) or "").split(".")[0]
    if mod in _SKIP_MODULES or mod in sys.stdlib_module_names:
        return False
    path = f.__code__.co_filename
    return not ("site-packages" in path or "dist-packages" in path or path.startswith("<"))


def convert(f, force=False):
    """The converted version of ``f`` (cached), or ``f`` itself when it cannot be converted."""
    if isinstance(f, types.MethodType):
        conv = convert(f.__func__, force)
        return f if conv is f.__func__ else types.MethodType(conv, f.__self__)
    if not force and not _user_function(f):
        return f
    if not isinstance(f, types.FunctionType):
        return f
    try:
        return _cache[f]
    except KeyError:
        pass
    try:
        conv = _convert_function(f)
    except (OSError, TypeError, SyntaxError, ConversionError) as e:
        if force:
            raise ConversionError(f"could not convert {f.__qualname__}: {e}") from e
        _log.warning("AutoGraph could not transform %s and will run it as-is: %s",
                     f.__qualname__, e)
        conv = f
    _cache[f] = conv
    return conv


def _mangle(tree, cls):
    import ast

    prefix = "_" + cls.lstrip("_")
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr.startswith("__") and \
                not n.attr.endswith("__"):
            n.attr = prefix + n.attr


def _parse(f):
    import ast
    import inspect
    import textwrap

    key = f.__code__
    hit = _code_cache.get(key)
    if hit is not None:
        return hit
    if f.__name__ == "<lambda>":
        fdef = _lambda_def(f)
    else:
        lines, first = inspect.getsourcelines(f)
        tree = ast.parse(textwrap.dedent("".join(lines)))
        fdefs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if len(fdefs) != 1 or not isinstance(fdefs[0], ast.FunctionDef):
            raise ConversionError("the source is not a single `def` statement")
        ast.increment_lineno(tree, first - 1)
        fdef = fdefs[0]
    from tensorflux._src.autograph import transformer

    if transformer.has_yield(fdef):
        raise ConversionError("generators and coroutines are not converted")
    # Defaults and annotations are taken from the function object, not re-evaluated.
    a = fdef.args
    a.defaults = [ast.Constant(None) for _ in a.defaults]
    a.kw_defaults = [None if d is None else ast.Constant(None) for d in a.kw_defaults]
    for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
        if arg is not None:
            arg.annotation = None
    fdef.returns = None
    parts = f.__qualname__.split(".")
    if len(parts) > 1 and parts[-2] != "<locals>":
        _mangle(fdef, parts[-2])
    fdef = transformer.convert_tree(fdef)
    source = ast.unparse(fdef)
    # Inside the factory the def gets a private name: a recursive reference to the function's
    # own name must still resolve to the module global, as in the original.
    fdef.name = "ag__converted"
    freevars = ("ag__",) + tuple(f.__code__.co_freevars)
    fargs = ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in freevars],
                          vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    factory = ast.FunctionDef(name="ag__factory", args=fargs,
                              body=[fdef, ast.Return(value=ast.Name(fdef.name, ast.Load()))],
                              decorator_list=[], returns=None, type_params=[])
    ast.copy_location(factory, fdef)
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    filename = inspect.getsourcefile(f) or f.__code__.co_filename
    code = compile(module, filename, "exec")
    _code_cache[key] = (code, source)
    if _verbosity[0] >= 3:
        _log.info("Converted %s:\n%s", f.__qualname__, source)
    return code, source


def _lambda_def(f):
    """``def <lambda>(args): return body`` for lambda ``f``, parsed from its source line(s):
    the ``lambda`` token before the body's first code position, up to the first ``,`` or
    closing bracket at its own nesting level (TF's AutoGraph also parses lambdas)."""
    import ast
    import inspect
    import io
    import linecache
    import tokenize

    code = f.__code__
    filename = inspect.getsourcefile(f) or code.co_filename
    lines = linecache.getlines(filename)[code.co_firstlineno - 1:code.co_firstlineno + 49]
    if not lines:
        raise OSError("source not available")
    starts = [(p[0], p[2]) for p in code.co_positions()
              if p[0] is not None and p[2] is not None and (p[1], p[3]) != (p[0], p[2])]
    body_at = min(starts) if starts else (code.co_firstlineno, 1 << 30)
    body_at = (body_at[0] - code.co_firstlineno + 1, body_at[1])
    toks = []
    try:
        for t in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            toks.append(t)
            if t.start > body_at:
                break
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    lambdas = [i for i, t in enumerate(toks) if t.type == tokenize.NAME and t.string == "lambda"
               and t.start <= body_at]
    if not lambdas:
        raise ConversionError("could not find the lambda in its source")
    begin = toks[lambdas[-1]].start
    depth, end, in_body = 0, None, False
    try:
        for t in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if t.start <= begin:
                continue
            if t.type == tokenize.OP and t.string in "([{":
                depth += 1
            elif t.string == ":" and depth == 0 and not in_body:
                in_body = True   # commas before this one separate the lambda's arguments
            elif t.type == tokenize.OP and t.string in ")]}" or \
                    t.string == "," and depth == 0 and in_body:
                if depth == 0:
                    end = t.start
                    break
                depth -= 1
            elif t.type in (tokenize.NEWLINE, tokenize.ENDMARKER) and depth == 0:
                end = t.start
                break
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if end is None:
        raise ConversionError("could not find the end of the lambda in its source")
    text_lines = lines[begin[0] - 1:end[0]]
    text_lines[-1] = text_lines[-1][:end[1]]
    text_lines[0] = " " * begin[1] + text_lines[0][begin[1]:]
    src = "".join(text_lines).strip()
    lam = ast.parse("(" + src + "\n)", mode="eval").body
    if not isinstance(lam, ast.Lambda):
        raise ConversionError("could not parse the lambda's source")
    ast.increment_lineno(lam, code.co_firstlineno - 1 + begin[0] - 1)
    ret = ast.copy_location(ast.Return(value=lam.body), lam.body)
    fdef = ast.FunctionDef(name="ag__lambda", args=lam.args, body=[ret], decorator_list=[],
                           returns=None, type_params=[])
    return ast.copy_location(fdef, lam)


def _convert_function(f):
    from tensorflux._src.autograph import ag_module

    code, _ = _parse(f)
    ns: dict = {}
    exec(code, f.__globals__, ns)  # noqa: S102 - our own generated code
    inner = ns["ag__factory"].__code__.co_consts
    inner_code = next(c for c in inner if isinstance(c, types.CodeType))
    inner_code = inner_code.replace(co_name=f.__code__.co_name,
                                    co_qualname=f.__code__.co_qualname)
    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
    cells["ag__"] = types.CellType(ag_module)
    closure = tuple(cells[n] for n in inner_code.co_freevars)
    conv = types.FunctionType(inner_code, f.__globals__, f.__name__, f.__defaults__, closure)
    conv.__kwdefaults__ = f.__kwdefaults__
    conv.__dict__.update(f.__dict__)
    conv.__qualname__ = f.__qualname__
    conv.__module__ = f.__module__
    conv.__doc__ = f.__doc__
    conv.__ag_converted__ = True
    conv.__wrapped_original__ = f
    return conv


def converted_call(f, args, kwargs):
    """A call inside converted code: builtins with tensor overloads, user functions converted."""
    from tensorflux._src.autograph import operators as ops

    if f is print:
        if any(ops.is_symbolic(a) for a in args):
            kw = {k: v for k, v in kwargs.items() if k in ("sep", "end")}
            stream = kwargs.get("file") or sys.stdout  # where Python's print would write
            return ops._tf().print(*args, output_stream=stream, **kw)
        return print(*args, **kwargs)
    if f is len and len(args) == 1 and not kwargs and ops.is_symbolic(args[0]):
        t = args[0]
        if t.shape.rank == 0:
            raise TypeError("len() of a scalar tensor is not defined.")
        if t.shape.rank is not None and t.shape[0] is not None:
            return t.shape[0]
        return ops._tf().shape(t)[0]
    if f is range and any(ops.is_symbolic(a) for a in args):
        return ops._tf().range(*args, **kwargs)
    if isinstance(f, (types.FunctionType, types.MethodType)):
        f = convert(f)
    return f(*args, **kwargs)


def convert_for_trace(f):
    """What ``tf.function(autograph=True)`` traces: the converted ``f`` (or ``f``)."""
    if getattr(f, "__ag_do_not_convert__", False):
        return f
    return convert(f)


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """The converted Python function of ``entity`` (``tf.autograph.to_graph``)."""
    if not isinstance(entity, (types.FunctionType, types.MethodType)):
        raise ValueError(f"to_graph expects a Python function or method, got {entity!r}")
    return convert(entity, force=True)


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The source code of the converted ``entity`` (``tf.autograph.to_code``)."""
    to_graph(entity)
    f = entity.__func__ if isinstance(entity, types.MethodType) else entity
    return _parse(f)[1] + "\n"
