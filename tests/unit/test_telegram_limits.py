"""The per-chat inbound limit: a flood gets `limit` updates handled, one 'too fast', then silence until a
quiet window; other chats are unaffected."""

from __future__ import annotations

from notifiers.telegram.limits import ChatLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_is_told_once_and_ends_only_after_a_quiet_window() -> None:
    clock = Clock()
    limiter = ChatLimiter(limit=3, window=60, clock=clock)
    verdicts = []
    for _ in range(200):  # one a second for 200 s: never quiet for a whole window
        verdicts.append(limiter.check(1))
        clock.now += 1
    assert verdicts[:3] == [Verdict.ALLOW] * 3 and verdicts[3] is Verdict.REFUSE_AND_SAY
    assert set(verdicts[4:]) == {Verdict.REFUSE}
    assert limiter.check(2) is Verdict.ALLOW  # another chat
    clock.now += 60
    assert limiter.check(1) is Verdict.ALLOW


def test_a_steady_person_is_never_refused() -> None:
    clock = Clock()
    limiter = ChatLimiter(limit=20, window=60, clock=clock)
    for _ in range(500):
        assert limiter.check(7) is Verdict.ALLOW
        clock.now += 3.5  # 17 a minute


def test_idle_chats_are_forgotten() -> None:
    clock = Clock()
    limiter = ChatLimiter(limit=2, window=60, clock=clock, max_chats=10)
    for chat in range(10):
        limiter.check(chat)
    clock.now += 61
    limiter.check(99)
    assert len(limiter._chats) == 1
