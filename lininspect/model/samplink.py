"""lininspect on the SAMP bus (the desktop astronomy tools' messaging: DS9, Aladin, TOPCAT), without Qt.

The client is pyvo's SAMP client (astropy.samp's successor; astropy 8 deprecates its own).
Every call here talks to the hub over the network and may wait on it, so the app makes
them from a worker thread. Messages received arrive on the client's own thread and are
handed to the ``on_message`` callback as :class:`Received`; the app moves them to its GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import LinInspectError

#: What lininspect sends.
IMAGE_MTYPE, TABLE_MTYPE = "image.load.fits", "table.load.votable"
#: A sky position to point at (DS9, Aladin and TOPCAT send it).
SKY_MTYPE = "coord.pointAt.sky"
#: lininspect's own: point at a 0-based array pixel ``x``, ``y`` (SAMP has no standard pixel mtype).
PIXEL_MTYPE = "lininspect.pointAt.pixel"
RECEIVED_MTYPES = (SKY_MTYPE, PIXEL_MTYPE)
#: The hub tells its clients it is going away (DS9 or TOPCAT that started it quit).
HUB_SHUTDOWN = "samp.hub.event.shutdown"
#: What a missing hub is told as, to the user.
NO_HUB = "no SAMP hub is running (DS9, TOPCAT and Aladin start one): connect again once one runs"


@dataclass(frozen=True)
class Received:
    """A position another application sent: ``mtype``, its parameters, and who sent it (its name)."""

    mtype: str
    params: dict[str, str]
    sender: str


class SampLink:
    """One registration with the running hub; :meth:`connect` first, :meth:`disconnect` at the end."""

    def __init__(self, on_message: Callable[[Received], None]) -> None:
        self.on_message = on_message
        self._client: Any = None
        #: Closed for good (the window closed): a registration finishing later is undone at once.
        self._closed = False
        self._lock = threading.Lock()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    def connect(self, version: str) -> tuple[int, int]:
        """Register with the hub the environment names (SAMP_HUB, else ~/.samp) and subscribe to positions;
        return :meth:`takers`. A missing or dead hub raises LinInspectError(NO_HUB)."""
        from pyvo.samp import SAMPHubError, SAMPIntegratedClient  # 2 s of imports, only once asked to connect

        client = SAMPIntegratedClient(
            name="lininspect",
            description="JWST linearity correction inspector",
            metadata={"lininspect.version": version},
        )
        try:
            client.connect()
        except (SAMPHubError, OSError) as error:
            raise LinInspectError(NO_HUB if isinstance(error, SAMPHubError) else f"SAMP hub unreachable: {error}") from None
        try:
            for mtype in RECEIVED_MTYPES:
                client.bind_receive_message(mtype, self._receive)
            client.bind_receive_notification(HUB_SHUTDOWN, self._receive)
        except BaseException:
            client.disconnect()
            raise
        with self._lock:
            closed = self._closed
            if not closed:
                self._client = client
        if closed:
            client.disconnect()
            raise LinInspectError("closed while connecting")
        return self.takers()

    def takers(self) -> tuple[int, int]:
        """How many clients take images and how many take tables (what the user's sends would reach)."""
        client = self._require()
        return len(client.get_subscribed_clients(IMAGE_MTYPE)), len(client.get_subscribed_clients(TABLE_MTYPE))

    def send(self, mtype: str, path: Path, name: str, **params: str) -> int:
        """Notify every client subscribed to ``mtype`` of the file ``path`` (by file:// URL); return how many."""
        client = self._require()
        message = {"samp.mtype": mtype, "samp.params": {"url": path.resolve().as_uri(), "name": name, **params}}
        recipients = client.notify_all(message)
        return len(recipients) if isinstance(recipients, list) else len(client.get_subscribed_clients(mtype))

    def close(self) -> None:
        """No more connections: one under way is undone as soon as it is made. Then :meth:`disconnect`."""
        with self._lock:
            self._closed = True

    def disconnect(self) -> None:
        """Unregister and stop the client's thread; nothing happens when not connected."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001 - a hub gone already: the client's thread has stopped all the same
                pass

    def _require(self) -> Any:
        client = self._client
        if client is None or not client.is_connected:
            raise LinInspectError("not connected to a SAMP hub: SAMP ▸ Connect first")
        return client

    def _receive(self, private_key: str, sender_id: str, msg_id: str | None, mtype: str,
                 params: dict[str, Any], extra: dict[str, Any]) -> None:  # fmt: skip
        """On the client's thread: reply to a call at once (the app acts later), pass the message on."""
        client = self._client
        if client is not None and msg_id is not None:
            client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {}})
        sender = sender_id
        if client is not None:
            try:
                sender = client.get_metadata(sender_id).get("samp.name", sender_id)
            except Exception:  # noqa: BLE001 - the sender left the bus already: its id names it
                pass
        self.on_message(Received(mtype, {str(k): str(v) for k, v in params.items()}, sender))
