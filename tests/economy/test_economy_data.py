"""Baseline construction, the embedded data and the loaders (including bad files)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealspace.economy import (
    aggregate,
    build_economy,
    calibrate_local_share,
    load_data,
    load_default,
    load_regions,
    load_study,
    load_tables,
)
from dealspace.economy.baseline import LOCAL_SHARE_TARGETS
from dealspace.economy.data import embedded_deal_rates
from dealspace.errors import DealspaceError

ROOT = Path(__file__).resolve().parents[2]
# ../shared next to the repository (DEALSPACE_SHARED overrides it, e.g. in a git worktree)
SHARED_ROOT = Path(os.environ.get("DEALSPACE_SHARED", ROOT.parent / "shared"))
SHARED = SHARED_ROOT / "data" / "ge" / "ignatenko2025_liberation_day"
ICIO = SHARED_ROOT / "data" / "ge" / "tariffwar" / "ICIO2022.mat"
REGIONS = (
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
    "TWN",
    "ROW",
)
STUDY_REGIONS = tuple(
    c for c in REGIONS if c != "TWN"
)  # Taiwan is not among the study's 194 countries


@pytest.fixture(scope="module")
def study():  # type: ignore[no-untyped-def]
    if not (SHARED / "trade_cepii.csv").is_file():
        pytest.skip(
            f"the study's data are not present at {SHARED} (../shared next to the repository)"
        )
    return load_study(SHARED)


# --------------------------------------------------------------------------- embedded data


def test_embedded_data_loads() -> None:
    eco = load_regions()
    assert eco.iso3 == REGIONS
    assert eco.flows.shape == (14, 14) and eco.unit == "million USD"
    assert (np.diag(eco.flows) > 0).all() and (eco.flows >= 0).all()
    assert eco.deficit.sum() == pytest.approx(0, abs=1e-6 * eco.expenditure.sum())
    assert eco.deficit[eco.index("USA")] > 0 and eco.deficit[eco.index("CHN")] < 0
    assert (
        eco.deficit[eco.index("TWN")] < 0
    )  # goods surplus: exports 397 bn, imports 295 bn (ICIO 2022)
    assert eco.local_share[eco.index("USA")] == pytest.approx(0.270471, abs=1e-6)
    np.testing.assert_allclose(
        eco.local_share[1:], 0.114335, atol=1e-6
    )  # Taiwan gets the non-US value
    assert 100e6 < eco.expenditure.sum() < 120e6  # ~109 tn USD of world goods absorption
    rates = eco.rates["liberation-day"]
    assert all(code in rates for code in REGIONS if code != "USA")
    assert rates["TWN"] == pytest.approx(
        0.32
    )  # Yano Research 22 Apr 2025, via ../shared/facts/tariffs-2025.md
    assert eco.rates["deal"]["JPN"] == pytest.approx(0.15)
    assert "TWN" not in eco.rates["deal"]  # the facts file records no 2025 deal for Taiwan


def test_embedded_taiwan_is_icio_2022() -> None:
    """Taiwan's row and column are OECD ICIO 2022 goods flows (27 goods sectors), million USD."""
    eco = load_regions()
    twn = eco.index("TWN")

    def flow(exporter: str, importer: str) -> float:
        return float(eco.flows[eco.index(exporter), eco.index(importer)])

    # ICIO 2022 values (million USD): TWN->USA 54,346.0; TWN->CHN 158,422.9; TWN->JPN 23,907.9;
    # USA->TWN 28,623.7; CHN->TWN 58,018.1; JPN->TWN 34,491.2; domestic 457,432.0.
    assert 50_000 < flow("TWN", "USA") < 60_000
    assert 150_000 < flow("TWN", "CHN") < 165_000
    assert 20_000 < flow("TWN", "JPN") < 28_000
    assert 25_000 < flow("USA", "TWN") < 32_000
    assert 52_000 < flow("CHN", "TWN") < 64_000
    assert 30_000 < flow("JPN", "TWN") < 38_000
    assert 440_000 < flow("TWN", "TWN") < 475_000
    exports = eco.flows[twn].sum() - eco.flows[twn, twn]
    imports = eco.flows[:, twn].sum() - eco.flows[twn, twn]
    assert exports == pytest.approx(396_648.6, abs=1.0) and imports == pytest.approx(
        294_623.7, abs=1.0
    )
    # no GDP for Taiwan in WDI: its gdp is the factor income its flows imply (~834 bn USD)
    assert eco.gdp[twn] == pytest.approx(eco.income[twn], abs=0.1)


def test_embedded_data_is_the_aggregated_study(study) -> None:  # type: ignore[no-untyped-def]
    eco = load_regions()
    regions = pd.read_csv(ROOT / "src" / "dealspace" / "economy" / "data" / "regions_2023.csv")
    groups = {
        code: members.split()
        for code, members in zip(regions["iso3"], regions["members"], strict=True)
    }
    assert groups.pop("TWN") == ["TWN"] and "TWN" not in study.iso3
    assert sorted(sum(groups.values(), [])) == sorted(
        study.iso3
    )  # the other 13 regions partition the 194 countries
    assert len(groups["EU"]) == 27
    agg = aggregate(study, groups)
    assert agg.iso3 == STUDY_REGIONS
    idx = [eco.index(c) for c in STUDY_REGIONS]
    # unchanged by Taiwan, ROW included: the study's ROW holds none of Taiwan's trade, so nothing is carved out
    np.testing.assert_allclose(
        eco.flows[np.ix_(idx, idx)], agg.flows / 1000, atol=0.051
    )  # rounded to 0.1 million USD
    np.testing.assert_allclose(eco.gdp[idx], agg.gdp / 1000, atol=0.051)


def test_embedded_taiwan_rebuilds_from_icio() -> None:
    """The compile script's ICIO reader reproduces the embedded Taiwan flows (needs h5py and ../shared)."""
    pytest.importorskip("h5py")
    if not ICIO.is_file():
        pytest.skip(f"ICIO2022.mat is not present at {ICIO}")
    spec = importlib.util.spec_from_file_location(
        "compile_trade_data", ROOT / "scripts" / "compile_trade_data.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    regions = pd.read_csv(ROOT / "src" / "dealspace" / "economy" / "data" / "regions_2023.csv")
    groups = {
        code: members.split()
        for code, members in zip(regions["iso3"], regions["members"], strict=True)
    }
    exports, imports, domestic, _ = script.taiwan_flows(groups)
    eco = load_regions()
    twn = eco.index("TWN")
    for code in STUDY_REGIONS:
        assert eco.flows[twn, eco.index(code)] == pytest.approx(exports[code], abs=0.051)
        assert eco.flows[eco.index(code), twn] == pytest.approx(imports[code], abs=0.051)
    assert eco.flows[twn, twn] == pytest.approx(domestic, abs=0.051)


def test_embedded_deal_rates_expand_the_eu() -> None:
    deals = embedded_deal_rates()
    assert deals["DEU"] == deals["FRA"] == pytest.approx(0.15)
    assert deals["JPN"] == pytest.approx(0.15) and deals["GBR"] == pytest.approx(0.10)
    assert "IND" not in deals and "ROW" not in deals and "TWN" not in deals


# --------------------------------------------------------------------------- construction


def test_study_construction(study) -> None:  # type: ignore[no-untyped-def]
    assert study.n == 194 and study.unit == "thousand USD"
    us = study.index("USA")
    assert study.local_share[us] == pytest.approx(0.270471, abs=1e-6)
    assert study.local_share[0] == pytest.approx(
        0.114335, abs=1e-6
    )  # MODEL.md: about (0.114, 0.270)
    np.testing.assert_allclose(study.flows.sum(axis=0), study.expenditure)
    assert study.deficit.sum() == pytest.approx(0, abs=1e-9 * study.expenditure.sum())
    assert study.rates["liberation-day"]["JPN"] == pytest.approx(0.24)
    assert study.rates["deal"]["DEU"] == pytest.approx(0.15)


def test_local_share_calibration_hits_its_targets(study) -> None:  # type: ignore[no-untyped-def]
    """Checker for calibrate_local_share: recompute the two moments from the definition."""
    raw = np.array(study.flows)
    np.fill_diagonal(raw, 0)
    us = study.index("USA")
    gdp = study.gdp
    rest, own = calibrate_local_share(raw, gdp, us)
    member = np.array([np.arange(study.n) != us, np.arange(study.n) == us], dtype=float)
    x, y, nu = member @ raw @ member.T, member @ gdp, np.array([rest, own])
    e = y + (1 - nu) * (x.sum(axis=0) - ((1 - nu)[None, :] * x).sum(axis=1))
    s1 = (e[0] - x[1, 0]) / (e[0] - x[1, 0] + x[0, 1])
    s2 = (e[1] - x[0, 1]) / (e[1] - x[0, 1] + x[1, 0])
    assert s1 * rest + (1 - s1) * own == pytest.approx(LOCAL_SHARE_TARGETS[0], abs=1e-12)
    assert (1 - s2) * rest + s2 * own == pytest.approx(LOCAL_SHARE_TARGETS[1], abs=1e-12)


def test_textbook_construction_fills_domestic_absorption() -> None:
    flows = np.array([[0.0, 10.0, 5.0], [20.0, 0.0, 5.0], [5.0, 5.0, 0.0]])
    gdp = np.array([100.0, 80.0, 60.0])
    eco = build_economy(("A", "B", "C"), flows, gdp, local_share=0.0)
    imports, exports = flows.sum(axis=0), flows.sum(axis=1)
    np.testing.assert_allclose(np.diag(eco.flows), gdp + imports - exports - imports)
    np.testing.assert_allclose(eco.deficit, imports - exports)
    np.testing.assert_allclose(eco.income, gdp)


def test_aggregate_sums_members() -> None:
    eco = build_economy(
        ("A", "B", "C"), np.array([[50.0, 10, 5], [20, 60, 5], [5, 5, 40]]), local_share=0.1
    )
    agg = aggregate(eco, {"AB": ["A", "B"], "C": ["C"]})
    assert agg.flows.sum() == pytest.approx(eco.flows.sum())
    assert agg.flows[0, 0] == pytest.approx(50 + 10 + 20 + 60)
    np.testing.assert_allclose(agg.expenditure, [eco.expenditure[:2].sum(), eco.expenditure[2]])
    np.testing.assert_allclose(agg.income, [eco.income[:2].sum(), eco.income[2]])
    with pytest.raises(DealspaceError, match="no group"):
        aggregate(eco, {"AB": ["A", "B"]})
    with pytest.raises(DealspaceError, match="also in"):
        aggregate(eco, {"AB": ["A", "B"], "BC": ["B", "C"]})


def test_partial_domestic_flows_are_refused() -> None:
    with pytest.raises(DealspaceError, match="some regions"):
        build_economy(("A", "B"), np.array([[5.0, 1.0], [1.0, 0.0]]), np.ones(2), local_share=0.0)


def test_missing_gdp_without_domestic_flows() -> None:
    with pytest.raises(DealspaceError, match="gdp"):
        build_economy(("A", "B"), np.array([[0.0, 1.0], [1.0, 0.0]]), local_share=0.0)


# --------------------------------------------------------------------------- user tables


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


TRADE = "exporter,importer,value\nUSA,JPN,80\nJPN,USA,150\nUSA,CHN,140\nCHN,USA,430\nJPN,CHN,120\nCHN,JPN,160\n"
GDP = "iso3,gdp\nUSA,27000\nJPN,4200\nCHN,17800\n"


def test_user_tables_round_trip(tmp_path: Path) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", GDP)
    eco = load_tables(trade, gdp)
    assert eco.iso3 == ("USA", "JPN", "CHN")
    assert eco.flows[eco.index("JPN"), eco.index("USA")] == 150
    assert eco.local_share[0] > eco.local_share[1] > 0  # calibrated: a USA region and GDP
    same = load_data(tmp_path)
    np.testing.assert_allclose(same.flows, eco.flows)
    pd.read_csv(trade).to_parquet(tmp_path / "trade.parquet")
    (tmp_path / "trade.csv").unlink()
    np.testing.assert_allclose(load_data(tmp_path).flows, eco.flows)


def test_user_tariffs_long_and_matrix_agree(tmp_path: Path) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", GDP)
    long = _write(tmp_path, "t_long.csv", "importer,exporter,rate\nCHN,USA,0.25\nUSA,CHN,0.1\n")
    wide = _write(
        tmp_path, "t_wide.csv", "exporter,USA,JPN,CHN\nUSA,0,0,0.25\nJPN,0,0,0\nCHN,0.1,0,0\n"
    )
    a, b = load_tables(trade, gdp, long), load_tables(trade, gdp, wide)
    np.testing.assert_allclose(a.tariffs, b.tariffs)
    assert a.tariffs[a.index("USA"), a.index("CHN")] == pytest.approx(0.25)
    assert a.revenue[a.index("CHN")] == pytest.approx(0.25 * 140)


def test_user_rates_feed_the_presets(tmp_path: Path) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", GDP)
    rates = _write(
        tmp_path, "rates.csv", "iso3,liberation_day_rate,deal_rate\nJPN,0.24,0.15\nCHN,0.54,\n"
    )
    eco = load_tables(trade, gdp, rates=rates)
    assert eco.rates == {"liberation-day": {"JPN": 0.24, "CHN": 0.54}, "deal": {"JPN": 0.15}}


BAD_FILES = [
    # (file content, expected fragments of the message)
    ("exporter,importer,val\nUSA,JPN,1\n", ["trade.csv", "value"]),
    (
        "exporter,importer,value\nUSA,JPN,1\nJPN,USA,12 bn\n",
        ["trade.csv", "'value'", "row 3", "12 bn"],
    ),
    ("exporter,importer,value\nUSA,JPN,-1\n", ["trade.csv", "'value'", "negative"]),
    ("exporter,importer,value\nUSA,XYZ,1\n", ["trade.csv", "exporter", "XYZ"]),
]


@pytest.mark.parametrize(("content", "fragments"), BAD_FILES)
def test_bad_trade_files(tmp_path: Path, content: str, fragments: list[str]) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", content), _write(tmp_path, "gdp.csv", GDP)
    with pytest.raises(DealspaceError) as err:
        load_tables(trade, gdp)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("code,gdp\nUSA,1\n", ["gdp.csv", "iso3"]),
        ("iso3,gdp\nUSA,27000\nJPN,n/a\nCHN,1\n", ["gdp.csv", "'gdp'", "row 3"]),
        ("iso3,gdp\nUSA,27000\nJPN,0\nCHN,1\n", ["gdp.csv", "'gdp'", "JPN"]),
        ("iso3,gdp\nUSA,27000\nUSA,1\nJPN,1\nCHN,1\n", ["gdp.csv", "'iso3'", "USA"]),
    ],
)
def test_bad_gdp_files(tmp_path: Path, content: str, fragments: list[str]) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", content)
    with pytest.raises(DealspaceError) as err:
        load_tables(trade, gdp)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        (
            "tariffs.csv",
            "importer,exporter,rate\nCHN,XYZ,0.1\n",
            ["tariffs.csv", "'exporter'", "XYZ"],
        ),
        ("tariffs.csv", "importer,exporter,rate\nCHN,USA,25%\n", ["tariffs.csv", "'rate'", "25%"]),
        ("tariffs.csv", "importer,exporter,rate\nCHN,USA,-2\n", ["tariffs.csv", "'rate'", "-1"]),
        ("tariffs.csv", "a,b\n1,2\n", ["tariffs.csv", "importer, exporter, rate"]),
    ],
)
def test_bad_tariff_files(tmp_path: Path, name: str, content: str, fragments: list[str]) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", GDP)
    with pytest.raises(DealspaceError) as err:
        load_tables(trade, gdp, _write(tmp_path, name, content))
    for fragment in fragments:
        assert fragment in str(err.value)


def test_bad_rates_file(tmp_path: Path) -> None:
    trade, gdp = _write(tmp_path, "trade.csv", TRADE), _write(tmp_path, "gdp.csv", GDP)
    with pytest.raises(DealspaceError, match=r"rates.csv, column 'deal_rate'.*fifteen"):
        load_tables(
            trade, gdp, rates=_write(tmp_path, "rates.csv", "iso3,deal_rate\nJPN,fifteen\n")
        )
    with pytest.raises(DealspaceError, match="rates.csv.*no rate column"):
        load_tables(trade, gdp, rates=_write(tmp_path, "rates.csv", "iso3,rate\nJPN,0.1\n"))


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DealspaceError, match="does not exist"):
        load_tables(tmp_path / "nope.csv")
    with pytest.raises(DealspaceError, match=r"trade.xlsx.*\.csv or \.parquet"):
        load_tables(_write(tmp_path, "trade.xlsx", "x"))
    with pytest.raises(DealspaceError, match="trade.parquet.*cannot be read"):
        load_tables(_write(tmp_path, "trade.parquet", "not parquet"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DealspaceError, match="neither trade_cepii.csv"):
        load_data(empty)
    with pytest.raises(DealspaceError, match="does not exist"):
        load_data(tmp_path / "missing")


def test_single_trade_file_needs_domestic_flows(tmp_path: Path) -> None:
    with pytest.raises(DealspaceError, match="gdp"):
        load_data(_write(tmp_path, "flows.csv", TRADE))
    full = TRADE + "USA,USA,20000\nJPN,JPN,3500\nCHN,CHN,15000\n"
    eco = load_data(_write(tmp_path, "flows.csv", full))
    assert eco.n == 3 and np.all(eco.local_share == 0)  # no GDP: not calibrated


def test_bad_study_folders(tmp_path: Path) -> None:
    _write(tmp_path, "trade_cepii.csv", "export_ij1,export_ij2\n1,2\n3,4\n")
    with pytest.raises(DealspaceError, match=r"lacks \['gdp.csv'"):
        load_study(tmp_path)
    _write(tmp_path, "gdp.csv", "gdp\n1000\n2000\n")
    _write(tmp_path, "tariffs.csv", "applied_tariff\n.1\n.2\n")
    _write(tmp_path, "country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,A\nBBB,2,B\nCCC,3,C\n")
    with pytest.raises(DealspaceError, match=r"trade_cepii.csv.*shape \(2, 2\).*3 countries"):
        load_study(tmp_path)
    _write(tmp_path, "country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,A\nBBB,2,B\n")
    _write(tmp_path, "gdp.csv", "gdp\n1000\nlots\n")
    with pytest.raises(DealspaceError, match=r"gdp.csv, column 'gdp'.*row 3"):
        load_study(tmp_path)


# --------------------------------------------------------------------------- the default: 194 countries


def test_default_is_the_study_country_by_country(study) -> None:  # type: ignore[no-untyped-def]
    """The embedded archive holds the study's inputs unchanged: same baseline to the last bit."""
    eco = load_default()
    assert eco.iso3 == study.iso3 and eco.n == 194 and eco.unit == "thousand USD"
    np.testing.assert_array_equal(eco.flows, study.flows)
    np.testing.assert_array_equal(eco.gdp, study.gdp)
    np.testing.assert_array_equal(eco.local_share, study.local_share)
    assert eco.rates["liberation-day"] == study.rates["liberation-day"]


def test_default_archive_sidecar_names_its_inputs() -> None:
    import hashlib
    import json

    data = ROOT / "src" / "dealspace" / "economy" / "data"
    meta = json.loads((data / "countries_2023.sources.json").read_text())
    assert meta["archive"] == "countries_2023.npz" and meta["countries"] == 194
    assert set(meta["inputs"]) == {
        "trade_cepii.csv",
        "gdp.csv",
        "tariffs.csv",
        "country_labels.csv",
    }
    assert "BACI" in meta["arrays"]["flows"] and "WDI" in meta["arrays"]["gdp"]
    for name, info in meta["inputs"].items():  # the shared copies are the files compiled
        if (SHARED / name).is_file():
            assert hashlib.sha1((SHARED / name).read_bytes()).hexdigest() == info["sha1"]


def test_regions_are_an_aggregation_of_the_default() -> None:
    from dealspace.economy import display_groups, preset_tariffs, regional_frame, solve

    eco = load_default()
    groups = display_groups(eco)
    assert sorted(sum(map(list, groups.values()), [])) == sorted(eco.iso3)  # a partition
    assert len(groups["EU"]) == 27 and "TWN" not in groups
    eq = solve(eco, preset_tariffs("liberation-day", eco))
    frame = regional_frame(eq).set_index("iso3")
    country = eq.to_frame().set_index("iso3")
    eu = list(groups["EU"])
    weights = eco.expenditure[[eco.index(c) for c in eu]]
    assert frame.loc["EU", "welfare_pct"] == pytest.approx(
        np.average(country.loc[eu, "welfare_pct"], weights=weights)
    )
    assert frame.loc["USA", "welfare_pct"] == pytest.approx(country.loc["USA", "welfare_pct"])
    assert frame.loc["USA", "trade_balance"] == pytest.approx(country.loc["USA", "trade_balance"])
    # the world's trade balance sums to zero before and after
    assert frame["trade_balance"].sum() == pytest.approx(0, abs=1e-6 * eco.expenditure.sum())
    assert frame["trade_balance_new"].sum() == pytest.approx(0, abs=1e-6 * eco.expenditure.sum())


def test_load_data_names_the_embedded_economies() -> None:
    assert load_data("default") is load_default() and load_data(None) is load_default()
    assert load_data("regions").n == 14
