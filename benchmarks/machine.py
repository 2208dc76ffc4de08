"""What a benchmark's figures were measured on: versions, CPU model, BLAS kernels, load.

PERFORMANCE.md: the processor changes between sessions, so every benchmark prints this line
first; a figure from another machine is not comparable.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def describe_machine(versions: Sequence[tuple[str, str]] = (), load: bool = True) -> str:
    """`python X, numpy Y[, name version ...]; CPU model (n cores), BLAS [...][; load average
    a b c]`: the line a benchmark prints first. `versions` come after numpy's (a tuple first
    in the list whose name is `dnnsearch` goes first of all)."""
    names = [f"{name} {version}" for name, version in versions if name != "dnnsearch"]
    first = [f"{name} {version}" for name, version in versions if name == "dnnsearch"]
    software = [*first, f"python {platform.python_version()}", f"numpy {np.__version__}", *names]
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    line = f"{', '.join(software)}; CPU {cpu_model()} ({os.cpu_count()} cores), BLAS {blas}"
    if load:
        line += "; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return line
