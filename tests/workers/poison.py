"""Imported into a test worker (Worker(preload=...)): a roster carrying MARKER segfaults its parse.

The parser crash of issue 15 item 3 no longer happens with the files known to cause it (defusedxml
and the limits refuse them; see tests/imports/test_hostile_files.py). This stands in for the crash
nobody knows of yet, so that the redelivery cap can be shown to hold against a real dead process.
"""

import os
import signal
from typing import Any

from webapp.imports import services

MARKER = b"lianxin-test-poison"
_read_roster = services.read_roster


def read_roster_or_crash(content: bytes) -> Any:
    """What a segfault in the XML parser does to the pool process."""
    if MARKER in content:
        os.kill(os.getpid(), signal.SIGSEGV)
    return _read_roster(content)


services.read_roster = read_roster_or_crash
