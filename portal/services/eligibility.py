"""Eligibility checks named by a programme's `eligibility_checks` column (R-ELIG-1, R-ELIG-4).

Each check takes the referral's facts and returns the problems it finds (empty when eligible).
A new programme picks checks from this registry; no view changes.
"""
from datetime import date

ESO_START = date(2017, 4, 3)


def eso(facts):
    """R-ELIG-1: UC Work Preparation group (LCW), WCA decision dated on or after 3 April 2017."""
    if not facts.get("eso_place"):
        return []
    problems = []
    if facts.get("benefit_type") != "UC" or facts.get("wca_group") != "LCW":
        problems.append("An Enhanced Support Offer place is only for Universal Credit claimants in the work preparation group (limited capability for work)")
    decision = facts.get("wca_decision_date")
    if decision is None:
        problems.append("Enter the WCA decision date: an Enhanced Support Offer place depends on it")
    elif decision < ESO_START:
        problems.append("An Enhanced Support Offer place needs a WCA decision dated on or after 3 April 2017")
    return problems


def lse_benefit(facts):
    """R-ELIG-4: an ESA or UC claimant."""
    if facts.get("benefit_type") not in ("ESA_IR", "ESA_CB", "UC"):
        return ["Local Supported Employment is for Employment and Support Allowance or Universal Credit claimants"]
    return []


def lse_condition(facts):
    """R-ELIG-4: a learning disability or autism known to adult social care, or secondary mental health services."""
    if not (facts.get("learning_disability_or_autism") or facts.get("secondary_mental_health")):
        return ["Local Supported Employment is for people with a learning disability or autism known to adult social care, or in contact with secondary mental health services"]
    return []


def no_other_provision(facts):
    """R-ELIG-4: on no other DWP provision, as DWP recorded it. The portal's own open referrals are
    checked once the customer is known (`open_provision_problems`, R-CUST-1)."""
    if facts.get("on_other_dwp_provision"):
        return ["The customer is on other DWP provision, so cannot be referred to this programme"]
    return []


def open_provision_problems(programme, open_referrals):
    """R-CUST-1, R-ELIG-4 (LSE 5.4): a programme whose checks include `no_other_provision` refuses a
    customer with an open referral; `open_referrals` describes each, e.g. 'Work Choice with Northway'."""
    if "no_other_provision" not in programme.check_names or not open_referrals:
        return []
    return [f"This customer is already on other DWP provision ({'; '.join(open_referrals)}), so cannot be "
            f"referred to {programme.name}. Refer them when that referral has ended."]


CHECKS = {"eso": eso, "lse_benefit": lse_benefit, "lse_condition": lse_condition, "no_other_provision": no_other_provision}


def eligibility_problems(programme, facts):
    facts = dict(facts)
    if programme.eso_places == "always":
        facts["eso_place"] = True
    elif programme.eso_places == "never":
        facts["eso_place"] = False
    problems = []
    for name in programme.check_names:
        problems.extend(CHECKS[name](facts))
    return problems
