"""dondoc's tests. Prefect is made offline here, before any test module can import it:
its home lives under the project's data dir (.dondoc/test-prefect) and nothing is sent anywhere."""

import os
from pathlib import Path

os.environ.update(
    PREFECT_HOME=str(Path(__file__).resolve().parent.parent / ".dondoc" / "test-prefect"),
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
    PREFECT_UI_ENABLED="false",
    PREFECT_SERVER_UI_ENABLED="false",
)
