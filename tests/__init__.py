"""dondoc's tests. Prefect is made offline here, before any test module can import it:
its home lives under the project's data dir (.dondoc/test-prefect) and nothing is sent anywhere."""

import os
from pathlib import Path

PREFECT_TEST_HOME = Path(__file__).resolve().parent.parent / ".dondoc" / "test-prefect"
PREFECT_TEST_HOME.mkdir(parents=True, exist_ok=True)
os.environ.update(
    PREFECT_HOME=str(PREFECT_TEST_HOME),
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
    PREFECT_UI_ENABLED="false",
    PREFECT_SERVER_UI_ENABLED="false",
)
