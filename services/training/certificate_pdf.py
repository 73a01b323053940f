"""The printable certificate: a one-page A4 landscape PDF with the holder, course, dates, code and a QR code.

Drawn with reportlab. Chinese is set in STSong-Light, one of the standard Chinese CID fonts that every PDF
reader provides (Adobe-GB1), so no font file is embedded and the PDF stays a few kilobytes; Latin text is
set in Helvetica, whose metrics reportlab knows, so mixed lines are centred correctly. The QR code carries
the verification link; it is drawn from segno's matrix (the platform's one QR library) as vector squares,
and the printed code below lets anyone check the certificate by typing it in. Every line is set in Chinese
and in English, its words from the training catalogue (contracts.messages, CERTIFICATE_*).
"""

from __future__ import annotations

import io
from datetime import datetime

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from services.common.locales import translations
from services.common.messages import Message, Translate
from services.training.contracts.messages import (
    CERTIFICATE_CERTIFY,
    CERTIFICATE_CODE,
    CERTIFICATE_COMPLETED,
    CERTIFICATE_EXAM_SCORE,
    CERTIFICATE_ISSUED_BY,
    CERTIFICATE_ISSUED_ON,
    CERTIFICATE_NO_EXPIRY,
    CERTIFICATE_REVOKED_ON,
    CERTIFICATE_SCAN,
    CERTIFICATE_VALID_UNTIL,
)
from services.training.models import Certificate

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CHINESE_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
SEAL_RED = Color(0.62, 0.09, 0.09)
REVOKED_RED = Color(0.8, 0, 0)

pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font, run) pieces: printable ASCII in Helvetica, everything else in STSong."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = LATIN_FONT if 32 <= ord(char) <= 126 else CHINESE_FONT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(text))


def _show(canvas: Canvas, text: str, size: float, x: float, y: float) -> None:
    for font, run in _runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def _centred(canvas: Canvas, text: str, size: float, y: float) -> None:
    _show(canvas, text, size, (PAGE_WIDTH - text_width(text, size)) / 2, y)


def _qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per horizontal run of dark modules."""
    rows = [list(row) for row in segno.make(data, error="m").matrix_iter(scale=1, border=0)]
    module = size / len(rows)
    canvas.setFillColor(black)
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            canvas.rect(x + start * module, top, (c - start) * module, module, stroke=0, fill=1)


def _chinese() -> Translate:
    return translations("zh_CN", "training").gettext


def _english() -> Translate:
    return translations("en", "training").gettext


def _both(line: Message, **params: str) -> str:
    """A line of the certificate in Chinese, a slash, then in English, both from the training catalogue
    (the printed page is read by either language)."""
    return f"{line.render(_chinese(), params)} / {line.render(_english(), params)}"


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def render(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(certificate.certificate_name)
    canvas.setAuthor(certificate.tenant_id)
    canvas.setProducer("Fengchao training")

    canvas.setStrokeColor(SEAL_RED)
    canvas.setLineWidth(4)
    canvas.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56)
    canvas.setLineWidth(1)
    canvas.rect(38, 38, PAGE_WIDTH - 76, PAGE_HEIGHT - 76)

    canvas.setFillColor(SEAL_RED)
    _centred(canvas, certificate.certificate_name, 28, 470)
    canvas.setFillColor(black)
    _centred(canvas, _both(CERTIFICATE_CERTIFY), 14, 420)
    _centred(canvas, certificate.holder_name, 30, 372)
    course = {"course": certificate.course_title}
    _centred(canvas, CERTIFICATE_COMPLETED.render(_chinese(), course), 15, 330)
    _centred(canvas, CERTIFICATE_COMPLETED.render(_english(), course), 12, 308)
    if certificate.exam_score is not None:
        _centred(canvas, f"{_both(CERTIFICATE_EXAM_SCORE)}: {certificate.exam_score}", 12, 280)
    expiry = (f"{_both(CERTIFICATE_VALID_UNTIL)} {_date(certificate.expires_at)}" if certificate.expires_at
              else _both(CERTIFICATE_NO_EXPIRY))
    _centred(canvas, f"{_both(CERTIFICATE_ISSUED_ON)} {_date(certificate.issued_at)}    {expiry}", 12, 252)
    _centred(canvas, f"{_both(CERTIFICATE_ISSUED_BY)}: {certificate.tenant_id}", 11, 230)
    _show(canvas, f"{_both(CERTIFICATE_CODE)}: {certificate.code}", 14, 70, 120)
    _show(canvas, f"{_both(CERTIFICATE_SCAN)}:", 10, 70, 98)
    _show(canvas, verify_url, 9, 70, 82)
    _qr(canvas, verify_url, x=664, y=62, size=120)
    if certificate.revoked_at is not None:
        canvas.setFillColor(REVOKED_RED)
        _centred(canvas, _both(CERTIFICATE_REVOKED_ON, date=_date(certificate.revoked_at)), 22, 180)

    canvas.showPage()
    canvas.save()
    return out.getvalue()
