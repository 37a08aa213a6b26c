"""What an uploaded workbook may cost, checked before openpyxl parses any of it.

An xlsx is a zip of XML parts. Every limit below is checked on the archive's directory (sizes,
compression ratio) or by one streaming pass of expat over each part, which keeps nothing but
counters: a part is refused before openpyxl builds a tree of it.

- the sum of the members' uncompressed sizes (zipfile never yields more than a member declares,
  so the declared file_size bounds what reading it can produce), each member's size and
  compression ratio, and the number of members;
- no document type declaration (DTD) in any part: no entities, so no "billion laughs" (openpyxl
  parses with defusedxml as a second line, see excel.py);
- the sheet's declared dimension and its number of rows;
- the elements inside one row (or one shared string), which openpyxl holds in memory together,
  and the elements outside rows, which it never frees while reading a part;
- the length of one text, at most what Excel itself can store in a cell.
"""

import io
import re
import zipfile
from typing import Any
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

MAX_MEMBERS = 1_000
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_SHARED_STRINGS = 32 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # smaller members may compress as well as they like
MAX_SHEET_ROWS = 200_000
MAX_SHEET_COLUMNS = 1_024
MAX_RECORD_ELEMENTS = 4_096
MAX_LOOSE_ELEMENTS = 250_000
MAX_TEXT = 32_767
CHUNK = 1024 * 1024

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RECORDS = {f"{MAIN_NS} row", f"{MAIN_NS} si"}  # a sheet's row, a shared string
ROW = f"{MAIN_NS} row"
DIMENSION = f"{MAIN_NS} dimension"

MB = 1024 * 1024
NOT_EXCEL = "文件不是有效的 Excel（.xlsx）文件。请使用下载的模板填写，并以 .xlsx 格式保存后上传"
HOSTILE_XML = (
    "文件中含有 XML 文档类型或实体声明（DTD），正常的 Excel 文件不会有，"
    "可能是恶意构造的文件，已拒绝读取"
)
ROOM = "请删除多余的行、列和格式（或把数据复制到新的工作簿）后再上传"


class LimitExceeded(ValueError):
    """The workbook is over a limit; the message says which, in Chinese."""


def check_archive(content: bytes) -> None:
    """Refuse an archive over a limit, or any XML part over one, before it is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            _check_directory(infos)
            for info in infos:
                if not info.is_dir():
                    _scan_member(archive, info)
    except LimitExceeded:
        raise
    except (
        zipfile.BadZipFile,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
    ) as exc:
        # a broken archive, an encrypted or oddly compressed member, a CRC that does not match
        raise LimitExceeded(NOT_EXCEL) from exc


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise LimitExceeded(
            f"文件包含 {len(infos)} 个部件，超过上限 {MAX_MEMBERS} 个，不是正常的 Excel 文件"
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED:
        raise LimitExceeded(
            f"文件解压后有 {total // MB} MB，超过上限 {MAX_UNZIPPED // MB} MB。"
            "请删除多余的空行、格式或图片后再上传"
        )
    shared = sum(i.file_size for i in infos if i.filename.endswith("sharedStrings.xml"))
    if shared > MAX_SHARED_STRINGS:
        raise LimitExceeded(
            f"文件中的文字表（sharedStrings.xml）解压后有 {shared // MB} MB，"
            f"超过上限 {MAX_SHARED_STRINGS // MB} MB。请删除多余的内容后再上传"
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise LimitExceeded(
                f"文件中的部件“{info.filename[:100]}”压缩比异常（{ratio}:1，上限 {MAX_RATIO}:1），"
                "可能是恶意构造的压缩包，已拒绝读取"
            )


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream one member through expat. Where it is not XML (an image) or stops being well-formed,
    the scan stops there: openpyxl's parser (expat too) would stop at the same byte, so whatever it
    could build has been counted, and the verdict on the broken part is left to it."""
    scan = _PartScan(info.filename)
    with archive.open(info) as stream:
        try:
            while chunk := stream.read(CHUNK):
                scan.parser.Parse(chunk, False)
            scan.parser.Parse(b"", True)
        except expat.ExpatError:
            return


def _dimension_size(ref: str) -> tuple[int, int] | None:
    """(rows, columns) the reference A1:XFD1048576 spans, or None when it is not one."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?", ref)
    if not match:
        return None
    first_col, first_row, last_col, last_row = match.groups()
    last_col, last_row = last_col or first_col, last_row or first_row
    columns = column_index_from_string(last_col.upper()) - column_index_from_string(
        first_col.upper()
    )
    return int(last_row) - int(first_row) + 1, abs(columns) + 1


class _PartScan:
    """Counters for one XML part, fed by expat's callbacks; keeps no element."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.loose = 0
        self.record = ""
        self.record_depth = 0
        self.in_record = 0
        self.text = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text, parser.buffer_size = True, CHUNK
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.EntityDeclHandler = self._refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        self.parser = parser

    def _refuse_dtd(self, *_args: Any) -> None:
        raise LimitExceeded(HOSTILE_XML)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.text = 0
        if self.record_depth:
            self.record_depth += 1
            self.in_record += 1
            if self.in_record > MAX_RECORD_ELEMENTS:
                where = f"工作表第{self.rows}行" if self.record == ROW else "文字表中的一段文字"
                raise LimitExceeded(
                    f"{where}包含的单元格和格式超过上限（{MAX_RECORD_ELEMENTS} 个）。" + ROOM
                )
            return
        if tag in RECORDS:
            self.record, self.record_depth, self.in_record = tag, 1, 0
            if tag == ROW:
                self.rows += 1
                if self.rows > MAX_SHEET_ROWS:
                    raise LimitExceeded(
                        f"工作表超过 {MAX_SHEET_ROWS} 行（含空行和带格式的行）。" + ROOM
                    )
            return
        self.loose += 1
        if self.loose > MAX_LOOSE_ELEMENTS:
            raise LimitExceeded(f"文件中的部件“{self.name[:100]}”内容过多，无法读取。" + ROOM)
        if tag == DIMENSION:
            self._check_dimension(attrs.get("ref", ""))

    def _end(self, _tag: str) -> None:
        self.text = 0
        if self.record_depth:
            self.record_depth -= 1

    def _data(self, data: str) -> None:
        self.text += len(data)
        if self.text > MAX_TEXT:
            raise LimitExceeded(
                f"有单元格的内容超过 {MAX_TEXT} 个字符（Excel 单元格的上限），无法读取。"
                "请检查文件后再上传"
            )

    def _check_dimension(self, ref: str) -> None:
        size = _dimension_size(ref)
        if size and (size[0] > MAX_SHEET_ROWS or size[1] > MAX_SHEET_COLUMNS):
            raise LimitExceeded(
                f"工作表声明的范围 {ref} 过大（{size[0]} 行、{size[1]} 列；"
                f"上限 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列）。" + ROOM
            )
