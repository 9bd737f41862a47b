"""kvrm_metal: the earlier Metal prototype's module name, kept for its scripts.

A thin alias of :mod:`armgpu`: every name is the same object, so
``from kvrm_metal import MetalCPU`` and ``kvrm_metal.ParallelMetalCPU(num_lanes=32)``
work unchanged, now on libarmgpu's backends.
"""
import armgpu as _armgpu
from armgpu import *  # noqa: F401,F403
from armgpu import (  # noqa: F401  (explicit, for readers and linters)
    Error, BackendUnavailableError, GuestMemoryError, LaneIndexError, InvalidArgumentError,
    Machine, MetalCPU, ParallelMetalCPU, ParallelResult, ExecutionResult, RegisterView, Stop,
    StopReason, Reg, Prot, Access, FaultCause, backends,
)

__version__ = _armgpu.__version__
__all__ = [n for n in dir(_armgpu) if not n.startswith("_")]
