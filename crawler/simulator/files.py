"""The simulator's attachment files: real PDF, DOCX, XLSX, XLS and ZIP files with Chinese text.

Each file is written with the library the crawler reads it back with, or its sibling writer: fpdf2 (with
Debian's WenQuanYi Zen Hei CJK font, subset once per process with fontTools so each PDF is quick to write),
python-docx, openpyxl, xlwt (the only maintained-enough XLS writer; nothing on PyPI writes Word 97 DOC, so
DOC, WPS and OFD are covered by unit tests of the reader, not served here). Bytes are deterministic (fixed
creation dates), so ETags stay stable until the content really changes. On ATTACHMENT_EDIT_DAY one
notice's first attachment is replaced under the same URL, and the day's meeting report gets a scanned
PDF (an image, no text layer).
"""

from __future__ import annotations

import io
import logging
import random
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.simulator import phrases

if TYPE_CHECKING:
    from crawler.simulator.world import Article, World

ATTACHMENT_EDIT_DAY = 2
FILE_TYPES = ("pdf", "docx", "xlsx", "xls", "zip")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # every file's own creation date: stable bytes, stable ETags
SCANNED_NAME = "会议签到表（扫描件）"
REPLACED_LINE = "根据各地反馈意见，附件内容已作调整，请以本版本为准。"
FILE_CACHE_SIZE = 256


@dataclass(frozen=True)
class SimFile:
    """One attachment link of an article: its position, its label and the file type it serves."""

    n: int
    name: str
    file_type: str
    scanned: bool = False

    @property
    def filename(self) -> str:
        return f"W0{{uid}}_{self.n}.{self.file_type}"

    def label(self) -> str:
        return f"{self.n}.{self.name}.{self.file_type}"


def attachments_of(article: Article, world: World) -> list[SimFile]:
    """The attachments an article links: notices and policies have one or two, day 2's meeting a scan."""
    if article.kind in ("notice", "policy"):
        count = 1 + article.seed % 2
        return [
            SimFile(
                n,
                phrases.ATTACHMENTS[(article.seed >> (4 * n)) % len(phrases.ATTACHMENTS)],
                FILE_TYPES[(article.seed >> (3 * n + 1)) % len(FILE_TYPES)],
            )
            for n in range(1, count + 1)
        ]
    if article.uid == scanned_meeting(world):
        return [SimFile(1, SCANNED_NAME, "pdf", scanned=True)]
    from crawler.simulator.world import ANNOUNCEMENT  # world imports this module: import on use

    if article.kind == ANNOUNCEMENT:  # the reply form and, every other one, the list of attendees
        return [
            SimFile(n, name, ext)
            for n, (name, ext) in enumerate(phrases.MEETING_ATTACHMENTS[: 1 + article.seed % 2], start=1)
        ]
    return []


def scanned_meeting(world: World) -> int | None:
    """The meeting report published on ATTACHMENT_EDIT_DAY (the world always makes one), which has a scan."""
    events = world.events.get(ATTACHMENT_EDIT_DAY)
    for uid in events.new if events else ():
        article = world.get(uid)
        if article is not None and article.kind == "meeting":  # a report, not an announcement
            return uid
    return None


def choose_replaced(candidates: Iterable[Article], trs_sites: set[str], day: int) -> Article | None:
    """On ATTACHMENT_EDIT_DAY: the oldest TRS notice whose first attachment the regulator replaces."""
    if day != ATTACHMENT_EDIT_DAY:
        return None
    for article in candidates:
        if article.site in trs_sites and article.kind in ("notice", "policy") and not article.digest:
            article.file_edits.append(day)
            return article
    return None


def lines_of(article: Article, sim_file: SimFile, day: int) -> list[str]:
    """The file's text on `day`: a heading, a sentence only this file says, a small table, an edit line."""
    rng = random.Random(f"{article.seed}:file:{sim_file.n}")
    place, topic = rng.choice(phrases.PLACES), rng.choice(phrases.TOPICS)
    lines = [
        f"附件{sim_file.n}：{sim_file.name}",
        f"附件编号{article.uid}-{sim_file.n}，适用于{place}{topic}工作。",
        f"一、{topic}重点任务由{rng.choice(phrases.PEOPLE)}同志牵头落实。",
        f"二、{rng.choice(phrases.WATERS)}周边点位按月开展监测并报送结果。",
    ]
    if sim_file.n == 1 and any(edit_day <= day for edit_day in article.file_edits):
        lines.append(REPLACED_LINE)
    return lines


def rows_of(lines: list[str]) -> list[list[object]]:
    """The same lines as a table: a header row, then one numbered row per line."""
    return [["序号", "内容", "数量"]] + [[index, line, index * 10] for index, line in enumerate(lines, start=1)]


# --- writers ------------------------------------------------------------------------------------------


def pdf_bytes(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.add_font("cjk", fname=str(_font(lines)))
    pdf.set_font("cjk", size=12)
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf_bytes(seed: int) -> bytes:
    """A page that is only an image, as a scanner makes it: no text layer at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), 245)
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    for row in range(12):  # ruled lines and blots that look like handwriting, but are no text
        y = 80 + row * 55
        draw.line((60, y, 540, y), fill=120, width=2)
        for _ in range(6):
            x = rng.randint(70, 500)
            draw.ellipse((x, y - 20, x + rng.randint(10, 40), y - 5), fill=rng.randint(30, 90))
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.created = FIXED_DATE.replace(tzinfo=None)
    document.core_properties.modified = FIXED_DATE.replace(tzinfo=None)
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())


def xlsx_bytes(lines: list[str], sheet: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_DATE.replace(tzinfo=None)
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows_of(lines):
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return _stable_zip(out.getvalue())


def xls_bytes(lines: list[str], sheet: str) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    worksheet = workbook.add_sheet(sheet)
    for r, row in enumerate(rows_of(lines)):
        for c, value in enumerate(row):
            worksheet.write(r, c, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _stable_zip(data: bytes) -> bytes:
    """Office files are ZIPs stamped with the time of writing: restamp them so equal content is equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_bytes({info.filename: source.read(info) for info in source.infolist()})


def write_file(file_type: str, lines: list[str], name: str) -> bytes:
    """A file of `file_type` saying `lines` (a ZIP holds the same text as a DOCX and as an XLSX)."""
    sheet = name[:31]  # Excel's limit on sheet names
    if file_type == "pdf":
        return pdf_bytes(lines)
    if file_type == "docx":
        return docx_bytes(lines)
    if file_type == "xlsx":
        return xlsx_bytes(lines, sheet)
    if file_type == "xls":
        return xls_bytes(lines, sheet)
    if file_type == "zip":
        return zip_bytes({f"{name}.docx": docx_bytes(lines), f"{name}表.xlsx": xlsx_bytes(lines, sheet)})
    raise ValueError(f"the simulator writes no {file_type!r} files")


_CACHE: OrderedDict[tuple[int, int, bool], bytes] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def serve(article: Article, n: int, file_type: str, world: World, day: int) -> tuple[bytes, str, datetime] | None:
    """The bytes, content type and modification time of an article's n-th attachment on `day`."""
    sim_file = next((f for f in attachments_of(article, world) if f.n == n and f.file_type == file_type), None)
    if sim_file is None:
        return None
    replaced = sim_file.n == 1 and any(edit_day <= day for edit_day in article.file_edits)
    key = (article.uid, n, replaced)
    with _CACHE_LOCK:
        data = _CACHE.get(key)
    if data is None:
        if sim_file.scanned:
            data = scanned_pdf_bytes(article.seed)
        else:
            data = write_file(file_type, lines_of(article, sim_file, day), sim_file.name)
        with _CACHE_LOCK:
            _CACHE[key] = data
            while len(_CACHE) > FILE_CACHE_SIZE:
                _CACHE.popitem(last=False)
    modified = article.published
    if replaced:
        modified = datetime.combine(world.date_of(max(article.file_edits)), datetime.min.time()) + timedelta(hours=9)
    return data, CONTENT_TYPES[file_type], modified


# --- the CJK font --------------------------------------------------------------------------------------

_FONT_LOCK = threading.Lock()
_FONT: dict[str, Path] = {}


def _charset() -> str:
    """Every character the simulator's files can contain: the phrase tables plus ASCII and punctuation."""
    chars = set("".join(chr(c) for c in range(32, 127)) + "，。：；、（）〔〕《》“”！？—·一二三四五六七八九十附件编号适用于工作重点任务由同志牵头落实周边点位按月开展监测并报送结果序号内容数量根据各地反馈意见已作调整请以本版为准")
    chars.update(REPLACED_LINE, SCANNED_NAME)
    for value in vars(phrases).values():
        for text in _strings(value):
            chars.update(text)
    return "".join(sorted(chars))


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for element in value:
            yield from _strings(element)
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from _strings(key)
            yield from _strings(element)


def _font(lines: list[str]) -> Path:
    """A small TrueType subset of the CJK font (loading the whole 10 MB collection per PDF takes ~0.6 s)."""
    with _FONT_LOCK:
        if "path" not in _FONT:
            source = next((path for path in FONT_CANDIDATES if path.exists()), None)
            if source is None:
                raise FileNotFoundError("no CJK font: install Debian's fonts-wqy-zenhei")
            from fontTools import subset
            from fontTools.ttLib import TTFont

            # fontTools warns about every bitmap table it drops; the PDF needs only the outlines.
            logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

            font = TTFont(str(source), fontNumber=0)
            subsetter = subset.Subsetter(subset.Options())
            subsetter.populate(text=_charset())
            subsetter.subset(font)
            folder = Path(tempfile.mkdtemp(prefix="govwatch-font-"))
            path = folder / "cjk-subset.ttf"
            font.save(str(path))
            _FONT["path"] = path
        missing = set("".join(lines)) - set(_charset())
        if missing:
            raise ValueError(f"characters outside the simulator's font subset: {''.join(sorted(missing))}")
        return _FONT["path"]
