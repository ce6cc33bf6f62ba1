"""Compile dealspace's default economy: the Liberation Day study's 194-country 2023 data.

Reads, relative to the repository root, the replication data of Ignatenko,
Lashkaripour, Macedoni and Simonovska (2025) in
``../shared/data/ge/ignatenko2025_liberation_day`` (see
``../shared/data/ge/SOURCES.md``) and writes, into
``src/dealspace/economy/data/``:

- ``countries_2023.npz``: a compressed NumPy archive holding the study's
  inputs unchanged: ``iso3`` and ``names`` (194, the study's row order),
  ``flows`` (194×194 goods exports, exporter rows, thousand current USD,
  BACI HS22 2023; blanks = 0, empty diagonal), ``gdp`` (WDI current USD
  divided by 1000, as the study does) and ``liberation_day`` (the announced
  US rates of ``tariffs.csv``, decimals, not floored);
- ``countries_2023.sources.json``: the sidecar naming every input file with
  its origin, unit and SHA-1, so the archive can be traced and rebuilt.

The baseline (domestic absorption, local shares) is built from these inputs
at load time exactly as the study does (:func:`dealspace.economy.load_default`).
The archive is byte-identical on reruns (fixed zip timestamps).

Run from the repository root: ``.venv/bin/python scripts/compile_country_data.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(
    os.environ.get("DEALSPACE_SHARED", ROOT.parent / "shared")
)  # ../shared; override for worktrees
STUDY = SHARED / "data" / "ge" / "ignatenko2025_liberation_day"
OUT = ROOT / "src" / "dealspace" / "economy" / "data"
ARCHIVE = "countries_2023.npz"
SIDECAR = "countries_2023.sources.json"
FILES = ("trade_cepii.csv", "gdp.csv", "tariffs.csv", "country_labels.csv")
ORIGIN = (
    "JoeLoera/liberation-day-replication @ e1f26fdbebd5de80daaad03bdb8dbca1cf24e22d, data/base_data/ "
    "(byte-identical to ahmadlp/us-tariff @ 2b79aa191d5e1c098aeb3471d0c7ffa0e5dc9c24, data/reciprocal_tariffs/)"
)


def read_inputs(folder: Path) -> dict[str, np.ndarray]:
    """The study's four files as arrays, in the order of ``country_labels.csv``'s ``iso_code``."""
    labels = pd.read_csv(folder / "country_labels.csv").sort_values("iso_code")
    if list(labels["iso_code"]) != list(range(1, len(labels) + 1)):
        raise SystemExit("error: country_labels.csv iso_code is not 1..N")
    n = len(labels)
    flows = (
        pd.read_csv(folder / "trade_cepii.csv")
        .apply(pd.to_numeric, errors="raise")
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    gdp = pd.read_csv(folder / "gdp.csv")["gdp"].to_numpy(dtype=float) / 1000
    rates = pd.read_csv(folder / "tariffs.csv")["applied_tariff"].to_numpy(dtype=float)
    if flows.shape != (n, n) or gdp.shape != (n,) or rates.shape != (n,):
        raise SystemExit(
            f"error: shapes {flows.shape}, {gdp.shape}, {rates.shape} for {n} countries"
        )
    if (flows < 0).any() or np.any(np.diag(flows) != 0) or (gdp <= 0).any():
        raise SystemExit("error: negative flows, a filled diagonal or GDP <= 0")
    return {
        "iso3": labels["iso3"].astype(str).to_numpy(dtype="U3"),
        "names": labels["CountryName"].astype(str).to_numpy(dtype="U64"),
        "flows": flows,
        "gdp": gdp,
        "liberation_day": rates,
    }


def write_archive(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed timestamps, so reruns give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def sidecar(folder: Path, arrays: dict[str, np.ndarray]) -> dict[str, object]:
    return {
        "archive": ARCHIVE,
        "description": "Inputs of the one-sector tariff model of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025), "
        "'Making America Great Again? The Economic Impacts of Liberation Day Tariffs', JIE 157:104138, as shipped in its "
        "replication package; the baseline is built from them at load time (dealspace.economy.load_default).",
        "origin": ORIGIN,
        "copied_to": "../shared/data/ge/ignatenko2025_liberation_day (see ../shared/data/ge/SOURCES.md)",
        "countries": int(len(arrays["iso3"])),
        "arrays": {
            "iso3": "ISO3 codes, the study's row order (country_labels.csv iso_code 1..194)",
            "names": "country names (country_labels.csv CountryName)",
            "flows": "goods exports, row = exporter, column = importer; thousand current USD; CEPII BACI HS22 V202501, "
            "2023, summed over HS6 products (Etalab open licence 2.0); blanks = 0; diagonal empty (built from GDP)",
            "gdp": "GDP in thousand current USD: World Bank WDI NY.GDP.MKTP.CD (CC BY 4.0), latest year (mostly 2023), "
            "divided by 1000; PRI and VIR merged into USA, MCO into FRA, LIE into CHE",
            "liberation_day": "US tariff announced on 2 April 2025 on each country (USTR list), decimal, not floored; "
            "EU members 0.20; USA and RUS 0",
        },
        "inputs": {
            name: {"sha1": hashlib.sha1((folder / name).read_bytes()).hexdigest()} for name in FILES
        },
        "licence": "BACI: Etalab 2.0; WDI: CC BY 4.0; the replication repositories state no licence (only data, no code, are used)",
        "rebuild": ".venv/bin/python scripts/compile_country_data.py",
    }


def main() -> int:
    missing = [f for f in FILES if not (STUDY / f).is_file()]
    if missing:
        print(
            f"error: {missing} not found in {STUDY}; this script needs ../shared next to the repository",
            file=sys.stderr,
        )
        return 2
    arrays = read_inputs(STUDY)
    write_archive(OUT / ARCHIVE, arrays)
    (OUT / SIDECAR).write_text(
        json.dumps(sidecar(STUDY, arrays), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    size = (OUT / ARCHIVE).stat().st_size
    print(
        f"{len(arrays['iso3'])} countries, world goods trade {arrays['flows'].sum() / 1e9:.2f} tn USD; {ARCHIVE}: {size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
