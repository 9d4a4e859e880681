"""Eligibility checks (portal/services/eligibility.py) over plain facts: no app, no database.

Outcomes only: eligible or not, and how many problems (see docs/mutation.md).
"""
from datetime import date
from types import SimpleNamespace as NS

import pytest

from portal.services import eligibility

ESO_FACTS = {"eso_place": True, "benefit_type": "UC", "wca_group": "LCW", "wca_decision_date": date(2017, 4, 3)}


def said(problems):
    assert all(isinstance(problem, str) and problem.strip() for problem in problems)  # each says something
    return problems


def eso(**overrides):
    return said(eligibility.eso({**ESO_FACTS, **overrides}))


def test_r_elig_1_an_eso_place_for_uc_work_preparation_after_april_2017():
    assert eso() == []
    assert eso(wca_decision_date=date(2020, 1, 1)) == []


@pytest.mark.parametrize("overrides", [{"benefit_type": "ESA_IR"}, {"benefit_type": None}, {"wca_group": "LCWRA"},
                                       {"wca_group": None}, {"benefit_type": "ESA_IR", "wca_group": "WRAG"}])
def test_r_elig_1_only_uc_claimants_in_the_work_preparation_group(overrides):
    assert len(eso(**overrides)) == 1


def test_r_elig_1_the_wca_decision_date():
    assert len(eso(wca_decision_date=None)) == 1
    assert len(eso(wca_decision_date=date(2017, 4, 2))) == 1
    assert eso(wca_decision_date=None) != eso(wca_decision_date=date(2017, 4, 2))
    assert len(eso(benefit_type="JSA", wca_decision_date=None)) == 2
    facts = dict(ESO_FACTS)
    del facts["wca_decision_date"]
    assert len(eligibility.eso(facts)) == 1


def test_r_elig_1_without_an_eso_place_nothing_is_checked():
    assert eso(eso_place=False, benefit_type="JSA", wca_decision_date=None) == []
    assert eligibility.eso({"benefit_type": "JSA"}) == []


@pytest.mark.parametrize("benefit, eligible", [("ESA_IR", True), ("ESA_CB", True), ("UC", True), ("JSA", False),
                                               ("IB", False), (None, False)])
def test_r_elig_4_lse_is_for_esa_or_uc_claimants(benefit, eligible):
    assert (eligibility.lse_benefit({"benefit_type": benefit}) == []) is eligible
    assert len(said(eligibility.lse_benefit({"benefit_type": benefit}))) == (0 if eligible else 1)


@pytest.mark.parametrize("facts, eligible", [
    ({"learning_disability_or_autism": True}, True), ({"secondary_mental_health": True}, True),
    ({"learning_disability_or_autism": True, "secondary_mental_health": True}, True),
    ({"learning_disability_or_autism": False, "secondary_mental_health": False}, False), ({}, False)])
def test_r_elig_4_lse_condition(facts, eligible):
    assert len(said(eligibility.lse_condition(facts))) == (0 if eligible else 1)


@pytest.mark.parametrize("facts, eligible", [
    ({}, True), ({"on_other_dwp_provision": False}, True), ({"on_other_dwp_provision": True}, False)])
def test_r_elig_4_on_no_other_dwp_provision(facts, eligible):
    assert len(said(eligibility.no_other_provision(facts))) == (0 if eligible else 1)


def programme(check_names, eso_places="optional"):
    return NS(check_names=check_names, eso_places=eso_places)


def test_r_elig_4_a_programme_runs_the_checks_its_row_names():
    facts = {"benefit_type": "JSA", "on_other_dwp_provision": True}
    assert len(eligibility.eligibility_problems(programme(["lse_benefit", "lse_condition", "no_other_provision"]),
                                                facts)) == 3
    assert len(eligibility.eligibility_problems(programme(["no_other_provision"]), facts)) == 1
    assert eligibility.eligibility_problems(programme([]), facts) == []
    assert set(eligibility.CHECKS) == {"eso", "lse_benefit", "lse_condition", "no_other_provision"}


def test_r_elig_1_a_programme_row_decides_whether_a_place_is_eso():
    not_eso = {"benefit_type": "JSA", "wca_decision_date": None}
    assert len(eligibility.eligibility_problems(programme(["eso"], "always"), not_eso)) == 2
    assert eligibility.eligibility_problems(programme(["eso"], "never"), {**not_eso, "eso_place": True}) == []
    assert len(eligibility.eligibility_problems(programme(["eso"], "optional"), {**not_eso, "eso_place": True})) == 2
    assert eligibility.eligibility_problems(programme(["eso"], "optional"), not_eso) == []
    facts = {**not_eso, "eso_place": True}
    eligibility.eligibility_problems(programme(["eso"], "never"), facts)
    assert facts["eso_place"] is True  # the caller's facts are not changed


def test_r_cust_1_an_open_referral_elsewhere_refuses_a_programme_that_checks_other_provision():
    lse = NS(check_names=["lse_benefit", "no_other_provision"], name="Local Supported Employment")
    assert len(said(eligibility.open_provision_problems(lse, ["Work Choice with Northway"]))) == 1
    assert len(said(eligibility.open_provision_problems(lse, ["A", "B"]))) == 1
    assert "Work Choice with Northway" in eligibility.open_provision_problems(lse, ["Work Choice with Northway"])[0]
    assert eligibility.open_provision_problems(lse, []) == []
    other = NS(check_names=["eso"], name="Work and Health Programme")
    assert eligibility.open_provision_problems(other, ["Work Choice with Northway"]) == []
