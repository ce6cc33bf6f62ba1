"""Compile dealspace's embedded 2023 trade data from the Liberation Day study's data.

Reads the replication data of Ignatenko, Lashkaripour, Macedoni and Simonovska
(2025) from ``../shared/data/ge/ignatenko2025_liberation_day`` (relative to the
repository root), builds the 194-country baseline exactly as the study does
(domestic absorption from GDP, calibrated local shares), aggregates it to 13
regions and writes, into ``src/dealspace/economy/data/``:

- ``trade_2023.csv``   exporter, importer, value (million USD; diagonal =
  domestic absorption)
- ``regions_2023.csv`` iso3, name, gdp (WDI, million USD), local_share,
  members (the study's country codes in the region)
- ``tariffs_2025.csv`` US rates per region: announced on 2 April 2025 (as
  applied by the study) and negotiated in 2025 (from
  ``../shared/facts/tariffs-2025.md``), with sources

Taiwan is not among the study's 194 countries (BACI reports it as "Other
Asia, nes", code S19, which the study drops), so it cannot be a region here.

Run from the repository root: ``.venv/bin/python scripts/compile_trade_data.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dealspace.economy import aggregate, load_study

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT.parent / "shared" / "data" / "ge" / "ignatenko2025_liberation_day"
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
ORDER = ["USA", "JPN", "CHN", "EU", "GBR", "CAN", "MEX", "KOR", "VNM", "IND", "AUS", "CHE", "ROW"]
NAMES = {**SINGLE, "EU": "European Union (27)", "ROW": "Rest of world"}
FLOOR = 0.10

LD_SOURCE = "Ignatenko et al. (2025) replication data, tariffs.csv (USTR list of 2 April 2025), floored at 10 %"
# Negotiated rates recorded in ../shared/facts/tariffs-2025.md (section A and C).
DEALS = {
    "JPN": (0.15, "2025-07-22", "US-Japan deal, 15 % all-in; EO 14345 of 4 Sep 2025 (90 FR 43535)"),
    "EU": (0.15, "2025-07-27", "US-EU Turnberry framework, 15 % all-in ceiling"),
    "GBR": (0.10, "2025-05-08", "US-UK Economic Prosperity Deal, 10 % baseline kept"),
    "KOR": (0.15, "2025-07-30", "US-Korea framework, 15 % incl. autos"),
    "VNM": (0.20, "2025-07-02", "US-Vietnam deal, 20 % (40 % on transshipment)"),
    "CHE": (0.15, "2025-11-14", "US-Switzerland MOU, 39 % cut to 15 %"),
    "CHN": (0.20, "2025-10-30", "Busan truce: 10 % reciprocal + fentanyl tariff cut to 10 % (excl. pre-2025 s.301)"),
    "IDN": (0.19, "2025-07-22", "US-Indonesia deal, 32 % cut to 19 % (in ROW here)"),
    "PHL": (0.19, "2025-07-22", "US-Philippines deal, 19 % (in ROW here)"),
}


def main() -> int:
    if not STUDY.is_dir():
        print(f"error: {STUDY} not found; this script needs ../shared next to the repository", file=sys.stderr)
        return 2
    world = load_study(STUDY)
    eu = sorted(pd.read_stata(STUDY / "raw_data" / "EU_countries.dta")["iso3"].astype(str))
    taken = set(SINGLE) | set(eu)
    groups = {code: [code] for code in SINGLE}
    groups["EU"] = eu
    groups["ROW"] = [c for c in world.iso3 if c not in taken]
    groups = {code: groups[code] for code in ORDER}
    regions = aggregate(world, groups, NAMES)

    scale = 1e-3  # thousand USD -> million USD
    flows = regions.flows * scale
    trade = pd.DataFrame(
        [(ORDER[j], ORDER[i], round(float(flows[j, i]), 1)) for j in range(len(ORDER)) for i in range(len(ORDER))],
        columns=["exporter", "importer", "value"],
    )
    trade.to_csv(OUT / "trade_2023.csv", index=False)

    table = pd.DataFrame(
        {
            "iso3": ORDER,
            "name": [NAMES[c] for c in ORDER],
            "gdp": np.round(regions.gdp * scale, 1),
            "local_share": regions.local_share,
            "members": [" ".join(groups[c]) for c in ORDER],
        }
    )
    table.to_csv(OUT / "regions_2023.csv", index=False, float_format="%.10g")

    us = world.index("USA")
    announced = np.maximum(np.array([world.rates["liberation-day"][c] for c in world.iso3]), FLOOR)
    us_imports = world.flows[:, us]
    rows = []
    for code in ORDER[1:] + ["IDN", "PHL"]:
        members = groups.get(code, [code])
        idx = [world.index(m) for m in members]
        weight = us_imports[idx]
        rate = float(np.sum(announced[idx] * weight) / weight.sum())
        how = LD_SOURCE + ("; US-import-weighted mean over members (BACI 2023)" if len(members) > 1 else "")
        deal = DEALS.get(code)
        rows.append(
            {
                "iso3": code,
                "region": code if code in ORDER else "ROW",
                "liberation_day_rate": round(rate, 4),
                "liberation_day_date": "2025-04-02",
                "liberation_day_source": how,
                "deal_rate": deal[0] if deal else None,
                "deal_date": deal[1] if deal else None,
                "deal_source": (deal[2] + "; ../shared/facts/tariffs-2025.md") if deal else None,
            }
        )
    pd.DataFrame(rows).to_csv(OUT / "tariffs_2025.csv", index=False)

    print(f"{len(ORDER)} regions, world expenditure {regions.expenditure.sum() * scale / 1e6:.2f} tn USD")
    print(table[["iso3", "gdp", "local_share"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
