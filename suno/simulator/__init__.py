"""The local Suno simulator: one implementation of the upstream contract, reached in-process through
`SimulatorTransport` or over a socket through `server` (conventions.md §1)."""

from .app import FAULTS, PAID_ENDPOINTS, Faults, SimResponse, Simulator
from .clock import ManualClock
from .server import make_server, serve_in_thread
from .transport import SimulatorTransport

__all__ = [
    "FAULTS",
    "PAID_ENDPOINTS",
    "Faults",
    "ManualClock",
    "SimResponse",
    "Simulator",
    "SimulatorTransport",
    "make_server",
    "serve_in_thread",
]
