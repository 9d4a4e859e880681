"""The ISP send check (portal/services/plan_rules.py) over plain objects: no app, no database.

Each test names the rule it proves and asserts only the outcome (rule id, section, field), never the
wording, so `make mutation` (docs/mutation.md) can tell a broken rule from a reworded message.
"""
from datetime import date
from types import SimpleNamespace as NS

import pytest

from portal.services import plan_rules


def objective(id=1, **overrides):
    return NS(**{"id": id, "what": "Apply for three jobs", "how_often": "Weekly", "measure": "Applications sent",
                 "target_on": date(2027, 1, 1), **overrides})


def support_item(id=1, **overrides):
    return NS(**{"id": id, "kind": "support", "description": "Travel training", "objectives": [objective()],
                 "deliverer": "provider", "deliverer_name": None, **overrides})


def party(role, required=True):
    return NS(role=role, required=required)


def plan(**overrides):
    """A plan that breaks no rule."""
    values = {
        "needs_assessment": "Needs", "aspirations": "Work in retail", "job_goal": "Shop assistant",
        "target_weekly_hours": 16, "target_hours_reason": None, "barriers": ["confidence"],
        "objectives": [objective()], "support_items": [support_item()], "length_rationale": "A year",
        "review_every_weeks": 4, "first_review_on": date(2026, 12, 1), "permitted_work": False,
        "permitted_work_hours": None, "strand": None, "dea_approval_name": None, "dea_approval_on": None,
        "in_work": False, "employer_name": None, "taper_steps": [], "check_settled_in": None,
        "check_transport": None, "check_benefits_advice": None, "check_adjustments": None,
        "parties": [party("customer"), party("adviser")], "referral": NS(started_on=date(2026, 6, 1)),
        "support_network_who": None, "support_network_agreed_on": None, "support_network_withdrawn_on": None,
    }
    values.update(overrides)
    return NS(**values)


PROGRAMME = NS(code="LSE", min_aspired_weekly_hours=16, duration_weeks=52)


def found(version, programme=PROGRAMME):
    problems = plan_rules.problems(version, programme)
    assert all(isinstance(p.message, str) and p.message.strip() for p in problems)  # each says something
    return [(p.rule, p.section, p.field) for p in problems]


def test_a_complete_plan_has_no_problems():
    assert found(plan()) == []


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_r_isp_1_the_needs_assessment_is_recorded(blank):
    assert found(plan(needs_assessment=blank)) == [("R-ISP-1", "needs", "needs_assessment")]


@pytest.mark.parametrize("field", ["aspirations", "job_goal"])
@pytest.mark.parametrize("blank", [None, " "])
def test_r_isp_2_aspirations_and_job_goal(field, blank):
    assert found(plan(**{field: blank})) == [("R-ISP-2", "goals", field)]


def test_r_isp_2_weekly_hours_aimed_for():
    assert found(plan(target_weekly_hours=None)) == [("R-ISP-2", "goals", "target_weekly_hours")]
    assert found(plan(target_weekly_hours=None, target_hours_reason="Health")) == [
        ("R-ISP-2", "goals", "target_weekly_hours")]


def test_r_isp_2_a_target_under_the_programme_minimum_needs_a_reason():
    assert found(plan(target_weekly_hours=15)) == [("R-ISP-2", "goals", "target_hours_reason")]
    assert found(plan(target_weekly_hours=15, target_hours_reason=" ")) == [("R-ISP-2", "goals", "target_hours_reason")]
    assert found(plan(target_weekly_hours=15, target_hours_reason="Health")) == []
    assert found(plan(target_weekly_hours=16)) == []  # the minimum itself is enough
    assert found(plan(target_weekly_hours=0), NS(code="LSE", min_aspired_weekly_hours=None, duration_weeks=52)) == []
    assert found(plan(target_weekly_hours=0), NS(code="LSE", min_aspired_weekly_hours=0, duration_weeks=52)) == []


def test_r_isp_7_barriers():
    assert found(plan(barriers=[])) == [("R-ISP-7", "barriers", "")]


def test_r_isp_4_at_least_one_objective():
    assert found(plan(objectives=[])) == [("R-ISP-4", "objectives", "")]


@pytest.mark.parametrize("overrides, count", [({"how_often": None}, 1), ({"how_often": " "}, 1), ({"measure": None}, 1),
                                              ({"measure": ""}, 1), ({"what": " "}, 1),
                                              ({"how_often": None, "measure": None}, 2)])
def test_r_isp_4_each_objective_says_what_how_often_and_how_measured(overrides, count):
    version = plan(objectives=[objective(1), objective(7, **overrides)])
    assert found(version) == [("R-ISP-4", "objectives", "objective-7")] * count


def test_r_isp_4_each_objective_has_a_target_date():
    version = plan(objectives=[objective(3, target_on=None)])
    assert found(version) == [("R-ISP-4", "objectives", "objective-3")]
    both = plan(objectives=[objective(3, target_on=None, measure=None, what="x " * 50)])
    assert found(both) == [("R-ISP-4", "objectives", "objective-3")] * 2
    early = plan(objectives=[objective(3, target_on=date(2026, 5, 31))])
    assert found(early) == [("R-ISP-4", "objectives", "objective-3")]
    assert found(both) == [("R-ISP-4", "objectives", "objective-3")] * 2


@pytest.mark.parametrize("kind", ["qualification", "support"])
def test_r_isp_3_every_support_item_and_qualification_is_linked_to_an_objective(kind):
    version = plan(support_items=[support_item(1), support_item(5, kind=kind, objectives=[], description=None)])
    assert found(version) == [("R-ISP-3", "support", "support-5")]


@pytest.mark.parametrize("deliverer", ["subcontractor", "third_tier", "other"])
def test_r_hrs_2_support_from_another_organisation_names_who(deliverer):
    for blank in (None, " "):
        version = plan(support_items=[support_item(2, deliverer=deliverer, deliverer_name=blank)])
        assert found(version) == [("R-HRS-2", "support", "support-2")]
    assert found(plan(support_items=[support_item(2, deliverer=deliverer, deliverer_name="Allies")])) == []


@pytest.mark.parametrize("deliverer", ["provider", "employer"])
def test_r_hrs_2_the_provider_or_employer_need_no_name(deliverer):
    assert found(plan(support_items=[support_item(2, deliverer=deliverer, deliverer_name=None)])) == []


def test_r_isp_6_length_rationale():
    assert found(plan(length_rationale=None)) == [("R-ISP-6", "length", "length_rationale")]
    assert found(plan(length_rationale="  ")) == [("R-ISP-6", "length", "length_rationale")]


@pytest.mark.parametrize("overrides", [{"review_every_weeks": None}, {"review_every_weeks": 0},
                                       {"first_review_on": None}])
def test_r_isp_5_review_schedule(overrides):
    assert found(plan(**overrides)) == [("R-ISP-5", "reviews", "review_every_weeks")]


def test_r_isp_9_permitted_work_and_its_hours():
    assert found(plan(permitted_work=None)) == [("R-ISP-9", "permitted_work", "permitted_work")]
    assert found(plan(permitted_work=None, permitted_work_hours=8)) == [("R-ISP-9", "permitted_work", "permitted_work")]
    assert found(plan(permitted_work=True)) == [("R-ISP-9", "permitted_work", "permitted_work_hours")]
    assert found(plan(permitted_work=True, permitted_work_hours=0)) == []
    assert found(plan(permitted_work=False, permitted_work_hours=None)) == []


def test_r_sign_1_customer_and_provider_sign():
    assert found(plan(parties=[party("adviser")])) == [("R-SIGN-1", "parties", "")]
    assert found(plan(parties=[party("customer")])) == [("R-SIGN-1", "parties", "")]
    assert found(plan(parties=[party("customer"), party("adviser", required=False)])) == [("R-SIGN-1", "parties", "")]
    assert found(plan(parties=[])) == [("R-SIGN-1", "parties", "")] * 2


def test_a_problem_links_to_its_field_else_its_section():
    assert plan_rules.Problem("R-ISP-7", "m", "barriers").anchor == "barriers"
    assert plan_rules.Problem("R-ISP-1", "m", "needs", "needs_assessment").anchor == "needs_assessment"


def test_a_long_label_is_shortened_in_a_problem():
    assert plan_rules._short(None) == ""
    assert plan_rules._short("  Apply\n for   jobs ") == "Apply for jobs"
    assert plan_rules._short("x" * 40) == "x" * 40
    assert plan_rules._short("x" * 41) == "x" * 39 + "…"
    long = plan(support_items=[support_item(2, deliverer="other", description="y" * 60)],
                objectives=[objective(4, what="z" * 60, target_on=None)])
    assert found(long) == [("R-ISP-4", "objectives", "objective-4"), ("R-HRS-2", "support", "support-2")]


def fields(problems):
    assert all(isinstance(message, str) and message.strip() for _field, message in problems)
    return [field for field, _message in problems]


def test_r_isp_4_smart_at_save_each_field_and_the_target_inside_the_programme():
    window = (date(2026, 6, 1), date(2027, 5, 31))
    assert fields(plan_rules.objective_problems(objective(), window)) == []
    assert fields(plan_rules.objective_problems(objective(what=None, how_often="", measure=" ", target_on=None),
                                                window)) == ["what", "how_often", "measure", "target_on"]
    for day, ok in ((date(2026, 5, 31), False), (date(2026, 6, 1), True), (date(2027, 5, 31), True),
                    (date(2027, 6, 1), False)):
        assert fields(plan_rules.objective_problems(objective(target_on=day), window)) == ([] if ok else ["target_on"])
    assert fields(plan_rules.objective_problems(objective(target_on=date(2000, 1, 1)))) == []  # window unknown
    assert fields(plan_rules.objective_problems(objective(target_on=date(2000, 1, 1)), (None, date(2027, 1, 1)))) == []
    assert fields(plan_rules.objective_problems(objective(target_on=date(2099, 1, 1)), (date(2026, 1, 1), None))) == []


def test_r_isp_4_the_programme_window_runs_from_the_referral_start_for_the_programme_length():
    version = plan()
    assert plan_rules.programme_window(version, PROGRAMME) == (date(2026, 6, 1), date(2027, 5, 31))
    assert plan_rules.programme_window(plan(referral=None), PROGRAMME) == (None, None)
    assert plan_rules.programme_window(plan(referral=NS(started_on=None)), PROGRAMME) == (None, None)
    assert plan_rules.programme_window(version, NS(duration_weeks=None)) == (date(2026, 6, 1), None)
    late = plan(objectives=[objective(3, target_on=date(2027, 6, 1))])
    assert found(late) == [("R-ISP-4", "objectives", "objective-3")]
    assert found(late, NS(code="LSE", min_aspired_weekly_hours=16, duration_weeks=None)) == []


def test_r_data_8_the_support_network_agreement_is_recorded_in_the_plan():
    agreed, later = date(2026, 6, 1), date(2026, 7, 1)
    network = {"support_network_who": "Mum", "support_network_agreed_on": agreed}
    assert found(plan(**network)) == []
    assert found(plan(**network, support_network_withdrawn_on=agreed)) == []
    assert found(plan(support_network_who="Mum")) == [("R-DATA-8", "support_network", "support_network_agreed_on")]
    assert found(plan(support_network_who=" ", support_network_agreed_on=agreed)) == [
        ("R-DATA-8", "support_network", "support_network_who")]
    assert found(plan(support_network_withdrawn_on=later)) == [("R-DATA-8", "support_network", "support_network_who")]
    assert found(plan(support_network_who="Mum", support_network_agreed_on=later,
                      support_network_withdrawn_on=agreed)) == [
        ("R-DATA-8", "support_network", "support_network_withdrawn_on")]


def test_r_isp_12_the_employer_does_not_sign_the_whole_plan():
    for required in (True, False):
        version = plan(parties=[party("customer"), party("adviser"), party("employer", required=required)])
        assert found(version) == [("R-ISP-12", "parties", "")]


def agreement(**overrides):
    values = {"job_id": 1, "legacy_employer_name": None, "employer_contact_name": "Pat", "taper_steps": ["monthly"],
              "content_hash": "h1", "signatures": [], "status": NS(was_agreed=True)}
    for field_names in plan_rules.IFS12_FIELDS.values():
        values.update({name: "agreed" for name in field_names})
    values.update(overrides)
    return NS(**values)


def agreement_found(value):
    problems = plan_rules.agreement_problems(value)
    assert all(p.section == "in_work" and p.message.strip() for p in problems)
    return [(p.rule, p.field) for p in problems]


def test_r_isp_12_the_in_work_agreement_says_what_is_agreed_for_each_ifs_12_item():
    assert agreement_found(agreement()) == []
    assert agreement_found(agreement(job_id=None, legacy_employer_name="Acme")) == []
    assert agreement_found(agreement(job_id=None)) == [("R-ISP-12", "job_id")]
    assert agreement_found(agreement(job_id=None, legacy_employer_name=" ")) == [("R-ISP-12", "job_id")]
    assert agreement_found(agreement(employer_contact_name=" ")) == [("R-ISP-12", "employer_contact_name")]
    names = ["settling_in", "transport", "benefits_advice", "support", "adjustments", "colleague_advice",
             "unexpected_issues", "provider_contact"]
    assert [n for names_ in plan_rules.IFS12_FIELDS.values() for n in names_] == names
    assert set(plan_rules.IFS12_FIELDS) == set(plan_rules.IFS12_ITEMS) and len(plan_rules.IFS12_ITEMS) == 6
    for name in names:
        assert agreement_found(agreement(**{name: None})) == [("R-ISP-12", name)]
        assert agreement_found(agreement(**{name: "  "})) == [("R-ISP-12", name)]
    assert agreement_found(agreement(taper_steps=[])) == [("R-ISP-8", "taper")]


def signature(party, content_hash="h1"):
    return NS(party=party, content_hash=content_hash)


def test_r_sign_1_the_agreement_is_signed_by_those_whose_signature_covers_it():
    assert plan_rules.agreement_signed_by(None) == set()
    assert plan_rules.agreement_signed_by(agreement(content_hash=None, signatures=[signature("customer", None)])) == set()
    signed = agreement(signatures=[signature("customer"), signature("employer", "old"), signature("provider")])
    assert plan_rules.agreement_signed_by(signed) == {"customer", "provider"}


def in_work_found(value, has_job):
    problems = plan_rules.in_work_problems(value, has_job)
    assert all(isinstance(p.message, str) and p.message.strip() for p in problems)
    return [(p.rule, p.section, p.field) for p in problems]


def test_r_isp_12_and_r_sign_1_an_in_work_customer_has_an_agreement_signed_by_all_three():
    all_three = [signature("customer"), signature("employer"), signature("provider")]
    assert in_work_found(None, False) == []
    assert in_work_found(None, True) == [("R-ISP-12", "in_work", "")]
    assert in_work_found(agreement(status=NS(was_agreed=False), signatures=all_three), True) == [
        ("R-ISP-12", "in_work", "")]
    assert in_work_found(agreement(status=NS(was_agreed=False), signatures=all_three), False) == [
        ("R-ISP-12", "in_work", "")]
    assert in_work_found(agreement(signatures=all_three), True) == []
    assert in_work_found(agreement(signatures=all_three), False) == []
    for missing in ("customer", "employer", "provider"):
        partial = agreement(signatures=[s for s in all_three if s.party != missing])
        assert in_work_found(partial, True) == [("R-SIGN-1", "in_work", "")]
    assert in_work_found(agreement(signatures=all_three, employer_contact_name=None), True) == [
        ("R-ISP-12", "in_work", "employer_contact_name")]
    assert all(p.message.strip() for p in plan_rules.in_work_problems(agreement(), True))
