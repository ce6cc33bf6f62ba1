"""Compile dealspace's embedded trade data: the Liberation Day study's 2023 data plus Taiwan.

Reads, relative to the repository root,

- the replication data of Ignatenko, Lashkaripour, Macedoni and Simonovska
  (2025) in ``../shared/data/ge/ignatenko2025_liberation_day`` (BACI 2023
  goods flows and WDI GDP for 194 countries, thousand USD), builds the
  194-country baseline exactly as the study does (domestic absorption from
  GDP, calibrated local shares) and aggregates it to 13 regions;
- OECD ICIO (2023 edition), year 2022, as packaged by Lashkaripour's
  ``tariffwar`` in ``../shared/data/ge/tariffwar/ICIO2022.mat`` (million
  USD), for Taiwan, which the study's 194 countries leave out (BACI reports it
  as "Other Asia, nes", code 490/S19);
- ``../shared/facts/tariffs-2025.md`` to check the rates typed in below;

and writes, into ``src/dealspace/economy/data/``:

- ``trade_2023.csv``   exporter, importer, value (million USD; diagonal =
  domestic absorption)
- ``regions_2023.csv`` iso3, name, gdp (million USD), local_share, members
- ``tariffs_2025.csv`` US rates per region: announced on 2 April 2025 and
  negotiated in 2025, with dates and sources

Taiwan (TWN) is appended as a 14th region: its goods exports to and imports
from each of the other 13 regions and its domestic goods absorption are
ICIO's 2022 values (the 27 goods sectors, services aggregate excluded), kept
at 2022 values. ROW is not reduced: Taiwan's trade is in none of the study's
194 countries, so none of it is in ROW (the script checks that TWN is not
among them). See ``src/dealspace/economy/data/SOURCES.md``.

Needs ``h5py`` to read the MATLAB v7.3 file (``.venv/bin/pip install h5py``;
not a dependency of the package). Run from the repository root:
``.venv/bin/python scripts/compile_trade_data.py``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dealspace.economy import aggregate, build_economy, load_study

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(
    os.environ.get("DEALSPACE_SHARED", ROOT.parent / "shared")
)  # ../shared; override for worktrees
STUDY = SHARED / "data" / "ge" / "ignatenko2025_liberation_day"
ICIO = SHARED / "data" / "ge" / "tariffwar" / "ICIO2022.mat"
FACTS = SHARED / "facts" / "tariffs-2025.md"
OUT = ROOT / "src" / "dealspace" / "economy" / "data"

SINGLE = {
    "USA": "United States",
    "JPN": "Japan",
    "CHN": "China",
    "GBR": "United Kingdom",
    "CAN": "Canada",
    "MEX": "Mexico",
    "KOR": "South Korea",
    "VNM": "Vietnam",
    "IND": "India",
    "AUS": "Australia",
    "CHE": "Switzerland",
}
TAIWAN = "TWN"
ORDER = [
    "USA",
    "JPN",
    "CHN",
    "EU",
    "GBR",
    "CAN",
    "MEX",
    "KOR",
    "VNM",
    "IND",
    "AUS",
    "CHE",
    TAIWAN,
    "ROW",
]
NAMES = {**SINGLE, "EU": "European Union (27)", TAIWAN: "Taiwan", "ROW": "Rest of world"}
FLOOR = 0.10

LD_SOURCE = "Ignatenko et al. (2025) replication data, tariffs.csv (USTR list of 2 April 2025), floored at 10 %"
# Taiwan is not in the study's tariffs.csv; the rate is row "Other 2 Apr rates" of section A of the facts file.
TWN_LD = (
    0.32,
    "Yano Research 22 Apr 2025 https://www.yanoresearch.com/hirameki/536 (Taiwan is not in the study's tariffs.csv)",
)
# Negotiated rates recorded in ../shared/facts/tariffs-2025.md (section A and C). None is recorded for Taiwan.
DEALS = {
    "JPN": (0.15, "2025-07-22", "US-Japan deal, 15 % all-in; EO 14345 of 4 Sep 2025 (90 FR 43535)"),
    "EU": (0.15, "2025-07-27", "US-EU Turnberry framework, 15 % all-in ceiling"),
    "GBR": (0.10, "2025-05-08", "US-UK Economic Prosperity Deal, 10 % baseline kept"),
    "KOR": (0.15, "2025-07-30", "US-Korea framework, 15 % incl. autos"),
    "VNM": (0.20, "2025-07-02", "US-Vietnam deal, 20 % (40 % on transshipment)"),
    "CHE": (0.15, "2025-11-14", "US-Switzerland MOU, 39 % cut to 15 %"),
    "CHN": (
        0.20,
        "2025-10-30",
        "Busan truce: 10 % reciprocal + fentanyl tariff cut to 10 % (excl. pre-2025 s.301)",
    ),
    "IDN": (0.19, "2025-07-22", "US-Indonesia deal, 32 % cut to 19 % (in ROW here)"),
    "PHL": (0.19, "2025-07-22", "US-Philippines deal, 19 % (in ROW here)"),
}


def read_icio(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """ICIO cube of tariffwar's ``.mat``: countries, goods sectors and goods flows X[j, i, k] (million USD).

    MATLAB stores ``data.Xjik_3D`` (exporter j, importer i, sector k)
    column-major, so h5py reads it as [k, i, j]. The services aggregate
    (``data.services_sector``, 1-based) is dropped.
    """
    try:
        import h5py  # only this script needs it
    except ImportError:
        raise SystemExit(
            "error: reading ICIO2022.mat needs h5py: .venv/bin/pip install h5py (not a package dependency)"
        ) from None
    with h5py.File(path, "r") as f:
        data = f["data"]

        def text(ref: object) -> str:
            return "".join(chr(c) for c in f[ref][()].ravel())

        countries = [text(r) for r in data["countries"][()].ravel()]
        sectors = [text(r) for r in data["sectors"][()].ravel()]
        year = int(data["year"][()].item())
        services = int(data["services_sector"][()].item()) - 1
        cube = np.asarray(data["Xjik_3D"][()], dtype=float).transpose(2, 1, 0)
    if (
        year != 2022
        or cube.shape != (len(countries), len(countries), len(sectors))
        or "ervice" not in sectors[services]
    ):
        raise SystemExit(
            f"error: unexpected ICIO file {path}: year {year}, shape {cube.shape}, services sector {sectors[services]!r}"
        )
    goods = [k for k in range(len(sectors)) if k != services]
    return countries, [sectors[k] for k in goods], cube[:, :, goods]


def taiwan_flows(
    groups: dict[str, list[str]],
) -> tuple[dict[str, float], dict[str, float], float, list[str]]:
    """Taiwan's ICIO 2022 goods exports to and imports from each region, and its domestic absorption (million USD)."""
    countries, _, cube = read_icio(ICIO)
    goods = cube.sum(axis=2)
    index = {c: k for k, c in enumerate(countries)}
    members: dict[str, list[str]] = {
        code: [m for m in groups[code] if m in index]
        for code in ORDER
        if code not in (TAIWAN, "ROW")
    }
    if len(members["EU"]) != 27:
        raise SystemExit(f"error: ICIO lacks EU members {sorted(set(groups['EU']) - set(index))}")
    taken = {m for ms in members.values() for m in ms} | {TAIWAN}
    members["ROW"] = [c for c in countries if c not in taken]  # incl. ICIO's own ROW aggregate
    t = index[TAIWAN]
    exports = {code: float(goods[t, [index[m] for m in ms]].sum()) for code, ms in members.items()}
    imports = {code: float(goods[[index[m] for m in ms], t].sum()) for code, ms in members.items()}
    return exports, imports, float(goods[t, t]), members["ROW"]


def check_facts_rate() -> None:
    """The typed-in Taiwan rate must be the one of the facts file."""
    text = FACTS.read_text(encoding="utf-8")
    found = re.search(r"Other 2 Apr rates.*?Taiwan (\d+)\s*%", text)
    if not found or int(found.group(1)) / 100 != TWN_LD[0]:
        raise SystemExit(
            f"error: {FACTS} no longer gives Taiwan {TWN_LD[0]:.0%} among the 2 April rates; update TWN_LD"
        )


def main() -> int:
    for path in (STUDY, ICIO, FACTS):
        if not path.exists():
            print(
                f"error: {path} not found; this script needs ../shared next to the repository",
                file=sys.stderr,
            )
            return 2
    check_facts_rate()
    world = load_study(STUDY)
    if TAIWAN in world.iso3:
        raise SystemExit(
            "error: the study's data now hold Taiwan; carve it out of its region instead of appending it"
        )
    eu = sorted(pd.read_stata(STUDY / "raw_data" / "EU_countries.dta")["iso3"].astype(str))
    taken = set(SINGLE) | set(eu)
    groups = {code: [code] for code in SINGLE}
    groups["EU"] = eu
    groups["ROW"] = [c for c in world.iso3 if c not in taken]
    study_order = [c for c in ORDER if c != TAIWAN]
    regions = aggregate(world, {code: groups[code] for code in study_order}, NAMES)

    # 13 study regions: BACI 2023, thousand -> million USD; Taiwan appended from ICIO 2022 (million USD).
    n = len(ORDER)
    pos = [ORDER.index(c) for c in study_order]
    t = ORDER.index(TAIWAN)
    flows = np.zeros((n, n))
    flows[np.ix_(pos, pos)] = regions.flows * 1e-3
    exports, imports, domestic, icio_row = taiwan_flows(groups)
    for code in study_order:
        flows[t, ORDER.index(code)] = exports[code]
        flows[ORDER.index(code), t] = imports[code]
    flows[t, t] = domestic
    flows = np.round(flows, 1)
    clipped = int((flows < 0).sum())  # nothing is subtracted from ROW, so nothing can go negative
    if clipped:
        raise SystemExit(f"error: {clipped} negative flows")

    nu_rest = np.unique(regions.local_share[[k for k, c in enumerate(study_order) if c != "USA"]])
    if len(nu_rest) != 1:
        raise SystemExit(f"error: non-US local shares differ: {nu_rest}")
    local_share = np.zeros(n)
    local_share[pos] = regions.local_share
    local_share[t] = nu_rest[0]
    # Taiwan has no WDI GDP: report the factor income implied by its flows and local share instead
    # (for the 13 study regions that income equals GDP by the study's construction).
    income = build_economy(ORDER, flows, local_share=local_share, unit="million USD").income
    gdp = np.zeros(n)
    gdp[pos] = regions.gdp * 1e-3
    gdp[t] = income[t]

    trade = pd.DataFrame(
        [(ORDER[j], ORDER[i], float(flows[j, i])) for j in range(n) for i in range(n)],
        columns=["exporter", "importer", "value"],
    )
    trade.to_csv(OUT / "trade_2023.csv", index=False)
    members = {**groups, TAIWAN: [TAIWAN]}
    table = pd.DataFrame(
        {
            "iso3": ORDER,
            "name": [NAMES[c] for c in ORDER],
            "gdp": np.round(gdp, 1),
            "local_share": local_share,
            "members": [" ".join(members[c]) for c in ORDER],
        }
    )
    table.to_csv(OUT / "regions_2023.csv", index=False, float_format="%.10g")

    us = world.index("USA")
    announced = np.maximum(np.array([world.rates["liberation-day"][c] for c in world.iso3]), FLOOR)
    us_imports = world.flows[:, us]
    rows = []
    for code in ORDER[1:] + ["IDN", "PHL"]:
        if code == TAIWAN:
            rate, how = TWN_LD
        else:
            idx = [world.index(m) for m in groups.get(code, [code])]
            weight = us_imports[idx]
            rate = float(np.sum(announced[idx] * weight) / weight.sum())
            how = LD_SOURCE + (
                "; US-import-weighted mean over members (BACI 2023)" if len(idx) > 1 else ""
            )
        deal = DEALS.get(code)
        rows.append(
            {
                "iso3": code,
                "region": code if code in ORDER else "ROW",
                "liberation_day_rate": round(rate, 4),
                "liberation_day_date": "2025-04-02",
                "liberation_day_source": how
                + ("; ../shared/facts/tariffs-2025.md" if code == TAIWAN else ""),
                "deal_rate": deal[0] if deal else None,
                "deal_date": deal[1] if deal else None,
                "deal_source": (deal[2] + "; ../shared/facts/tariffs-2025.md") if deal else None,
            }
        )
    pd.DataFrame(rows).to_csv(OUT / "tariffs_2025.csv", index=False)

    print(f"{n} regions, world expenditure {flows.sum() / 1e6:.2f} tn USD")
    print(
        f"Taiwan (ICIO 2022, million USD): domestic {domestic:,.1f}, exports {sum(exports.values()):,.1f}, imports {sum(imports.values()):,.1f}, implied income {income[t]:,.1f}"
    )
    print(
        "  "
        + ", ".join(f"{c} {exports[c]:,.0f}/{imports[c]:,.0f}" for c in study_order)
        + "  (exports/imports)"
    )
    print(f"  ICIO countries in ROW: {len(icio_row)}; ROW entries clipped: {clipped}")
    print(table[["iso3", "gdp", "local_share"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
