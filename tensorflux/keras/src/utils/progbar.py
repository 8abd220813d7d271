"""``keras.utils.Progbar``: Keras 3's console progress bar (same text and escape codes)."""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np


def print_msg(message, line_break=True):
    """stdout, or ``logging`` when ``keras.config.disable_interactive_logging()`` was called."""
    from tensorflux.keras.src.config import _STATE

    if not _STATE["interactive_logging"]:
        from tensorflux.keras.src.config import print_msg as log_msg

        log_msg(message, line_break)
        return
    sys.stdout.write(message + ("\n" if line_break else ""))
    sys.stdout.flush()


def _fmt_value(avg, signed=True):
    return f" {avg:.4f}" if (abs(avg) if signed else avg) > 1e-3 else f" {avg:.4e}"


class Progbar:
    """Progress bar: ``update(current, values)``; values not in ``stateful_metrics`` are
    averaged over the steps seen (as Keras does)."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be "
                             "provided.")
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        if stateless_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = None, set(stateless_metrics)
        else:
            self.stateful_metrics, self.stateless_metrics = set(stateful_metrics or ()), None
        # Keras redraws in place with backspaces + "\r" on POSIX systems and terminals.
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules or os.name == "posix"
                                 or "PYCHARM_HOSTED" in os.environ)
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _is_stateless(self, k):
        if self.stateful_metrics is not None:
            return k not in self.stateful_metrics
        return k in self.stateless_metrics

    def _accumulate(self, current, values, finalize):
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            if not self._is_stateless(k) or finalize:
                self._values[k] = [v, 1]
                continue
            n = max(current - self._seen_so_far, 1)
            if k in self._values:
                self._values[k][0] += v * n
                self._values[k][1] += n
            else:
                self._values[k] = [v * n, n]
        self._seen_so_far = current

    def _metrics_text(self, signed=True):
        out = ""
        for k in self._values_order:
            out += f" - {k}:"
            val = self._values[k]
            if isinstance(val, list):
                total, count = val
                if not isinstance(total, float):
                    total = np.mean(total)
                out += _fmt_value(total / max(1, count), signed)
            else:
                out += f" {val}"
        return out

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        self._accumulate(current, values or [], finalize)
        now = time.time()
        per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            message = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
            special = 0
            if self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
                special += 8
                done = int(self.width * float(current) / self.target)
                if done > 0:
                    bar += f"\33[32m{'━' * done}\x1b[0m"
                    special += 9
                bar += f"\33[37m{'━' * (self.width - done)}\x1b[0m"
                special += 9
            else:
                bar = f"{int(current):7d}/Unknown"
            message += bar
            if self.target is not None and self.target > 0 and not finalize:
                eta = per_unit * (self.target - current)
                if eta > 3600:
                    eta_s = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
                elif eta > 60:
                    eta_s = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_s = f"{int(eta)}s"
                info = f" \x1b[1m{eta_s}\x1b[0m"
            else:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            special += 8
            info += self._format_time(per_unit, self.unit_name) + self._metrics_text()
            message += info
            total_width = len(bar) + len(info) - special
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            if finalize:
                message += "\n"
            print_msg(message, line_break=False)
            self._prev_total_width = total_width
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s"
            info += f" -{self._format_time(per_unit, self.unit_name)}"
            info += self._metrics_text(signed=False) + "\n"
            print_msg(info, line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    @staticmethod
    def _format_time(per_unit, unit_name):
        if per_unit >= 1 or per_unit == 0:
            return f" {per_unit:.0f}s/{unit_name}"
        if per_unit >= 1e-3:
            return f" {per_unit * 1000.0:.0f}ms/{unit_name}"
        return f" {per_unit * 1000000.0:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit
