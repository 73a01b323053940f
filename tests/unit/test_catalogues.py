"""Every message code and every enumerated value a person may read has words in both locales: the
Chinese one Chinese (not the English left in place), the English one present; the compiled catalogues
match their sources. The words come from the catalogues at the edge (services.common.messages)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import services
from services.common import locales
from services.common.messages import ENUMERATIONS, MESSAGES

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


def _declare_everything() -> None:
    importlib.import_module("services.common.shared_messages")
    importlib.import_module("services.common.errors")
    importlib.import_module("gateway.messages")  # the gateway's own refusals (domain `gateway`)
    for package in pkgutil.iter_modules(services.__path__):
        try:
            contracts = importlib.import_module(f"services.{package.name}.contracts")
        except ModuleNotFoundError:
            continue
        for module in pkgutil.walk_packages(getattr(contracts, "__path__", []), prefix=f"{contracts.__name__}."):
            importlib.import_module(module.name)


_declare_everything()


def _texts() -> list[tuple[str, str]]:
    found = [(f"message {m.code}", m.text) for m in MESSAGES.values()]
    found += [(f"{e.name}={c.value}", c.text) for e in ENUMERATIONS.values() for c in e.choices]
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_code_and_value_has_words_in_both_locales(locale):
    """Each code and enumeration is looked up in its own service's catalogue, as the edge does."""
    missing, english_in_chinese = [], []
    for what, text in _texts():
        domain = what.split(" ")[-1].split(".", 1)[0].split("=")[0]
        words = locales.translations(locale, domain).gettext(text)
        if locale == "en":
            if not words.strip():
                missing.append(what)
        elif words == text or not CJK.search(words):
            english_in_chinese.append(f"{what}: {words!r}")
    assert not missing, missing
    assert not english_in_chinese, "untranslated in zh-CN:\n" + "\n".join(english_in_chinese)


def test_a_message_renders_its_parameters_in_each_locale():
    from services.common.errors import Conflict
    from services.common.messages import render_code
    from services.common.shared_messages import NOT_FOUND

    error = Conflict(NOT_FOUND)
    assert render_code(error.message_code, error.message_params, locales.translations("zh_CN").gettext) == "未找到"
    assert render_code(error.message_code, error.message_params, locales.translations("en").gettext) == "Not found"


def test_the_compiled_catalogues_match_their_sources():
    for domain, folder in locales.domains():
        for locale in locales.LOCALES:
            po = folder / locale / "LC_MESSAGES" / f"{domain}.po"
            assert po.exists(), f"{po} is missing: python -m services.common.locales update {domain}"
            assert po.with_suffix(".mo").read_bytes() == locales.compiled(po), (
                f"{po.with_suffix('.mo')} is stale: python -m services.common.locales compile")


def test_every_declared_text_is_in_its_catalogue():
    """A text declared in code but never extracted would fall back to English in Chinese pages."""
    for domain, folder in locales.domains():
        extracted = {m.id for m in locales.extract(domain) if m.id}
        from babel.messages.pofile import read_po

        with (folder / "zh_Hans_CN" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            have = {m.id for m in read_po(handle) if m.id}
        assert extracted <= have, f"{domain}: run python -m services.common.locales update {domain}: " \
                                  f"{sorted(extracted - have)[:5]}"
