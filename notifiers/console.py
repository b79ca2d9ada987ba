"""The console notifier: the embedded default and the demo's voice; it prints and remembers what it sent."""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console

from engine.notify import Delivered, Notification
from notifiers.messages import Rendered, render


@dataclass
class ConsoleNotifier:
    """Prints text and buttons (to a rich Console or a plain stream); `sent` keeps the latest it sent.

    With `brief`, only the first message of each kind is printed whole; later ones get one line.
    """

    stream: TextIO | None = None
    console: Console | None = None
    brief: bool = False
    sent: deque[tuple[Notification, Rendered]] = field(default_factory=lambda: deque(maxlen=10_000))
    _kinds_shown: set[str] = field(default_factory=set)

    async def send(self, notification: Notification) -> Delivered:
        """Render and print one notification."""
        rendered = render(notification)
        who = notification.recipient
        where = f" · {who.agency}" if who.agency else ""
        if self.brief and notification.kind in self._kinds_shown:
            text = f"  → {who.name}: {rendered.text.splitlines()[0]}"
        else:
            self._kinds_shown.add(notification.kind)
            lines = [f"── tới {who.name} ({who.role}{where}) · {notification.kind} ──", rendered.text]
            if rendered.buttons:
                lines.append(" ".join(f"[{label}]" for label, _ in rendered.buttons))
            text = "\n".join(lines) + "\n"
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False)
        else:
            out = self.stream if self.stream is not None else sys.stdout
            out.write(text + "\n")
        self.sent.append((notification, rendered))
        return Delivered(message_id=len(self.sent))

    def kinds(self) -> list[str]:
        """The kinds sent, in order."""
        return [n.kind for n, _ in self.sent]
