"""Meta-test: every op is registered once ``import tensorflux`` has finished.

No op may be declared lazily (on first use of some code path): the registry right after
``import tensorflux`` in a fresh interpreter must equal the registry after every spec row
of tests/ops/specs_*.py was run (forward, traced and differentiated).
"""

import ast
import os
import subprocess
import sys

from tensorflux._src.core import op_def
from tests.ops.harness import all_specs, traced_op_types

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_SCRIPT = ("import tensorflux; from tensorflux._src.core import op_def; "
           "print(sorted(op_def.all_ops()))")


def _registry_after_import():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_REPO, env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=_REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])


def test_registry_complete_after_import():
    at_import = _registry_after_import()
    for spec in all_specs():
        traced_op_types(spec)
    after_specs = sorted(op_def.all_ops())
    lazy = sorted(set(after_specs) - set(at_import))
    assert not lazy, f"ops registered only after first use, not by `import tensorflux`: {lazy}"
    assert at_import == after_specs
