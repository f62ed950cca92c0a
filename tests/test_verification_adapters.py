"""The data comparison sources' simulators: card holder base, labour-use filings, big-data platform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal.adapters.social_insurance import NO_RECORD, SocialInsuranceSimulator
from portal.adapters.verification import (
    BIG_DATA_CHECKS,
    SIMULATOR_DATA,
    BigDataPlatformSimulator,
    CardHolderBaseSimulator,
    Finding,
    LabourFilingsSimulator,
    Sources,
    make_sources,
)
from portal.models import VerificationOutcome
from portal.rules.idnumber import parse_id

MATCH = VerificationOutcome.MATCH
MISMATCH = VerificationOutcome.MISMATCH

WANG_JIANGUO = "440803198805120036"  # card base matches; active filing at the sample port company
CHEN_MEILING = "440811199208080042"  # card base matches; no filing
LI_QIANG = "440881198503150052"  # filing ended 2026-09-30
HUANG_HAI = "45010219900101001X"  # filing ended 2026-10-31
ZHANG_WEI = "440802198607210018"  # on record as 张伟
FILED_NOT_INSURED = "440803199103150024"  # 林晓燕: active filing, no social-insurance record
BUSINESS_OWNER = "440804198006120036"
PENSIONER = "440881196804150022"
DECEASED = "440883195203030015"
STUDENT = "440823200409090029"
NO_CARD = "440882199507070018"
UNKNOWN = "440802199001010016"  # in no simulator file


def _all_ids_in(data: dict[str, Any]) -> list[str]:
    return (
        [p["id"] for p in data["card_holders"]]
        + list(data["no_card"])
        + [f["id"] for f in data["labour_filings"]]
        + [p["id"] for p in data["big_data"]]
    )


def _data() -> dict[str, Any]:
    return json.loads(SIMULATOR_DATA.read_text(encoding="utf-8"))


def _write(tmp_path: Path, **overrides: Any) -> Path:
    data = {"note": "test", "card_holders": [], "no_card": [], "labour_filings": [], "big_data": []}
    data.update(overrides)
    path = tmp_path / "sim.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# Card holder base


async def test_card_base_matches_the_name_on_record() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(WANG_JIANGUO, "王建国")
    assert finding == Finding(MATCH, {"name_on_record": "王建国"})


async def test_card_base_ignores_spaces_and_full_width_forms_in_the_name() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(CHEN_MEILING, " 陈 美玲 ")
    assert finding.outcome == MATCH


async def test_card_base_reports_a_different_name() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(ZHANG_WEI, "张玮")
    assert finding == Finding(MISMATCH, {"reason": "name_differs", "name_on_record": "张伟", "name_given": "张玮"})


async def test_card_base_matches_zhang_wei_under_his_own_name() -> None:
    assert (await CardHolderBaseSimulator().compare_identity(ZHANG_WEI, "张伟")).outcome == MATCH


async def test_card_base_reports_no_card_holder() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(NO_CARD, "任何人")
    assert finding == Finding(MISMATCH, {"reason": "no_card_holder"})


async def test_card_base_answers_unknown_people_with_a_simulated_match() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(UNKNOWN, "路人甲")
    assert finding == Finding(MATCH, {"simulated": True})


async def test_card_base_accepts_a_lowercase_x() -> None:
    finding = await CardHolderBaseSimulator().compare_identity(HUANG_HAI.lower(), "黄海")
    assert finding == Finding(MATCH, {"name_on_record": "黄海"})


def test_card_base_refuses_an_id_both_holder_and_without_card(tmp_path: Path) -> None:
    path = _write(tmp_path, card_holders=[{"id": NO_CARD, "name": "某人"}], no_card=[NO_CARD])
    with pytest.raises(ValueError, match="no_card"):
        CardHolderBaseSimulator(path)


# Labour-use filings


async def test_labour_filings_report_an_active_filing() -> None:
    finding = await LabourFilingsSimulator().compare_unemployment(WANG_JIANGUO)
    assert finding == Finding(
        MISMATCH,
        {
            "reason": "active_filing",
            "employer": "湛江示例港务有限公司（示例）",
            "employer_en": "Zhanjiang Sample Port Co. (sample)",
            "since": "2019-03-01",
        },
    )


async def test_labour_filings_catch_filed_but_not_insured() -> None:
    assert await SocialInsuranceSimulator().employment(FILED_NOT_INSURED) == NO_RECORD
    finding = await LabourFilingsSimulator().compare_unemployment(FILED_NOT_INSURED)
    assert finding.outcome == MISMATCH
    assert finding.detail["reason"] == "active_filing"
    assert finding.detail["since"] == "2025-04-01"


@pytest.mark.parametrize("id_number", [LI_QIANG, HUANG_HAI])
async def test_labour_filings_accept_ended_filings(id_number: str) -> None:
    finding = await LabourFilingsSimulator().compare_unemployment(id_number)
    assert finding == Finding(MATCH, {"filings": 1})


async def test_labour_filings_match_unknown_people() -> None:
    finding = await LabourFilingsSimulator().compare_unemployment(UNKNOWN)
    assert finding == Finding(MATCH, {"filings": 0})


async def test_labour_filings_report_the_latest_active_filing(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        labour_filings=[
            {"id": UNKNOWN, "employer": "甲（示例）", "employer_en": "A", "since": "2020-01-01", "ended": None},
            {"id": UNKNOWN, "employer": "乙（示例）", "employer_en": "B", "since": "2023-01-01", "ended": None},
            {"id": UNKNOWN, "employer": "丙（示例）", "since": "2024-01-01", "ended": "2024-06-30"},
        ],
    )
    finding = await LabourFilingsSimulator(path).compare_unemployment(UNKNOWN)
    assert finding.detail == {
        "reason": "active_filing",
        "employer": "乙（示例）",
        "employer_en": "B",
        "since": "2023-01-01",
    }


# Big-data platform


async def test_big_data_reports_a_business_owner() -> None:
    finding = await BigDataPlatformSimulator().compare_other(BUSINESS_OWNER)
    assert finding == Finding(
        MISMATCH,
        {
            "reason": "business_owner",
            "business": "坡头示例海鲜排档（示例）",
            "business_en": "Potou Sample Seafood Stall (sample)",
        },
    )


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [(PENSIONER, "pension"), (DECEASED, "deceased"), (STUDENT, "student")],
)
async def test_big_data_reports_pension_death_and_study(id_number: str, reason: str) -> None:
    finding = await BigDataPlatformSimulator().compare_other(id_number)
    assert finding == Finding(MISMATCH, {"reason": reason})


@pytest.mark.parametrize("id_number", [UNKNOWN, WANG_JIANGUO])
async def test_big_data_matches_people_it_knows_nothing_against(id_number: str) -> None:
    finding = await BigDataPlatformSimulator().compare_other(id_number)
    assert finding == Finding(MATCH, {"checked": list(BIG_DATA_CHECKS)})
    assert set(finding.detail["checked"]) == {"business_owner", "pension", "deceased", "student"}


async def test_big_data_gives_the_most_decisive_reason_first(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        big_data=[{"id": UNKNOWN, "flags": ["student", "business_owner", "deceased"], "business": "某店（示例）"}],
    )
    finding = await BigDataPlatformSimulator(path).compare_other(UNKNOWN)
    assert finding.outcome == MISMATCH
    assert finding.detail["reason"] == "deceased"
    assert finding.detail["other_reasons"] == ["business_owner", "student"]
    assert finding.detail["business"] == "某店（示例）"


def test_big_data_refuses_unknown_flags(tmp_path: Path) -> None:
    path = _write(tmp_path, big_data=[{"id": UNKNOWN, "flags": ["astronaut"]}])
    with pytest.raises(ValueError, match="astronaut"):
        BigDataPlatformSimulator(path)


def test_big_data_refuses_a_business_owner_without_a_business(tmp_path: Path) -> None:
    path = _write(tmp_path, big_data=[{"id": UNKNOWN, "flags": ["business_owner"]}])
    with pytest.raises(ValueError, match="business"):
        BigDataPlatformSimulator(path)


# Across all sources


def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, str | int | bool):
        return True
    if isinstance(value, list):
        return all(_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    return False


async def test_no_finding_contains_the_id_number_and_all_are_json_safe() -> None:
    sources = make_sources()
    ids = {*_all_ids_in(_data()), UNKNOWN}
    findings: list[Finding] = []
    for id_number in sorted(ids):
        findings.append(await sources.card_base.compare_identity(id_number, "王建国"))
        findings.append(await sources.card_base.compare_identity(id_number, "另一个名字"))
        findings.append(await sources.labour_filings.compare_unemployment(id_number))
        findings.append(await sources.big_data.compare_other(id_number))
    for finding in findings:
        assert isinstance(finding.outcome, VerificationOutcome)
        assert _json_safe(finding.detail)
        text = json.dumps(finding.detail, ensure_ascii=False).upper()
        for id_number in ids:
            assert id_number not in text
            assert id_number[:17] not in text
    outcomes = {(f.outcome, f.detail.get("reason")) for f in findings}
    assert outcomes >= {
        (MATCH, None),
        (MISMATCH, "name_differs"),
        (MISMATCH, "no_card_holder"),
        (MISMATCH, "active_filing"),
        (MISMATCH, "business_owner"),
        (MISMATCH, "pension"),
        (MISMATCH, "deceased"),
        (MISMATCH, "student"),
    }


def test_every_id_in_the_simulator_file_is_valid() -> None:
    ids = _all_ids_in(_data())
    assert len(ids) >= 11
    for id_number in ids:
        assert parse_id(id_number).id == id_number


def test_the_pensioner_is_a_woman_born_in_1968() -> None:
    info = parse_id(PENSIONER)
    assert (info.sex, info.birth_date.year) == ("F", 1968)


def test_the_note_names_every_demo_id() -> None:
    data = _data()
    for id_number in _all_ids_in(data):
        assert id_number in data["note"]


def test_make_sources_builds_the_simulators() -> None:
    sources = make_sources()
    assert isinstance(sources, Sources)
    assert isinstance(sources.card_base, CardHolderBaseSimulator)
    assert isinstance(sources.labour_filings, LabourFilingsSimulator)
    assert isinstance(sources.big_data, BigDataPlatformSimulator)
    assert {sources.card_base.name, sources.labour_filings.name, sources.big_data.name} == {"simulator"}


@pytest.mark.parametrize("kind", ["production", "", "Simulator"])
def test_make_sources_rejects_unknown_kinds(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown verification adapter"):
        make_sources(kind)
