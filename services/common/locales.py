"""The services' Babel catalogues: where the words of message codes and enumerations come from.

Each service keeps its catalogue beside its contracts, `services/<name>/translations/<locale>/
LC_MESSAGES/<name>.po` (compiled to `.mo`, both committed), domain = the service's name; the common
messages are `services/common/translations`, domain `common`. The edge (the gateway, the notification
templates) asks for `translations(locale)`: every service's catalogue merged, ready for `gettext`.

    python -m services.common.locales update   # extract the English texts, merge them into every .po
    python -m services.common.locales compile  # .po → .mo (the suite fails on a stale .mo)

Extraction reads the calls `message(code, text)` and `choice(value, text)` (services.common.messages)
in `contracts/` and in the common modules, so a text exists in the catalogue the moment it is declared.
"""

from __future__ import annotations

import argparse
import functools
import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

from services.common.messages import Message

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("zh_Hans_CN", "en")
KEYWORDS = {"message": (2,), "choice": (2,)}
# Folders whose Python files declare texts, per catalogue (domain).
SOURCES: dict[str, tuple[str, ...]] = {
    "common": ("services/common/shared_messages.py", "services/common/errors.py", "services/common/personal_data.py"),
    # The gateway's own refusals; its catalogue shares flask-babel's folder (domain `messages`, the pages).
    "gateway": ("gateway/messages.py",),
}
SERVICE_DOMAINS = ("jobs", "training", "governance", "points", "notifications")


def domains() -> Iterator[tuple[str, Path]]:
    """(domain, its translations folder) for every catalogue that exists."""
    yield "common", ROOT / "services" / "common" / "translations"
    for name in SERVICE_DOMAINS:
        folder = ROOT / "services" / name / "translations"
        if folder.is_dir():
            yield name, folder
    yield "gateway", ROOT / "gateway" / "translations"


def folder_of(domain: str) -> Path:
    """Where `domain`'s catalogues live: `services/<name>/translations`, the gateway's beside its pages'."""
    return dict(domains()).get(domain, ROOT / "services" / domain / "translations")


def _sources(domain: str) -> tuple[str, ...]:
    return SOURCES.get(domain, (f"services/{domain}/contracts",))


def extract(domain: str) -> Catalog:
    template = Catalog(domain=domain, project="Fengchao")
    for source in _sources(domain):
        path = ROOT / source
        if path.is_file():
            found = extract_from_dir(str(path.parent), method_map=[(path.name, "python")],
                                     keywords=KEYWORDS, comment_tags=("TRANSLATORS:",))
        else:
            found = extract_from_dir(str(path), method_map=[("**.py", "python")], keywords=KEYWORDS,
                                     comment_tags=("TRANSLATORS:",))
        for filename, lineno, text, comments, context in found:
            template.add(text, locations=[(f"{source}/{filename}" if path.is_dir() else source, lineno)],
                         auto_comments=comments, context=context)
    return template


def update(domain: str, folder: Path) -> None:
    """Merge the extracted texts into each locale's .po; the English one translates a text to itself."""
    template = extract(domain)
    for locale in LOCALES:
        po = folder / locale / "LC_MESSAGES" / f"{domain}.po"
        if po.exists():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale, domain=domain)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, domain=domain, project="Fengchao")
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            for entry in catalog:
                if entry.id and not entry.string:
                    entry.string = entry.id
        with po.open("wb") as handle:
            write_po(handle, catalog, width=110, omit_header=False, ignore_obsolete=True)


def compiled(po: Path) -> bytes:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for domain, folder in domains():
        for locale in LOCALES:
            po = folder / locale / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                po.with_suffix(".mo").write_bytes(compiled(po))


@functools.lru_cache(maxsize=32)
def translations(locale: str, domain: str | None = None) -> NullTranslations:
    """The catalogue of `domain` (a service, or "common") for `locale` ("zh_CN", "zh_Hans_CN" or "en"),
    falling back to the common one; without a domain every catalogue merged (for texts whose owner is
    unknown, such as a field message). A code or an enumeration names its domain (`jobs.post_closed`), so
    two services may translate the same English word differently."""
    wanted = "en" if locale.startswith("en") else "zh_Hans_CN"
    merged: Translations | None = None
    for name, folder in _ordered(domain):
        found = Translations.load(str(folder), [wanted], name)
        if not isinstance(found, Translations):
            continue
        if merged is None:
            merged = found
        else:
            merged.merge(found)
    return merged if merged is not None else NullTranslations()


def _ordered(domain: str | None) -> list[tuple[str, Path]]:
    """The catalogues to merge, the last winning a text they share (babel's merge overrides): the common
    one, then the domain's own."""
    every = list(domains())
    if domain is None:
        return every
    return [d for d in every if d[0] == "common" and domain != "common"] + [d for d in every if d[0] == domain]


def stored_words(message: Message) -> str:
    """Words written INTO a record rather than rendered at the edge (the name left on an erased person's
    rows): the platform's first language, Simplified Chinese, from the catalogue of the message's domain."""
    return message.render(translations("zh_Hans_CN", message.code.split(".", 1)[0]).gettext)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("update", "compile"))
    parser.add_argument("domains", nargs="*",
                        help="common, jobs, training, governance, points, notifications, gateway (default: all)")
    args = parser.parse_args(argv)
    if args.action == "update":
        wanted = set(args.domains) or {"common", *SERVICE_DOMAINS, "gateway"}
        for domain in sorted(wanted):
            update(domain, folder_of(domain))
    compile_all()


if __name__ == "__main__":
    main()
