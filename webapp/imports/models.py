"""ImportJob: one uploaded roster file, its preview and its import, worked on by a worker."""

import base64
import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, TypeDecorator
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants.db import Base, str_enum, utcnow
from tenants.scoping import TenantScoped
from webapp.crypto import keyring


class ImportStatus(enum.StrEnum):
    """Where the job stands."""

    UPLOADED = "uploaded"
    VALIDATING = "validating"
    PREVIEWED = "previewed"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"
    UNREADABLE = "unreadable"  # its worker process died on every attempt: dead-lettered


class ImportMode(enum.StrEnum):
    """What the officer chose to import."""

    VALID_ONLY = "valid_only"
    ALL_OR_NOTHING = "all_or_nothing"


STATUS_LABELS = {
    ImportStatus.UPLOADED: lazy_gettext("已上传，等待校验"),
    ImportStatus.VALIDATING: lazy_gettext("校验中"),
    ImportStatus.PREVIEWED: lazy_gettext("已校验，等待确认导入"),
    ImportStatus.IMPORTING: lazy_gettext("导入中"),
    ImportStatus.DONE: lazy_gettext("已完成"),
    ImportStatus.FAILED: lazy_gettext("失败"),
    ImportStatus.UNREADABLE: lazy_gettext("此文件无法读取"),
}
MODE_LABELS = {
    ImportMode.VALID_ONLY: lazy_gettext("只导入无误的行"),
    ImportMode.ALL_OR_NOTHING: lazy_gettext("全部无误才导入"),
}
RUNNING = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNREADABLE)


class EncryptedBlob(TypeDecorator[bytes]):
    """Bytes stored as Fernet ciphertext: an uploaded roster carries ID numbers in the clear."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return keyring.encrypt(base64.b64encode(value).decode()).encode()

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return base64.b64decode(keyring.decrypt(bytes(value).decode()))


class ImportJob(TenantScoped, Base):
    """One uploaded roster: the file itself, the preview's errors and the import's counts."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(EncryptedBlob, nullable=False))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, 16), default=ImportStatus.UPLOADED
    )
    mode: Mapped[ImportMode | None] = mapped_column(str_enum(ImportMode, 16))
    progress: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = deferred(
        mapped_column(JSON, default=list, nullable=False)
    )
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode] if self.mode else ""

    @property
    def running(self) -> bool:
        return self.status in RUNNING
