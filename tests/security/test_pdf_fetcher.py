"""Finding 18: WeasyPrint renders with a fetcher that serves only the project's static files."""

from pathlib import Path

import pytest
from weasyprint import HTML

from webapp.reports.fetcher import STATIC, StaticOnlyFetcher, static_base_url


def _render(html: str) -> str:
    """The text of the rendered PDF's pages (what a reader would see)."""
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=StaticOnlyFetcher())
    pdf = document.render()
    return " ".join(
        box.text
        for page in pdf.pages
        for box in _walk(page._page_box)
        if getattr(box, "text", None)
    )


def _walk(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _walk(child)


def test_finding_18_file_urls_outside_static_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text('body::before { content: "LEAKED-SECRET"; }')
    fetcher = StaticOnlyFetcher()
    for url in (secret.as_uri(), "file:///etc/passwd", f"{static_base_url()}../config.py"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1:9/x.css")
    text = _render(f'<link rel="stylesheet" href="{secret.as_uri()}"><p>正文</p>')
    assert "LEAKED-SECRET" not in text and "正文" in text


def test_finding_18_static_files_and_data_uris_still_load() -> None:
    assert (STATIC / "app.css").is_file()
    response = StaticOnlyFetcher().fetch(static_base_url() + "app.css")
    assert response.read() == (STATIC / "app.css").read_bytes()
    assert StaticOnlyFetcher().fetch("data:text/plain;base64,b2s=").read() == b"ok"
