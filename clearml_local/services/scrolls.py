"""Where each scrolling get_all (scroll_id) has got to, as clearml-server keeps it."""
import threading
import time
import uuid

from .. import errors
from ..storage.query import flag

# clearml-server config services._mongo.scroll_state_expiration_seconds.
SCROLL_EXPIRY = 600


class Scrolls:
    """Scroll positions by scroll_id (clearml-server base.py get_data_with_scroll_support),
    forgotten SCROLL_EXPIRY seconds after their last use."""

    def __init__(self):
        self._positions = {}  # scroll_id -> (offset reached, last used)
        self._lock = threading.Lock()

    def start(self, data):
        """(offset, limit, scroll_id) of a scrolling request; an unknown id starts a new scroll.

        Raises ValidationError unless size is an integer of at least 1."""
        size = data.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise errors.ValidationError(
                "Integer size parameter greater than 1 should be provided when working with "
                "scroll", field="size")
        with self._lock:
            stale = time.monotonic() - SCROLL_EXPIRY
            for key in [k for k, (_, used) in self._positions.items() if used < stale]:
                del self._positions[key]
            scroll_id = data["scroll_id"]
            if not isinstance(scroll_id, str) or scroll_id not in self._positions:
                scroll_id = uuid.uuid4().hex
            position = self._positions.get(scroll_id, (0, 0))[0]
        if flag(data, "refresh_scroll"):
            return 0, max(position, size), scroll_id
        return position, size, scroll_id

    def advance(self, scroll_id, offset):
        """Record that scroll_id's answers have reached offset."""
        with self._lock:
            self._positions[scroll_id] = (offset, time.monotonic())
