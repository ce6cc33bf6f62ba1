r"""The numbers behind common claims about the 2025 US–Japan tariff talks.

Each input is a sourced constant (:class:`Fact`, value, unit, date, source);
each computation is a small pure function; :func:`findings` puts them
together for the ``dealspace facts`` command. Inputs come from
``../shared/facts/tariffs-2025.md`` unless their source says otherwise.

Ad valorem equivalent (AVE) of a specific duty
    :math:`\mathrm{AVE} = d / p`, with :math:`d` the duty per kilogram and
    :math:`p` the import (customs) price per kilogram; a claimed AVE
    :math:`a` implies the price :math:`p = d / a`.

Averages of tariffs
    simple :math:`\bar t = \frac1n\sum_k t_k`; trade-weighted
    :math:`\bar t_w = \sum_k m_k t_k / \sum_k m_k` with import values
    :math:`m_k`. Prohibitive tariffs get little weight in the second.

The "reciprocal" formula of 2 April 2025
    :math:`r = \max(\tfrac12 (M - X)/M,\ 10\%)` with US imports :math:`M`
    and exports :math:`X` of goods with the partner: the deficit ratio
    :math:`(M-X)/M` is what was presented as the partner's tariff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dealspace.economy.gravity import Economy
from dealspace.errors import DealspaceError

FACTS_FILE = "../shared/facts/tariffs-2025.md"


@dataclass(frozen=True)
class Fact:
    """A sourced input number."""

    value: float
    unit: str
    date: str
    source: str


@dataclass(frozen=True)
class Finding:
    """A computed number, the claim it checks and the inputs it uses."""

    topic: str
    claim: str
    value: float
    unit: str
    explanation: str
    inputs: tuple[Fact, ...]


RICE_DUTY = Fact(341.0, "JPY/kg", "2025-03-14", "specific duty on polished rice outside the 770,000 t quota; Jiji/nippon.com 14 Mar 2025 (facts file, 'Rice: actual tariff')")
RICE_CLAIM = Fact(7.00, "AVE", "2025-03-11", "'700 %' — Leavitt 11 Mar 2025, Trump 2 Apr 2025 (facts file, 'Rice: US claim')")
RICE_AVE_MAFF_2005 = Fact(7.78, "AVE", "2005-06-10", "MAFF conversion for WTO talks on 1986–88 reference prices; Japan Times 10 Jun 2005 (facts file)")
RICE_AVE_1996_98 = Fact(4.90, "AVE", "2005-06-10", "earlier published AVE on 1996–98 import prices; Japan Times 10 Jun 2005, https://japantimes.co.jp/news/2005/06/10/business/rice-tariff-778-with-new-wto-formula (not in the facts file)")
RICE_AVE_NIKKEI = Fact(4.00, "AVE", "2025-03", "Nikkei estimate 'closer to ~400 % at current prices' (facts file, 'Rice: actual tariff')")
RICE_TENDER_PRICE = Fact(75.907, "JPY/kg", "2019-09-20", "MAFF ordinary minimum-access tender, US and Thai milled rice, average ¥75,907/t excl. tax; maff.go.jp via vietfood.org.vn (not in the facts file)")
RICE_RETAIL_CALROSE = Fact(700.0, "JPY/kg", "2025-06", "California rice on Japanese shelves, about ¥3,500 per 5 kg bag (duty paid); NHK June 2025 via daily8.com (not in the facts file)")

US_IMPORTS_JPN_2024 = Fact(148.2, "bn USD", "2024", "US goods imports from Japan, Census via usafricaonline 23 Jul 2025 (facts file)")
US_EXPORTS_JPN_2024 = Fact(79.7, "bn USD", "2024", "US goods exports to Japan, USTR/Census as quoted (secondary; facts file)")
JPN_CLAIM_46 = Fact(0.46, "rate", "2025-04-02", "'46 %' tariff Japan charges the US, USTR chart of 2 Apr 2025 (facts file)")
JPN_RECIPROCAL = Fact(0.24, "rate", "2025-04-02", "US 'reciprocal' rate on Japan, 2 Apr 2025 (facts file)")
JPN_SURPLUS_FY2024 = Fact(9.0, "tn JPY", "FY2024", "Japan's surplus with the US in Japanese data, ¥9 tn (~$63 bn); AP via Star Tribune 17 Apr 2025 (facts file)")
JPN_WEIGHTED_TARIFF = Fact(0.0184, "rate", "2021", "Japan, applied tariff, weighted mean, all products (World Bank WDI TM.TAX.MRCH.WM.AR.ZS) via macrotrends.net (not in the facts file)")


def ad_valorem_equivalent(duty_per_kg: float, price_per_kg: float) -> float:
    """AVE of a specific duty: ``duty / price`` (3.0 = 300 %)."""
    if price_per_kg <= 0 or duty_per_kg < 0:
        raise DealspaceError.single("ad_valorem_equivalent", f"price {price_per_kg}, duty {duty_per_kg}", "use a price > 0 and a duty >= 0")
    return duty_per_kg / price_per_kg


def implied_price(duty_per_kg: float, ave: float) -> float:
    """Import price at which a specific duty equals the ad valorem rate ``ave``: ``duty / ave``."""
    if ave <= 0:
        raise DealspaceError.single("implied_price", f"AVE {ave}", "use an AVE > 0")
    return duty_per_kg / ave


def tariff_averages(rates: Mapping[str, float], imports: Mapping[str, float]) -> tuple[float, float]:
    """Simple and import-weighted averages of ``rates`` over the partners in ``rates``.

    Raises
    ------
    DealspaceError
        If a partner lacks an import value or all weights are zero.
    """
    codes = list(rates)
    missing = [c for c in codes if c not in imports]
    if missing:
        raise DealspaceError.single("tariff_averages", f"no import value for {missing[:8]}", "give imports for every partner")
    t = np.array([rates[c] for c in codes], dtype=float)
    m = np.array([imports[c] for c in codes], dtype=float)
    if m.sum() <= 0:
        raise DealspaceError.single("tariff_averages", "all import weights are zero", "give positive imports")
    return float(t.mean()), float(np.sum(t * m) / m.sum())


def reciprocal_rate(us_imports: float, us_exports: float, floor: float = 0.10) -> tuple[float, float]:
    """The 2 April 2025 formula: ``(deficit ratio (M-X)/M, max(ratio/2, floor))``."""
    if us_imports <= 0:
        raise DealspaceError.single("reciprocal_rate", f"imports {us_imports}", "use imports > 0")
    ratio = (us_imports - us_exports) / us_imports
    return ratio, max(ratio / 2, floor)


def findings(economy: Economy, home: str = "USA", partner: str = "JPN") -> list[Finding]:
    """The computed numbers, in the order the CLI prints them.

    ``economy`` supplies the US import weights and the BACI goods balance
    (the embedded data, or the study's 194 countries); it must carry
    announced rates in ``economy.rates["liberation-day"]``.
    """
    duty = RICE_DUTY.value
    out = [
        Finding("rice", "'700 %' rice tariff", implied_price(duty, RICE_CLAIM.value), "JPY/kg",
                "import price at which ¥341/kg equals 700 %; 778 % (MAFF 2005) rests on 1986–88 prices",
                (RICE_DUTY, RICE_CLAIM, RICE_AVE_MAFF_2005)),
        Finding("rice", "AVE at the 2019 import tender price", 100 * ad_valorem_equivalent(duty, RICE_TENDER_PRICE.value), "%",
                "¥341/kg over the MAFF tender price of ¥75.9/kg", (RICE_DUTY, RICE_TENDER_PRICE)),
        Finding("rice", "AVE 'at current prices' (Nikkei ~400 %)", implied_price(duty, RICE_AVE_NIKKEI.value), "JPY/kg",
                "import price implied by the Nikkei figure; 490 % on 1996–98 prices implies "
                f"¥{implied_price(duty, RICE_AVE_1996_98.value):.1f}/kg", (RICE_DUTY, RICE_AVE_NIKKEI, RICE_AVE_1996_98)),
        Finding("rice", "duty share of the shelf price of US rice, 2025", 100 * duty / RICE_RETAIL_CALROSE.value, "%",
                "¥341 of about ¥700/kg retail for duty-paid California rice: the duty is about half the price",
                (RICE_DUTY, RICE_RETAIL_CALROSE)),
    ]
    ratio, rate = reciprocal_rate(US_IMPORTS_JPN_2024.value, US_EXPORTS_JPN_2024.value)
    out.append(Finding("averages", "'46 %' tariff charged by Japan", 100 * ratio, "%",
                       f"US goods deficit / US imports from Japan, 2024; halved: {100 * rate:.1f} % (announced 24 %); "
                       f"Japan's trade-weighted applied tariff: {100 * JPN_WEIGHTED_TARIFF.value:.2f} %",
                       (US_IMPORTS_JPN_2024, US_EXPORTS_JPN_2024, JPN_CLAIM_46, JPN_RECIPROCAL, JPN_WEIGHTED_TARIFF)))
    us = economy.index(home)
    announced = economy.rates.get("liberation-day", {})
    rates = {c: max(announced[c], 0.10) for c in economy.iso3 if c != home and c in announced}
    if not rates:
        raise DealspaceError.single("findings", "the economy carries no announced US rates", "use the embedded data or the study's folder")
    imports = {c: float(economy.flows[economy.index(c), us]) for c in rates}
    simple, weighted = tariff_averages(rates, imports)
    data_fact = Fact(float(sum(imports.values())), economy.unit, "2023", f"US goods imports by partner: {economy.source}")
    rate_fact = Fact(float(len(rates)), "partners", "2025-04-02", "announced US rates floored at 10 % (study's tariffs.csv / embedded tariffs_2025.csv)")
    out.append(Finding("averages", "average 2 April rate, simple", 100 * simple, "%", f"unweighted mean over {len(rates)} partners", (rate_fact,)))
    out.append(Finding("averages", "average 2 April rate, US-import-weighted", 100 * weighted, "%",
                       "weighted by 2023 US imports from each partner", (rate_fact, data_fact)))
    p = economy.index(partner)
    scale = {"thousand USD": 1e-6, "million USD": 1e-3}.get(economy.unit, float("nan"))
    balance = (economy.flows[us, p] - economy.flows[p, us]) * scale
    out.append(Finding("balance", "US–Japan goods balance 2024 (US data)", US_EXPORTS_JPN_2024.value - US_IMPORTS_JPN_2024.value, "bn USD",
                       "US exports to minus imports from Japan", (US_EXPORTS_JPN_2024, US_IMPORTS_JPN_2024)))
    out.append(Finding("balance", "US–Japan goods balance 2023 (BACI)", float(balance), "bn USD",
                       f"US exports {economy.flows[us, p] * scale:.1f} bn, imports {economy.flows[p, us] * scale:.1f} bn (BACI: reconciled FOB values)",
                       (Fact(float(balance), "bn USD", "2023", economy.source),)))
    out.append(Finding("balance", "Japan's surplus with the US, FY2024 (Japanese data)", JPN_SURPLUS_FY2024.value, "tn JPY",
                       "Japanese customs data; differs from US data by valuation and timing", (JPN_SURPLUS_FY2024,)))
    return out
