"""Per-chat limit on inbound updates, checked before any handler touches the database: one chat that
floods the bot gets its first `limit` updates of a window handled, one message saying it is too fast,
then nothing until it has been quiet for a whole window. Other chats are not slowed down.

The counts live in this process: behind several replicas each one applies the limit to what it receives
(the binding lock, which must hold everywhere, is in the database: engine.binding).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE_AND_SAY = "refuse-and-say"  # the first refused update of a flood: tell the person once
    REFUSE = "refuse"


@dataclass
class _Chat:
    accepted: deque[float] = field(default_factory=deque)
    flooding: bool = False
    last_seen: float = 0.0


@dataclass
class ChatLimiter:
    """At most `limit` updates per chat within `window` seconds."""

    limit: int = 20
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    max_chats: int = 50_000
    _chats: dict[int, _Chat] = field(default_factory=dict)

    def check(self, chat_id: int) -> Verdict:
        """Count an update from `chat_id` and say whether to handle it."""
        now = self.clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            self._forget_idle(now)
            chat = self._chats[chat_id] = _Chat()
        quiet = now - chat.last_seen >= self.window
        chat.last_seen = now
        if chat.flooding and not quiet:  # every update of a flood extends it
            return Verdict.REFUSE
        chat.flooding = False
        while chat.accepted and chat.accepted[0] <= now - self.window:
            chat.accepted.popleft()
        if len(chat.accepted) < self.limit:
            chat.accepted.append(now)
            return Verdict.ALLOW
        chat.flooding = True
        return Verdict.REFUSE_AND_SAY

    def _forget_idle(self, now: float) -> None:
        if len(self._chats) >= self.max_chats:
            for chat_id in [c for c, state in self._chats.items() if now - state.last_seen >= self.window]:
                del self._chats[chat_id]
