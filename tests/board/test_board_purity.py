"""The board's model, renderer and footer figures load no I/O client: they are tested, and usable, without one."""

from __future__ import annotations

import json
import subprocess
import sys

IO_CLIENTS = ("aiokafka", "websockets", "httpx", "fastavro")


def test_the_boards_cores_load_no_io_client() -> None:
    script = (
        "import json, sys\n"
        "import ddeflow.board.model, ddeflow.board.render, ddeflow.board.pipeline\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stdout))
    assert "rich" in loaded and "prometheus_client" in loaded  # the imports did happen
    assert loaded.isdisjoint(IO_CLIENTS), sorted(loaded & set(IO_CLIENTS))
