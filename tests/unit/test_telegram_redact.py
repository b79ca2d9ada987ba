"""engine.redact: bot tokens by shape, URL passwords and registered secrets are masked; other text is kept."""

from __future__ import annotations

import logging

import pytest

from engine.redact import SECRET_MASK, TOKEN_MASK, install_log_redaction, redact, remember

TOKEN = "7099123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.mark.parametrize("text", [
    f"InvalidToken: The token `{TOKEN}` was rejected by the server.",
    f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
    f"GET http://127.0.0.1:8081/file/bot{TOKEN.replace(':', '%3A')}/documents/file_1.pdf",
])
def test_tokens_are_masked_by_shape(text: str) -> None:
    cleaned = redact(text)
    assert TOKEN.partition(":")[2] not in cleaned and TOKEN_MASK in cleaned


def test_registered_secrets_and_url_passwords_are_masked_ordinary_text_is_kept() -> None:
    remember("khoa-ky-bi-mat-rat-dai-0123456789", None, "ngan")
    text = ("key khoa-ky-bi-mat-rat-dai-0123456789, postgresql+psycopg://dondoc:m4tKh4u@db:5432/dondoc, "
            "ngan, chat 1234567890, 09:14 22/4/2024")
    assert redact(text) == (f"key {SECRET_MASK}, postgresql+psycopg://dondoc:{SECRET_MASK}@db:5432/dondoc, "
                            "ngan, chat 1234567890, 09:14 22/4/2024")


def test_log_records_of_any_logger_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    try:
        raise RuntimeError(f"token {TOKEN}")
    except RuntimeError:
        logging.getLogger("some.library").exception("failed")
    assert TOKEN.partition(":")[2] not in caplog.text and caplog.text.count(TOKEN_MASK) == 2
