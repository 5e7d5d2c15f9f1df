"""Source fields name the original outlet: re-posts and aggregators go in `seen_at` only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from missilewatch.estimates import load

#: Hosts that only re-post, aggregate or list other outlets' work. An address on one of
#: these may be kept as `seen_at` (where a figure was read), never as the source `url`.
REPOST_HOSTS = frozenset(
    {
        "news-pravda.com",  # aggregator of the Russian "Pravda" network (all language editions)
        "pravda-fr.com",
        "pastebin.com",  # link lists
        "daily8.com",
        "clashreport.com",
        "bytesde.com",
        "doorpickers.com",
        "247newsreel.com",
        "www1.ru",
        "buzzclips.de",
        "feedman.me",
        "up2info.com",
        "newsbytesapp.com",
        "shadowline.pro",
        "oe-mag.co.uk",
        "htnoticias.com",
        "devdiscourse.com",  # republishes agency copy (Reuters)
        "onvista.de",  # republishes agency copy (Reuters)
        "github.com",  # mirrors of reports kept in repositories
    }
)


def is_repost_host(url: str) -> bool:
    """True if ``url``'s host is one of ``REPOST_HOSTS`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == known or host.endswith("." + known) for known in REPOST_HOSTS)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news-pravda.com/world/2024/07/10/623295.html", True),
        ("https://portuguese.news-pravda.com/russia/2024/11/20/76635.html", True),
        ("https://test.daily8.com/en/article/7e40101c98ac7993f64f820e01bd097e", True),
        ("https://PASTEBIN.com/NvR1cmkA", True),
        ("https://www.ft.com", False),
        ("https://kyivindependent.com/north-korea-producing-missiles-for-russia", False),
        ("https://www.pravda.com.ua/eng/news/2025/09/6/7529592/", False),
        ("https://notdaily8.com/x", False),
    ],
)
def test_repost_host_matching(url: str, expected: bool) -> None:
    assert is_repost_host(url) is expected


def test_no_source_url_is_a_repost_or_aggregator() -> None:
    offending = [
        f"{record.id}: {record.source.url}"
        for record in load()
        if record.source is not None and is_repost_host(record.source.url)
    ]
    assert not offending, "move these addresses to seen_at and cite the original outlet"


def test_seen_at_differs_from_url() -> None:
    for record in load():
        if record.source is not None and record.source.seen_at is not None:
            assert record.source.seen_at != record.source.url, record.id
