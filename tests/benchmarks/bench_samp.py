"""SAMP sends on a full frame: what the GUI thread spends on a Send, and how long until a peer has it.

    python tests/benchmarks/bench_samp.py [--workdir DIR] [--shape 1 4 2048 2048]

Offscreen Qt, private settings, pyvo's hub on 127.0.0.1 with its own lock file and a peer that
takes images and tables (as DS9 and TOPCAT do). A (1, 4, 2048, 2048) float32 ramp (a full frame:
a sent plane is 16 MB whatever the number of groups) and its reference, written to --workdir once.
Figures are medians: the GUI thread's time in SAMP ▸ Send right panel's image and in Send ramps
(the selected pixel and 9 pins), against issue 17's 100 ms for an interaction (ratio above 1:
within it), and the wall time from the click until the peer is told of the file (writing the
FITS file and the hub's round trip, in a job).
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from guibench import SCRATCH, TARGET_MS, inputs, scaled, shown_window
from pyvo.samp import SAMPHubServer, SAMPIntegratedClient

HUB_LOCK = f"{SCRATCH.name}/hub.lock"
os.environ["SAMP_HUB"] = f"std-lockurl:file://{HUB_LOCK}"  # this benchmark's hub, never the user's

#: A full frame: a sent plane is 16 MB whatever the number of groups.
SHAPE = (1, 4, 2048, 2048)
REPEATS = 9


def main() -> None:
    shape, exposure, reference = inputs(__doc__, SHAPE, announce=False)

    hub = SAMPHubServer(web_profile=False, addr="127.0.0.1", lockfile=HUB_LOCK)
    hub.start()
    peer = SAMPIntegratedClient(name="peer")
    peer.connect(hub=hub)
    told = threading.Event()
    for mtype in ("image.load.fits", "table.load.votable"):
        peer.bind_receive_notification(mtype, lambda *_: told.set())

    app, window = shown_window(exposure, reference)
    tool = window.tool_docks.tools["samp"]
    tool.connect()
    while not tool.link.connected:
        app.processEvents()
    for n in range(9):
        window.select_pixel(*scaled(shape, 100 + 150 * n, 1000), pin=True)
    window.select_pixel(*scaled(shape, 1024, 1024))
    app.processEvents()

    def timed(action: object) -> tuple[float, float]:
        told.clear()
        started = time.perf_counter()
        action.trigger()  # type: ignore[attr-defined]
        gui = time.perf_counter() - started
        while not told.is_set():
            app.processEvents()
        return gui * 1000, (time.perf_counter() - started) * 1000

    for name, action in (("image (16 MB plane)", tool.send_right_action), ("ramps (10 pixels)", tool.send_ramps_action)):
        runs = [timed(action) for _ in range(REPEATS)]
        gui = statistics.median(run[0] for run in runs)
        delivered = statistics.median(run[1] for run in runs)
        print(f"send {name}: GUI thread {gui:.1f} ms (ratio {TARGET_MS / gui:.1f} vs {TARGET_MS:.0f} ms), "
              f"peer told after {delivered:.0f} ms")  # fmt: skip
    window.close()
    peer.disconnect()
    hub.stop()


if __name__ == "__main__":
    main()
