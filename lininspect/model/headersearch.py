"""Finding a keyword or a value in a FITS header as the header viewer shows it, without Qt.

The viewer shows each card as its 80-column lines (a long string's CONTINUE cards included), so
a match is the line its card starts on. The text is matched against the keyword and the value
only, not the comment: searching "NINTS" finds NINTS, not every card whose comment says integrations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: astropy.io.fits brings astropy.units, 0.4 s of the app's start
    from astropy.io import fits


CARD_WIDTH = 80


@dataclass(frozen=True)
class HeaderText:
    """A header as shown, one 80-column line per list entry, and the line each card starts on."""

    lines: list[str]
    cards: list[fits.Card]
    first_lines: list[int]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def matches(self, wanted: str) -> list[int]:
        """The lines of the cards whose keyword or value contains ``wanted`` (any case), in header order."""
        needle = wanted.strip().casefold()
        if not needle:
            return []
        return [line for card, line in zip(self.cards, self.first_lines, strict=True) if _matches(card, needle)]


def header_text(header: fits.Header) -> HeaderText:
    """``header`` laid out as ``Header.tostring`` lays it out (without the END card)."""
    lines: list[str] = []
    cards: list[fits.Card] = []
    first_lines: list[int] = []
    for card in header.cards:
        image = card.image
        cards.append(card)
        first_lines.append(len(lines))
        lines += [image[n : n + CARD_WIDTH].rstrip() for n in range(0, len(image), CARD_WIDTH)]
    return HeaderText(lines, cards, first_lines)


def _matches(card: fits.Card, needle: str) -> bool:
    value = card.value
    shown = "T" if value is True else "F" if value is False else str(value)
    return needle in card.keyword.casefold() or needle in shown.casefold()
