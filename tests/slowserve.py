#!/usr/bin/env python3
"""``lxkns serve`` with a discovery that waits while the file $LXKNS_TEST_HOLD exists.

The tests slow discoveries down on purpose this way (timeouts, single
flight, a stop during a discovery); the service itself has no such switch.
The wait ends after 300 s in any case, so that no run can hang forever.
"""

from __future__ import annotations

import os
import sys
import time

import lxkns
from lxkns.service.cli import main

HOLD = os.environ["LXKNS_TEST_HOLD"]


def slow_discover(options: lxkns.DiscoveryOptions) -> lxkns.Discovery:
    deadline = time.monotonic() + 300
    while os.path.exists(HOLD) and time.monotonic() < deadline:
        time.sleep(0.01)
    return lxkns.discover(options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], discover=slow_discover))
