"""Which address a source link points to: the article, never an outlet's front page.

An estimate record names the publication's address (``url``) and, where the article
itself was read elsewhere (a syndicated copy, an archive), that address (``seen_at``).
Some records only know the outlet (``https://www.reuters.com``): a link there would
send the reader to today's front page, so the page links the address where the article
was seen, or says that it was not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SourceLink:
    """What to show for a record's source: an address to link (or none) and a label."""

    href: str | None
    label: str
    #: Said beside the link, e.g. "article as seen at devdiscourse.com".
    note: str = ""


def is_front_page(url: str) -> bool:
    """True for an address that names a site but no page on it."""
    parts = urlsplit(url.strip())
    return bool(parts.netloc) and parts.path.strip("/") == "" and not parts.query


def _host(url: str) -> str:
    host = urlsplit(url.strip()).netloc
    return host.removeprefix("www.")


def _text(value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "nat") else text


def source_link(url: object, seen_at: object) -> SourceLink | None:
    """The link for a record with these ``url`` and ``seen_at`` fields (None: no
    address at all)."""
    address, seen = _text(url), _text(seen_at)
    if not address and not seen:
        return None
    if address and not is_front_page(address):
        return SourceLink(href=address, label=_host(address) or address)
    if seen and not is_front_page(seen):
        outlet = f"; {_host(address)} gives no article address" if address else ""
        return SourceLink(
            href=seen, label=_host(seen) or seen, note=f"article as seen at {_host(seen)}{outlet}"
        )
    return SourceLink(
        href=None,
        label=_host(address or seen),
        note="the article itself was not seen; only the outlet is known",
    )
