"""What the browser tests share: unique phones, ISO times, API checks, signing in through the page."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from tests.conftest import PASSWORD

_RUN = random.randrange(10_000, 99_999)
_SEQ = iter(range(100, 1000))


def run_id() -> int:
    return _RUN


def new_phone() -> str:
    """11 digits starting with 133, unique in this run."""
    return f"133{_RUN:05d}{next(_SEQ):03d}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def ok(response, status=200):
    assert response.status_code == status, \
        f"{response.request.method} {response.url}: {response.status_code} {response.text}"
    return response.json()


def sign_in(page, platform, person, start: str = "/web/"):
    page.goto(platform.url(start))
    assert "/web/login" in page.url  # pages need a sign-in, like the API
    page.fill("#phone", person.phone)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**{start}")


# WCAG 2.1 contrast of every piece of visible text against the background it is drawn on
# (the nearest ancestor with an opaque background colour), and the height of every control.
_AUDIT = """
() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.9) return c; }
    return {r: 255, g: 255, b: 255}; };
  const low = [], small = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || el.closest('svg') || el.closest('.skip')) continue;
    const rect = el.getBoundingClientRect(); if (!rect.width || !rect.height) continue;
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (text) {
      const fg = parse(style.color), bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
      const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
      if (ratio < needed && !el.disabled) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 20) + '" ' +
                                                  ratio.toFixed(2));
    }
    if (el.matches('button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea, ' +
                   'nav a, a.card, a.button, .chip')
        && rect.height < 44) {
      small.push(el.tagName + ' "' + (el.textContent || el.name || '').trim().slice(0, 20) + '" ' + rect.height);
    }
  }
  return {low, small};
}
"""


def audit(page) -> dict:
    """Text below WCAG 2.1 AA contrast, and controls shorter than 44 px, on the page as shown."""
    return page.evaluate(_AUDIT)
