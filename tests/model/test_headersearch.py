"""The header viewer's search: keyword and value matched in any case, the comment not, long strings' lines counted."""

from __future__ import annotations

from astropy.io import fits

from lininspect.model.headersearch import header_text


def _header() -> fits.Header:
    header = fits.Header()
    header["NINTS"] = (3, "number of integrations")
    header["DETECTOR"] = ("NRCA1", "the detector")
    header["FILENAME"] = ("x" * 100 + " nrca1 tail", "a long name on CONTINUE cards")
    header["ZEROFRAM"] = (True, "zero frame was downlinked")
    header["NGROUPS"] = (10, "integrations per exposure? no: groups")
    return header


def test_keyword_and_value_match_in_any_case_comments_do_not() -> None:
    shown = header_text(_header())
    as_astropy = _header().tostring(sep="\n", endcard=False, padding=False).split("\n")
    assert shown.lines == [line.rstrip() for line in as_astropy]
    lines = shown.lines
    assert [lines[n][:8].strip() for n in shown.matches("nints")] == ["NINTS"]  # not NGROUPS, whose comment says it
    assert [lines[n][:8].strip() for n in shown.matches("nrca1")] == ["DETECTOR", "FILENAME"]
    assert [lines[n][:8].strip() for n in shown.matches("integrations")] == []
    # FILENAME spans three lines, so ZEROFRAM starts on line 5 and NGROUPS on 6.
    assert shown.matches("zerofram") == [5] and shown.matches("10") == [6]
    assert shown.matches("3") == [0]  # NINTS's value; no keyword or other value has a 3
    assert shown.matches("  ") == []
