"""SAMP: the app sends the shown plane and the pixels' ramps to a test client on pyvo's own hub, and
follows positions the client sends back; without a hub the status bar says so at once."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from PyQt6.QtCore import Qt
from guihelpers import answers_within, menu_action, shown_window
from pyvo.samp import SAMPHubServer, SAMPIntegratedClient
from smallfiles import SmallFiles

from lininspect.gui.mainwindow import MainWindow

WAIT_MS = 20_000  # only detects a hang
#: The tag the recorder's calls carry; their replies come back to it under this tag.
CALL_TAG = "recorder-call"


class Recorder:
    """A SAMP client like DS9 and TOPCAT together: takes images and tables, records what it got."""

    def __init__(self, hub: SAMPHubServer) -> None:
        self.client = SAMPIntegratedClient(name="recorder")
        self.client.connect(hub=hub)
        self.received: list[tuple[str, dict[str, str]]] = []
        self.responses: list[dict] = []  # type: ignore[type-arg]
        self._lock = threading.Lock()
        for mtype in ("image.load.fits", "table.load.votable"):
            self.client.bind_receive_notification(mtype, self._record)
        self.client.bind_receive_response(CALL_TAG, self._record_response)

    def _record(self, private_key: str, sender_id: str, mtype: str, params: dict[str, str], extra: dict) -> None:  # type: ignore[type-arg]
        with self._lock:
            self.received.append((mtype, dict(params)))

    def _record_response(self, private_key: str, responder_id: str, msg_tag: str, response: dict) -> None:  # type: ignore[type-arg]
        with self._lock:
            self.responses.append(dict(response))

    def replies(self) -> list[dict]:  # type: ignore[type-arg]
        with self._lock:
            return list(self.responses)

    def got(self, mtype: str) -> list[dict[str, str]]:
        with self._lock:
            return [params for kind, params in self.received if kind == mtype]

    def send(self, mtype: str, **params: str) -> None:
        self.client.notify_all({"samp.mtype": mtype, "samp.params": params})


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SAMPHubServer]:
    """A hub on 127.0.0.1 with its own lock file, which the app finds through SAMP_HUB; stopped at the end."""
    lockfile = tmp_path / "samp-hub.lock"
    server = SAMPHubServer(web_profile=False, addr="127.0.0.1", lockfile=str(lockfile))
    server.start()
    monkeypatch.setenv("SAMP_HUB", f"std-lockurl:{lockfile.as_uri()}")
    yield server
    server.stop()


@pytest.fixture
def recorder(hub: SAMPHubServer) -> Iterator[Recorder]:
    peer = Recorder(hub)
    yield peer
    if hub.is_running:
        peer.client.disconnect()
    else:  # the test stopped the hub: only the client's own thread is left to stop
        peer.client.client.stop()


def _connect(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    menu_action(window, "SAMP", "Connect to hub").trigger()
    tool = window.tool_docks.tools["samp"]
    qtbot.waitUntil(lambda: tool.link.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.status.message_text == "SAMP: connected to the hub; 1 SAMP client takes images, "
                    "1 takes tables", timeout=WAIT_MS)  # the recorder; the hub's own client takes neither
    return tool


def _local(url: str) -> Path:
    parsed = urlparse(url)
    assert parsed.scheme == "file"
    return Path(parsed.path)


def test_the_shown_plane_goes_to_an_image_viewer(window: MainWindow, recorder: Recorder, qtbot, small_files: SmallFiles) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    window.set_frame(1, 3)
    expected = window.session.correction().plane(1, 3)
    menu_action(window, "SAMP", "Send right panel's image").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("image.load.fits")) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "sent Corrected, integration 1, group 3 to 1 SAMP client" in window.status.message_text,
                    timeout=WAIT_MS)  # fmt: skip
    [params] = recorder.got("image.load.fits")
    path = _local(params["url"])
    with fits.open(path) as sent:
        np.testing.assert_array_equal(sent[0].data, expected)
        header = sent[0].header
        assert (header["SHOWN"], header["INTEGRAT"], header["GROUP"], header["PANEL"]) == ("Corrected", 1, 3, "right")
        assert header["FILENAME"] == small_files.exposure.name
        assert (header["LTV1"], header["LTV2"]) == (1 - 11, 1 - 21)  # DS9's physical: the detector pixel
    assert path.stat().st_mode & 0o077 == 0 or path.parent.stat().st_mode & 0o077 == 0  # private folder

    menu_action(window, "SAMP", "Send left panel's image").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("image.load.fits")) == 2, timeout=WAIT_MS)
    with fits.open(_local(recorder.got("image.load.fits")[1]["url"])) as sent:
        np.testing.assert_array_equal(sent[0].data, fits.getdata(small_files.exposure, "SCI")[1, 3])

    window.close()  # the files sent go with the window
    qtbot.waitUntil(lambda: not path.parent.exists(), timeout=WAIT_MS)


def test_a_map_is_sent_as_the_panel_shows_it(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    window.display.mode_box.setCurrentText("NO_LIN_CORR mask")
    menu_action(window, "SAMP", "Send right panel's image").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("image.load.fits")) == 1, timeout=WAIT_MS)
    with fits.open(_local(recorder.got("image.load.fits")[0]["url"])) as sent:
        mask = window.session.no_lin_corr_mask()
        np.testing.assert_array_equal(sent[0].data, mask.astype(np.uint8))
        assert sent[0].header["SHOWN"] == "NO_LIN_CORR mask" and sent[0].data[30, 40] == 1


def test_pinned_ramps_go_to_a_table_tool(window: MainWindow, recorder: Recorder, qtbot, small_files: SmallFiles) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    window.select_pixel(12, 7)
    window.select_pixel(21, 11, pin=True)
    window.set_frame(1, 0)
    menu_action(window, "SAMP", "Send ramps of the selected and pinned pixels").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("table.load.votable")) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "sent ramps of 2 pixels, integration 1 to 1 SAMP client" in window.status.message_text,
                    timeout=WAIT_MS)  # fmt: skip
    [params] = recorder.got("table.load.votable")
    assert params["table-id"] and params["name"].startswith("lininspect ramps")
    table = Table.read(_local(params["url"]), format="votable")
    sci = fits.getdata(small_files.exposure, "SCI")
    np.testing.assert_array_equal(table["group"], np.arange(sci.shape[1]))
    correction = window.session.correction()
    for x, y in ((12, 7), (21, 11)):
        np.testing.assert_array_equal(table[f"x{x}_y{y}_input"], sci[1, :, y, x])
        corrected = [correction.plane(1, g)[y, x] for g in range(sci.shape[1])]
        np.testing.assert_array_equal(table[f"x{x}_y{y}_corrected_A"], corrected)
    assert not np.array_equal(table["x21_y11_corrected_A"], table["x21_y11_input"])


def test_extra_named_ramps_join_the_table(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    """What the regions tool calls: its own ramps beside the pixels'."""
    tool = _connect(window, qtbot)
    window.select_pixel(3, 4)
    mean = np.linspace(10.0, 60.0, window.session.exposure.ngroups)
    tool.send_ramps(extra={"region_1_mean_input": mean}, label="region 1")
    qtbot.waitUntil(lambda: len(recorder.got("table.load.votable")) == 1, timeout=WAIT_MS)
    table = Table.read(_local(recorder.got("table.load.votable")[0]["url"]), format="votable")
    np.testing.assert_allclose(table["region_1_mean_input"], mean.astype(np.float32))
    assert "x3_y4_input" in table.colnames
    qtbot.waitUntil(lambda: "sent ramps of 1 pixel and region 1, integration 0 to 1 SAMP client"
                    in window.status.message_text, timeout=WAIT_MS)  # fmt: skip


def test_a_pixel_sent_back_selects_it(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    recorder.send("lininspect.pointAt.pixel", x="17", y="9")
    qtbot.waitUntil(lambda: window.view.pixel == (17, 9), timeout=WAIT_MS)
    assert window.status.message_text == "SAMP: recorder pointed at pixel (17, 9)"
    assert window.inspector_dock.windowTitle().startswith("Pixel inspector — ")
    recorder.send("lininspect.pointAt.pixel", x="500", y="9")
    qtbot.waitUntil(lambda: "outside the exposure" in window.status.message_text, timeout=WAIT_MS)
    assert window.view.pixel == (17, 9)


def test_a_sky_position_without_a_wcs_is_a_note(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    window.select_pixel(5, 5)
    recorder.send("coord.pointAt.sky", ra="150.1", dec="2.2")
    qtbot.waitUntil(lambda: "has no WCS" in window.status.message_text, timeout=WAIT_MS)
    assert window.status.message_text.startswith("SAMP: recorder pointed at RA 150.100000, Dec +2.200000")
    assert window.view.pixel == (5, 5)


def _with_wcs(small_files: SmallFiles, directory: Path) -> tuple[Path, WCS]:
    """The small exposure with a TAN WCS in its SCI header, as set_telescope_pointing writes one."""
    celestial = WCS(naxis=2)
    celestial.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    celestial.wcs.crpix = [25.0, 20.0]
    celestial.wcs.crval = [150.0, 2.0]
    celestial.wcs.cdelt = [-3e-5, 3e-5]
    celestial.wcs.pc = [[0.8, -0.6], [0.6, 0.8]]
    with fits.open(small_files.exposure) as hdus:
        hdus["SCI"].header["WCSAXES"] = 2
        hdus["SCI"].header.update(celestial.to_header())
        path = directory / "small_wcs.fits"
        hdus.writeto(path)
    return path, celestial


def test_a_sky_position_selects_the_pixel_there(qtbot, small_files: SmallFiles, recorder: Recorder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, celestial = _with_wcs(small_files, tmp_path)
    window = shown_window(qtbot, path, small_files.reference)
    try:
        _connect(window, qtbot)
        ra, dec = celestial.pixel_to_world_values(33.2, 14.9)  # inside pixel (33, 15)
        recorder.send("coord.pointAt.sky", ra=f"{ra:.10f}", dec=f"{dec:.10f}")
        qtbot.waitUntil(lambda: window.view.pixel == (33, 15), timeout=WAIT_MS)
        assert "pixel (33, 15)" in window.status.message_text

        menu_action(window, "SAMP", "Send left panel's image").trigger()
        qtbot.waitUntil(lambda: len(recorder.got("image.load.fits")) == 1, timeout=WAIT_MS)
        with fits.open(_local(recorder.got("image.load.fits")[0]["url"])) as sent:
            sky = WCS(sent[0].header)
            np.testing.assert_allclose(sky.pixel_to_world_values(33.2, 14.9), (ra, dec), atol=1e-9)
    finally:
        window.close()


def test_no_hub_is_one_note_at_once(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SAMP_HUB", f"std-lockurl:{(tmp_path / 'no-hub.lock').as_uri()}")
    menu_action(window, "SAMP", "Connect to hub").trigger()
    answers_within(qtbot, 2000)  # the GUI thread is not waiting for the hub
    qtbot.waitUntil(lambda: "no SAMP hub is running" in window.status.message_text, timeout=WAIT_MS)
    tool = window.tool_docks.tools["samp"]
    assert not tool.link.connected and tool.state.text() == "not connected"
    assert menu_action(window, "SAMP", "Connect to hub").isEnabled()


def test_disconnecting_and_a_hub_going_away(window: MainWindow, hub: SAMPHubServer, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    tool = _connect(window, qtbot)
    menu_action(window, "Tools", "SAMP").trigger()  # the dock, with its buttons
    qtbot.waitUntil(lambda: tool.buttons["Disconnect"].isVisible() and tool.buttons["Disconnect"].isEnabled())
    assert tool.state.text() == "connected to a SAMP hub" and not tool.buttons["Connect"].isEnabled()
    qtbot.mouseClick(tool.buttons["Disconnect"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status.message_text == "SAMP: disconnected from the hub", timeout=WAIT_MS)
    assert tool.buttons["Connect"].isEnabled() and not tool.buttons["Disconnect"].isEnabled()
    assert not tool.link.connected and tool.state.text() == "not connected"
    assert not menu_action(window, "SAMP", "Disconnect").isEnabled()

    _connect(window, qtbot)
    hub.stop()  # DS9, which ran the hub, quits
    qtbot.waitUntil(lambda: "the hub shut down" in window.status.message_text, timeout=WAIT_MS)
    assert not tool.link.connected and tool.state.text() == "not connected"
    assert menu_action(window, "SAMP", "Connect to hub").isEnabled()


def test_only_the_last_files_sent_are_kept(window: MainWindow, recorder: Recorder, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("lininspect.gui.tools.samp.KEPT_FILES", 2)
    _connect(window, qtbot)
    for sent in range(1, 4):
        menu_action(window, "SAMP", "Send left panel's image").trigger()
        qtbot.waitUntil(lambda sent=sent: len(recorder.got("image.load.fits")) == sent, timeout=WAIT_MS)
    paths = [_local(params["url"]) for params in recorder.got("image.load.fits")]
    assert [path.exists() for path in paths] == [False, True, True]


def test_nothing_to_send_in_an_empty_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = shown_window(qtbot, None, None)
    try:
        assert menu_action(window, "SAMP", "Connect to hub").isEnabled()
        for entry in ("Send left panel's image", "Send right panel's image", "Send ramps of the selected and pinned pixels"):
            assert not menu_action(window, "SAMP", entry).isEnabled()
    finally:
        window.close()


def test_a_view_named_with_a_minus_sign_is_sent_in_ascii(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    """FITS headers are ASCII: "g−(g−1)" (a true minus sign) must not stop the send."""
    _connect(window, qtbot)
    window.set_frame(0, 2)
    window.display.left_box.setCurrentText("g−(g−1)")
    assert window.view.left.value == "g−(g−1)"
    menu_action(window, "SAMP", "Send left panel's image").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("image.load.fits")) == 1, timeout=WAIT_MS)
    plane = window.session.input_plane
    with fits.open(_local(recorder.got("image.load.fits")[0]["url"])) as sent:
        np.testing.assert_array_equal(sent[0].data, plane(0, 2) - plane(0, 1))
        assert sent[0].header["SHOWN"] == "g-(g-1)"
    qtbot.waitUntil(lambda: "sent g−(g−1), integration 0, group 2" in window.status.message_text, timeout=WAIT_MS)


def test_a_pixel_sent_as_a_call_gets_its_reply(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A call (not a notification) is answered samp.ok at once, whatever the window is doing.

    Called asynchronously, as DS9 and TOPCAT do: pyvo's hub, like astropy's, drops a reply to a
    synchronous call that comes back before it has registered the call (astropy/astropy#7985),
    which a quick reply on a busy machine does."""
    _connect(window, qtbot)
    [app] = recorder.client.get_subscribed_clients("lininspect.pointAt.pixel")
    recorder.client.ecall(app, CALL_TAG, "lininspect.pointAt.pixel", x="4", y="6")
    qtbot.waitUntil(lambda: len(recorder.replies()) == 1, timeout=WAIT_MS)
    assert recorder.replies()[0]["samp.status"] == "samp.ok"
    qtbot.waitUntil(lambda: window.view.pixel == (4, 6), timeout=WAIT_MS)
    recorder.send("lininspect.pointAt.pixel", x="four", y="6")
    qtbot.waitUntil(lambda: "sent a pixel without numbers x and y" in window.status.message_text, timeout=WAIT_MS)
    assert window.view.pixel == (4, 6)


def test_closing_the_window_leaves_the_bus(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    [app] = recorder.client.get_subscribed_clients("coord.pointAt.sky")
    window.close()
    qtbot.waitUntil(lambda: app not in recorder.client.get_registered_clients(), timeout=WAIT_MS)


def test_the_boxs_mean_ramps_go_with_the_pixels(window: MainWindow, recorder: Recorder, qtbot, small_files: SmallFiles) -> None:  # type: ignore[no-untyped-def]
    _connect(window, qtbot)
    window.select_box(30, 25, 36, 30)  # what a right-drag over the panel does
    menu_action(window, "SAMP", "Send ramps of the selected and pinned pixels").trigger()
    qtbot.waitUntil(lambda: len(recorder.got("table.load.votable")) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "sent ramps of the box, integration 0" in window.status.message_text,
                    timeout=WAIT_MS)  # fmt: skip
    table = Table.read(_local(recorder.got("table.load.votable")[0]["url"]), format="votable")
    box = fits.getdata(small_files.exposure, "SCI")[0, :, 25:30, 30:36].astype(np.float64)
    # Group 0 is DO_NOT_USE everywhere (MIRI's firstframe): no sample, no mean; the others use all 30.
    np.testing.assert_array_equal(table["box_30_25_36_30_samples"], [0, 30, 30, 30, 30, 30])
    assert np.isnan(np.ma.filled(table["box_30_25_36_30_mean_input"], np.nan)[0])  # NaN, read back as masked
    np.testing.assert_allclose(table["box_30_25_36_30_mean_input"][1:], box[1:].mean(axis=(1, 2)), rtol=1e-6)
    corrected = np.array([window.session.correction().plane(0, g)[25:30, 30:36].mean(dtype=np.float64) for g in range(1, 6)])
    np.testing.assert_allclose(table["box_30_25_36_30_mean_corrected"][1:], corrected, rtol=1e-6)


def test_the_regions_ramps_go_with_the_pixels(window: MainWindow, recorder: Recorder, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Regions ▸ Send ramps (SAMP): every region's ramps as the Regions tool shows them, beside the pixels'."""
    _connect(window, qtbot)
    menu_action(window, "Tools", "Regions").trigger()
    regions = window.tool_docks.tools["regions"]
    qtbot.waitUntil(lambda: regions.running, timeout=WAIT_MS)
    for shape, text in (("circle", "10 10 3"), ("box", "30 20 6 4")):
        regions.shape_box.setCurrentText(shape)
        regions.entry.clear()
        qtbot.keyClicks(regions.entry, text)
        qtbot.mouseClick(regions.add_button, Qt.MouseButton.LeftButton)
    regions.statistic_box.setCurrentText("median")
    window.select_pixel(3, 4)
    shown = {}
    for index in (0, 1):  # each region's ramps as the tool plots them once it is selected
        regions.select(index)
        qtbot.waitUntil(lambda: regions.ramps is not None, timeout=WAIT_MS)
        shown[index + 1] = regions.ramps
    qtbot.mouseClick(regions.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(recorder.got("table.load.votable")) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "sent ramps of 1 pixel and 2 regions (median), integration 0 to 1 SAMP client"
                    in window.status.message_text, timeout=WAIT_MS)  # fmt: skip
    table = Table.read(_local(recorder.got("table.load.votable")[0]["url"]), format="votable")
    assert "x3_y4_input" in table.colnames
    for number, ramps in shown.items():
        assert ramps.statistic == "median" and set(ramps.ramps) == {"input", "corrected A"}
        for quantity, ramp in ramps.ramps.items():
            sent = np.ma.filled(table[f"region_{number}_median_{quantity.replace(' ', '_')}"], np.nan)
            np.testing.assert_array_equal(sent, ramp.values)
        np.testing.assert_array_equal(table[f"region_{number}_samples"], ramps.ramps["input"].used)
    first, second = (np.ma.filled(table[f"region_{n}_median_input"], 0) for n in (1, 2))
    assert not np.array_equal(first, second)  # two regions, two ramps: not one column twice


def test_no_region_to_send_is_one_line(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The Regions tool's Send with no region says so in a dialog; nothing is connected or sent."""
    from PyQt6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *a: shown.append(message))
    menu_action(window, "Tools", "Regions").trigger()
    regions = window.tool_docks.tools["regions"]
    qtbot.waitUntil(lambda: regions.running, timeout=WAIT_MS)
    qtbot.mouseClick(regions.send_button, Qt.MouseButton.LeftButton)
    assert shown == ["no region to send: draw or type one first"]
    assert not window.tool_docks.tools["samp"].link.connected


def test_astropys_own_hub_and_client_take_the_plane_and_point_back(window: MainWindow, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue names astropy.samp: the app speaks pyvo.samp (astropy 8 deprecates its own for it), and
    astropy's own hub and a client of astropy's, as older DS9/TOPCAT set-ups run them, work with it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy.samp's deprecation notice
        from astropy.samp import SAMPHubServer as AstropyHub
        from astropy.samp import SAMPIntegratedClient as AstropyClient
    lockfile = tmp_path / "astropy-hub.lock"
    server = AstropyHub(web_profile=False, addr="127.0.0.1", lockfile=str(lockfile))
    server.start()
    monkeypatch.setenv("SAMP_HUB", f"std-lockurl:{lockfile.as_uri()}")
    received: list[dict[str, str]] = []
    peer = AstropyClient(name="recorder")
    peer.connect(hub=server)
    for mtype in ("image.load.fits", "table.load.votable"):
        peer.bind_receive_notification(mtype, lambda key, sender, kind, params, extra: received.append(dict(params)))
    try:
        _connect(window, qtbot)
        window.set_frame(0, 2)
        menu_action(window, "SAMP", "Send right panel's image").trigger()
        qtbot.waitUntil(lambda: len(received) == 1, timeout=WAIT_MS)
        with fits.open(_local(received[0]["url"])) as sent:
            np.testing.assert_array_equal(sent[0].data, window.session.correction().plane(0, 2))
        peer.notify_all({"samp.mtype": "lininspect.pointAt.pixel", "samp.params": {"x": "6", "y": "4"}})
        qtbot.waitUntil(lambda: window.view.pixel == (6, 4), timeout=WAIT_MS)
        assert window.status.message_text == "SAMP: recorder pointed at pixel (6, 4)"
        window.close()
    finally:
        peer.disconnect()
        server.stop()
