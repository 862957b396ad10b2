"""Request bodies in memory: each within --max-body, and all of them together within
--max-body-memory, so that large bodies arriving at once wait their turn instead of taking
the machine's memory."""
import asyncio
import collections
import contextlib

from . import errors
from .jsonio import ARRAY

# What a body costs beyond its own bytes while it is parsed and stored: JSON parsed whole takes
# up to about 8 times its size in Python objects (ClearML's events 4 to 5 times, a large dict of
# hyperparameters 7); JSON lines are parsed and stored LINES_PIECE bytes at a time.
PARSED = 8
LINES_PIECE = 1024 * 1024
WAIT_SECONDS = 30  # How long a body may wait for memory before it is refused (ServerBusy).
STEP = 1024 * 1024  # A body of unknown length takes its memory this much at a time.
SMALL = 1024 * 1024  # A body taking no more than this never waits behind large ones.


def cost(size, lines):
    """The bytes a body of size bytes may take while it is read, parsed and stored."""
    return size + (min(size, LINES_PIECE) if lines else size) * PARSED


class Budget:
    """The bytes the server's request bodies may take in memory at once (cost()). A body takes
    its share before it is read, waiting in turn (first come, first served; a small one passes
    when it fits) while others hold the memory, and gives it back when its call is answered.
    Used on the event loop only."""

    def __init__(self, total, wait_seconds=WAIT_SECONDS):
        self.total, self.wait_seconds = total, wait_seconds
        self.used, self._waiting = 0, collections.deque()

    async def take(self, amount):
        """Take amount bytes; PayloadTooLarge when they could never fit, ServerBusy when they
        are not free within wait_seconds."""
        if amount > self.total:
            raise errors.PayloadTooLarge(
                f"this request body would take {_mb(amount)} in memory to parse; the server "
                f"holds at most {_mb(self.total)} of request bodies (--max-body-memory)")
        if self.used + amount <= self.total and (not self._waiting or amount <= SMALL):
            self.used += amount
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append((amount, turn))
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait_seconds)
        except BaseException as exc:
            self._leave(amount, turn)
            if isinstance(exc, TimeoutError):
                raise errors.ServerBusy(
                    f"the server holds {_mb(self.total)} of request bodies already "
                    f"(--max-body-memory) and could not take this one in "
                    f"{self.wait_seconds:g} s: "
                    "retry later") from None
            raise

    def give(self, amount):
        self.used -= amount
        while self._waiting and self.used + self._waiting[0][0] <= self.total:
            amount, turn = self._waiting.popleft()
            self.used += amount
            turn.set_result(None)

    def _leave(self, amount, turn):
        """A taker that stopped waiting: out of the line, or its share back if it just got it."""
        if turn.done():
            self.give(amount)
        else:
            self._waiting.remove((amount, turn))
            turn.cancel()
            self.give(0)  # Those behind it may fit now.


@contextlib.asynccontextmanager
async def held(request, budget, limit, lines):
    """The request's body (a bytearray) with its memory taken from budget while the block
    runs; lines: the body is JSON lines (or a JSON array, parsed whole).

    Raises PayloadTooLarge past limit bytes, and what Budget.take raises.
    """
    declared = request.headers.get("content-length")
    declared = int(declared) if declared and declared.isdigit() else None
    if declared is not None and declared > limit:
        raise errors.PayloadTooLarge(f"request body of {declared} bytes exceeds {limit} bytes")
    taken = 0

    async def take(size, as_lines=lines):
        nonlocal taken
        needed = cost(size, as_lines)
        if needed > taken:
            await budget.take(needed - taken)
            taken = needed

    try:
        if declared is not None:
            await take(declared)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise errors.PayloadTooLarge(f"request body exceeds {limit} bytes")
            if declared is None and cost(len(body), lines) > taken:
                await take(min(limit, len(body) + STEP))
        if lines and ARRAY.match(body):
            await take(len(body), as_lines=False)
        yield body
    finally:
        budget.give(taken)


def _mb(size):
    return f"{size / 2**20:.0f} MB"
