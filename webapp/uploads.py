"""Scans people attach (a receipt, an off-platform organisation's report): PDF, JPG or PNG, up to
5 MB, read from the request; anything else is refused with the reason."""

from flask import request
from flask_babel import lazy_gettext

MAX_SCAN = 5 * 1024 * 1024
SCAN_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
BAD_SCAN = lazy_gettext("扫描件应为PDF、JPG或PNG文件，不超过5MB")


def suffix_of(name: str) -> str:
    """The file name's extension, lower case ("" when it has none)."""
    return name[name.rfind(".") :].lower() if "." in name else ""


def read_scan(field: str = "scan") -> tuple[bytes, str, str]:
    """(content, file name, problem) of the uploaded scan; empty content when none was sent."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return b"", "", ""
    name = upload.filename.rsplit("/", 1)[-1][:120]
    content = upload.stream.read(MAX_SCAN + 1)
    if suffix_of(name) not in SCAN_TYPES or len(content) > MAX_SCAN:
        return b"", "", BAD_SCAN
    return content, name, ""
