"""The printable certificate, read as a person's PDF reader reads it: poppler (Debian's poppler-utils with
poppler-data, which knows the standard Chinese font STSong-Light) extracts its text and renders its page."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from PIL import Image

from services.training import certificate_pdf

VERIFY = "https://fengchao.example/verify/"


@dataclass
class Printed:
    """The fields `render` reads from a training Certificate row."""

    holder_name: str
    course_title: str
    code: str = "FC7K-2M9Q-X4TA"
    certificate_name: str = "快递员证 / Courier certificate"
    tenant_id: str = "hzvtc"
    exam_score: int | None = 95
    issued_at: datetime = datetime(2026, 12, 1, tzinfo=UTC)
    expires_at: datetime | None = datetime(2029, 12, 1, tzinfo=UTC)
    revoked_at: datetime | None = None


def _pdf(tmp_path: Path, certificate: Printed, name: str = "certificate.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(certificate_pdf.render(certificate, verify_url=VERIFY + certificate.code))  # type: ignore[arg-type]
    return path


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _page(pdf: Path) -> Image.Image:
    png = subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", str(pdf)], check=True,
                         capture_output=True).stdout
    return Image.open(BytesIO(png)).convert("L")


def _ink(image: Image.Image, top: int, bottom: int) -> int:
    """Dark pixels in a horizontal band (image rows counted from the top)."""
    band = image.crop((60, top, image.width - 60, bottom))
    return sum(1 for value in band.getdata() if value < 128)


def test_a_reader_finds_the_holder_the_course_the_code_and_the_link_in_chinese_and_english(tmp_path):
    text = _text(_pdf(tmp_path, Printed(holder_name="王师傅", course_title="快递员（初级）")))
    for expected in ("王师傅", "完成课程《快递员（初级）》并考核合格", "快递员证 / Courier certificate",
                     "考核成绩 / Exam score: 95", "有效期至 / Valid until 2029-12-01",
                     "证书编号 / Certificate code: FC7K-2M9Q-X4TA", VERIFY + "FC7K-2M9Q-X4TA"):
        assert expected in text, expected


def test_the_page_renders_with_the_holders_name_drawn_where_it_belongs(tmp_path):
    wang = _page(_pdf(tmp_path, Printed(holder_name="王师傅", course_title="快递员（初级）"), "wang.pdf"))
    liu = _page(_pdf(tmp_path, Printed(holder_name="刘女士", course_title="快递员（初级）"), "liu.pdf"))
    assert wang.size == liu.size and wang.width == 842  # A4 landscape (841.9 × 595.3 points) at 72 dpi
    name_band = (595 - 372 - 30, 595 - 372 + 8)  # the 30-point name line, baseline 372 from the bottom
    assert _ink(wang, *name_band) > 200 and _ink(liu, *name_band) > 200
    # The band is the name itself: another holder draws other pixels there, and the rest of the page agrees.
    assert list(wang.crop((0, *name_band[:1], 842, name_band[1])).getdata()) != \
        list(liu.crop((0, *name_band[:1], 842, name_band[1])).getdata())
    assert list(wang.crop((0, 0, 842, name_band[0])).getdata()) == list(liu.crop((0, 0, 842, name_band[0])).getdata())


def test_the_qr_code_is_drawn_in_the_lower_right_corner(tmp_path):
    page = _page(_pdf(tmp_path, Printed(holder_name="王师傅", course_title="快递员（初级）")))
    qr = page.crop((664, 595 - 62 - 120, 664 + 120, 595 - 62))
    dark = sum(1 for value in qr.getdata() if value < 128)
    assert 0.3 < dark / (120 * 120) < 0.7  # a QR code is roughly half dark modules


def test_a_revoked_certificate_says_so_on_its_face(tmp_path):
    text = _text(_pdf(tmp_path, Printed(holder_name="王师傅", course_title="快递员（初级）",
                                        revoked_at=datetime(2027, 3, 1, tzinfo=UTC))))
    assert "本证书已于 2027-03-01 撤销 / Revoked on 2027-03-01" in text
