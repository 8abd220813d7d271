"""Graph optimizations run on a traced graph before it executes.

``optimize(graph, feeds, fetches)`` returns the graph (possibly rewritten) and the
fetch tensors to use. Each pass can be switched off through
``tf.config.optimizer.set_experimental_options`` (context.settings.optimizer_options).
"""

from __future__ import annotations

from tensorflux._src.framework import context

settings = context.settings

PASSES: list = []  # (option name, fn(graph, feeds, fetches) -> fetches)


def optimize(graph, feeds, fetches):
    opts = settings.optimizer_options
    for option, fn in PASSES:
        if opts.get(option, True):
            fetches = fn(graph, feeds, fetches)
    return graph, fetches
