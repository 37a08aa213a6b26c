"""What WeasyPrint may load while rendering our PDFs: data: URIs and the project's own static
files, nothing else (no file:// outside webapp/static, no network)."""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint.urls import URLFetcher

STATIC = (Path(__file__).resolve().parents[1] / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """A URLFetcher that refuses every URL but data: and files under webapp/static."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """Serve data: and static files; anything else raises, so WeasyPrint skips it."""
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not (path.is_relative_to(STATIC) and path.is_file()):
                raise ValueError(f"not one of the project's static files: {url}")
        return super().fetch(url, headers)


def static_base_url() -> str:
    """The base URL relative links in PDF templates resolve against."""
    return STATIC.as_uri() + "/"
