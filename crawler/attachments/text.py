"""The text of an attachment file, read with well-kept libraries: pure (no network, Scrapy or database).

PDF through pypdf, DOCX through python-docx, XLSX and XLS through python-calamine (one line per row, cells
separated by tabs, each sheet under its name), DOC and the WPS files that are Word documents inside through
Debian's `antiword` when it is installed, and ZIP archives member by member. OFD has no maintained Python
reader that reads text reliably (easyofd could not read back the files it writes), so it is recorded as
`unsupported format`. Nothing here raises on a bad file: the reason goes into `FileText.error`.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePosixPath

# What an error says, so that the item page, the exports and the tests agree on the words.
NO_TEXT_LAYER = "no text layer"
UNSUPPORTED = "unsupported format"
NO_ANTIWORD = "antiword is not installed"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97-2003 and WPS files share it
# A ZIP inside a ZIP inside a ZIP is no notice's attachment; bounded so that a hostile archive stays cheap.
MAX_ZIP_DEPTH = 2
MAX_ZIP_MEMBERS = 50
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
ANTIWORD_TIMEOUT = 30.0
EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "zip")


@dataclass(frozen=True)
class FileText:
    """What a file says: its detected type, its text, and why there is no (or only partial) text."""

    file_type: str  # pdf | docx | xlsx | xls | doc | wps | ofd | zip | unknown
    text: str
    error: str | None = None


def extension(name: str) -> str:
    """The lower-case extension of a file name or URL path ('' when there is none)."""
    suffix = PurePosixPath(name.split("?", 1)[0]).suffix.lower().lstrip(".")
    return suffix if suffix.isalnum() else ""


def sniff(data: bytes, name: str = "") -> str:
    """The file type from its first bytes (a server's Content-Type and a link's extension often lie)."""
    ext = extension(name)
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    if data.startswith(OLE_MAGIC):
        # One container for three formats: the extension says which (WPS 文字 saves Word documents as .wps,
        # WPS 表格 Excel workbooks as .et).
        return {"xls": "xls", "et": "xls", "wps": "wps"}.get(ext, "doc")
    return ext if ext in ("pdf", "docx", "xlsx", "xls", "doc", "wps", "ofd") else "unknown"


def read_text(data: bytes, name: str = "") -> FileText:
    """The text of one file; a file that cannot be read keeps its type and gets an error with the reason."""
    return _read(data, name, depth=0)


def _read(data: bytes, name: str, depth: int) -> FileText:
    file_type = sniff(data, name)
    reader = READERS.get(file_type)
    if reader is None:
        return FileText(file_type, "", UNSUPPORTED)
    try:
        if file_type == "zip":
            return _zip(data, depth)
        text = _tidy(reader(data))
    except Exception as exc:  # noqa: BLE001 - every library has its own exceptions; the reason is kept
        return FileText(file_type, "", f"cannot read {file_type}: {type(exc).__name__}: {exc}"[:500])
    if file_type == "pdf" and not text:
        return FileText(file_type, "", NO_TEXT_LAYER)
    return FileText(file_type, text)


def _tidy(text: str) -> str:
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line.strip())


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets store every number as a float: 12.0 is a count of 12
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _workbook(data: bytes) -> str:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    lines: list[str] = []
    for sheet_name in workbook.sheet_names:
        lines.append(f"== {sheet_name} ==")
        for row in workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=True):
            cells = [_cell(value) for value in row]
            if any(cells):
                lines.append("\t".join(cells).rstrip("\t"))
    return "\n".join(lines)


def _antiword(data: bytes) -> str:
    binary = shutil.which("antiword")
    if binary is None:
        raise RuntimeError(NO_ANTIWORD)
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run(
            [binary, "-m", "UTF-8.txt", "-w", "0", handle.name],
            capture_output=True,
            timeout=ANTIWORD_TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip() or f"antiword exit {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def _zip(data: bytes, depth: int) -> FileText:
    if depth >= MAX_ZIP_DEPTH:
        return FileText("zip", "", "archive nested too deeply")
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts: list[str] = []
    problems: list[str] = []
    unpacked = 0
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members[:MAX_ZIP_MEMBERS]:
        unpacked += info.file_size
        if unpacked > MAX_UNPACKED_BYTES:
            problems.append(f"{info.filename}: archive larger than {MAX_UNPACKED_BYTES} bytes unpacked")
            break
        member = _read(archive.read(info), info.filename, depth + 1)
        if member.text:
            parts.append(f"== {info.filename} ==\n{member.text}")
        if member.error:
            problems.append(f"{info.filename}: {member.error}")
    if len(members) > MAX_ZIP_MEMBERS:
        problems.append(f"only the first {MAX_ZIP_MEMBERS} of {len(members)} members read")
    return FileText("zip", "\n".join(parts), "; ".join(problems) or None)


READERS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _workbook,
    "xls": _workbook,
    "doc": _antiword,
    "wps": _antiword,
    "zip": lambda data: "",  # handled by _zip, which needs the depth
}
