"""What this machine and process can give a study: memory, cores, BLAS threads, live processes.

Read from the operating system where they are used (a worker asks before every trial), never
cached: a machine's free memory changes while a study runs.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from threadpoolctl import ThreadpoolController

MAX_DEFAULT_JOBS = 8  # more workers than this on one machine mostly wait for the storage


def available_memory() -> int | None:
    """Bytes of memory this process can still get without swapping (None where unknown).

    The least of: the machine's available memory, what a container's cgroup limit leaves, and
    what the process's address-space limit (`ulimit -v`, RLIMIT_AS) leaves.
    """
    probes = (_system_available(), _cgroup_available(), _address_space_left())
    found = [m for m in probes if m is not None]
    return min(found) if found else None


def _system_available() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """A cgroup v2 limit less what the group uses (None without a limit)."""
    try:
        limit = (root / "memory.max").read_text().strip()
        used = int((root / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(int(limit) - used, 0)


def _address_space_left(status: Path = Path("/proc/self/status")) -> int | None:
    """RLIMIT_AS (`ulimit -v`) less the process's virtual size (None without a limit).

    A process over it gets MemoryError from any allocation, whatever the machine has free.
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmSize:"):
                return max(soft - int(line.split()[1]) * 1024, 0)
    except (OSError, ValueError, IndexError):
        pass
    return soft


def cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Workers of a study that does not say: one per core, at most `MAX_DEFAULT_JOBS`."""
    return min(cores(), MAX_DEFAULT_JOBS)


def blas_threads() -> int | None:
    """The BLAS threads numpy's matrix products use in this process (None if unknown).

    Part of a trial's record: OpenBLAS splits a product differently with another number of
    threads, which changes the last bits of the sums, so a retrained network matches the
    trial's only under the same number (`threadpoolctl.threadpool_limits`).
    """
    libraries = ThreadpoolController().select(user_api="blas").info()
    # scipy may load a BLAS of its own; numpy's is the one `dnn` multiplies with
    numpy_first = sorted(libraries, key=lambda lib: "numpy" not in lib.get("filepath", ""))
    return int(numpy_first[0]["num_threads"]) if numpy_first else None


def is_alive(pid: int) -> bool:
    """Whether a process of this machine lives (this one always does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it lives, as another user's process
        return True
    return True
