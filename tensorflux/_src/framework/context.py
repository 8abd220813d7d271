"""Per-thread execution state: the graph being traced (if any), active tapes, scopes.

Everything the dispatcher needs on the hot path is one attribute lookup on a
``threading.local``; eager execution pays nothing for features that are off.
"""

from __future__ import annotations

import os
import sys
import threading

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _State(threading.local):
    def __init__(self):
        self.graph = None            # FuncGraph being traced, or None for eager
        self.tapes = []              # recording GradientTapes, innermost last
        self.name_scope = ""         # eager name scope (graphs keep their own)
        self.device_stack = []
        self.control_deps = []       # stack of lists of ops (graph mode)
        self.record_summaries = True


state = _State()


class _Global:
    run_functions_eagerly = False
    check_numerics = False
    optimizer_options = {
        "constant_folding": True,
        "common_subexpression_elimination": True,
        "arithmetic_optimization": True,
        "remapping": True,          # op fusion
        "pruning": True,
        "disable_model_pruning": False,
    }


settings = _Global()


def executing_eagerly() -> bool:
    """True outside ``tf.function`` tracing (``tf.executing_eagerly``)."""
    return state.graph is None


def user_frame():
    """The first stack frame outside tensorflux: where the user's code called us."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PKG_DIR + os.sep):
            return f
        f = f.f_back
    return None


def user_location() -> str:
    f = user_frame()
    if f is None:
        return ""
    return f'File "{f.f_code.co_filename}", line {f.f_lineno}, in {f.f_code.co_name}'
