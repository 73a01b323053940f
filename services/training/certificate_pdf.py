"""The printable certificate: a one-page PDF with the holder, course, dates, code and a QR code.

Written directly as PDF 1.4 (a few hundred bytes of structure) rather than pulling in a PDF library:
Latin text is set in Helvetica, Chinese in STSong-Light — one of the standard Chinese fonts every PDF
reader provides (Adobe-GB1 character collection, `UniGB-UCS2-H` encoding), so nothing is embedded. The
QR code (segno) is drawn as vector squares and carries the verification link; the printed code below it
lets anyone check the certificate by typing it in.
"""

from __future__ import annotations

import zlib
from datetime import datetime

import segno

from services.training.models import Certificate

PAGE_WIDTH, PAGE_HEIGHT = 842, 595  # A4 landscape, in points

# Helvetica advance widths (AFM, 1/1000 em) for ASCII 32..126, to centre mixed-script lines.
_HELVETICA = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
]


def _runs(text: str) -> list[tuple[bool, str]]:
    """Split text into (is_latin, run) pieces: Latin runs use Helvetica, the rest STSong."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        latin = 32 <= ord(char) <= 126
        if runs and runs[-1][0] == latin:
            runs[-1] = (latin, runs[-1][1] + char)
        else:
            runs.append((latin, char))
    return runs


def text_width(text: str, size: float) -> float:
    return sum(_HELVETICA[ord(c) - 32] if 32 <= ord(c) <= 126 else 1000 for c in text) * size / 1000


def _show(text: str, size: float, x: float, y: float) -> str:
    parts = [f"BT {x:.2f} {y:.2f} Td"]
    for latin, run in _runs(text):
        if latin:
            escaped = run.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            parts.append(f"/F1 {size} Tf ({escaped}) Tj")
        else:
            encoded = "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF else "FF1F" for c in run)  # BMP only
            parts.append(f"/F2 {size} Tf <{encoded}> Tj")
    parts.append("ET")
    return " ".join(parts)


def _centred(text: str, size: float, y: float) -> str:
    return _show(text, size, (PAGE_WIDTH - text_width(text, size)) / 2, y)


def _qr_squares(data: str, *, x: float, y: float, size: float) -> str:
    """The QR code as filled rectangles (one per horizontal run of dark modules)."""
    rows = [list(row) for row in segno.make(data, error="m").matrix_iter(scale=1, border=0)]
    module = size / len(rows)
    ops = ["0 0 0 rg"]
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(f"{x + start * module:.3f} {top:.3f} {(c - start) * module:.3f} {module:.3f} re")
            else:
                c += 1
    ops.append("f")
    return "\n".join(ops)


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def render(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes."""
    expiry = (f"有效期至 / Valid until {_date(certificate.expires_at)}" if certificate.expires_at
              else "长期有效 / Does not expire")
    lines = [
        "0.62 0.09 0.09 RG 4 w 28 28 786 539 re S 1 w 38 38 766 519 re S",
        "0.62 0.09 0.09 rg", _centred(certificate.certificate_name, 28, 470), "0 0 0 rg",
        _centred("兹证明 / This is to certify that", 14, 420),
        _centred(certificate.holder_name, 30, 372),
        _centred(f"完成课程《{certificate.course_title}》并考核合格", 15, 330),
        _centred(f"has completed the course \"{certificate.course_title}\" and passed its assessment", 12, 308),
    ]
    if certificate.exam_score is not None:
        lines.append(_centred(f"考核成绩 / Exam score: {certificate.exam_score}", 12, 280))
    lines += [
        _centred(f"发证日期 / Issued {_date(certificate.issued_at)}    {expiry}", 12, 252),
        _centred(f"发证单位 / Issued by: {certificate.tenant_id}", 11, 230),
        _show(f"证书编号 / Certificate code: {certificate.code}", 14, 70, 120),
        _show("扫码或输入编号在线验证 / Scan, or enter the code, to verify:", 10, 70, 98),
        _show(verify_url, 9, 70, 82),
        _qr_squares(verify_url, x=664, y=62, size=120),
    ]
    if certificate.revoked_at is not None:
        lines += ["0.8 0 0 rg", _centred(f"本证书已于 {_date(certificate.revoked_at)} 撤销 / REVOKED", 22, 180),
                  "0 0 0 rg"]
    content = zlib.compress("\n".join(lines).encode("latin-1"))

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
         "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>").encode(),
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [7 0 R] >>",
        (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
         b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 8 0 R /DW 1000 >>"),
        (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
         b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"),
        f"<< /Title <{_utf16(certificate.certificate_name)}> /Producer (Fengchao training) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _utf16(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()
