"""The data-policy decision (portal/data_access.py: `_decide`, `decisions_for` and their helpers) over
in-memory policy rows, users and consents: no app, no database (the row loader and the two queries are
replaced). Outcomes only: the access applied to each field and which rows were considered.
"""
from datetime import date
from types import SimpleNamespace as NS

import pytest

from portal import data_access
from portal.models import Access, Audience, Role

FULL, MASKED, CONSENT, HIDDEN = Access.FULL, Access.MASKED, Access.WITH_CONSENT, Access.HIDDEN
PROVIDER, SUB, OFFICER, INSPECTOR = Audience.PROVIDER, Audience.SUBCONTRACTOR, Audience.REFERRAL_OFFICER, Audience.INSPECTOR


@pytest.fixture
def policy(monkeypatch):
    """{(field, audience): [(programme_id, accredited, access, text)]}, as `_rules()` returns it."""
    rows = data_access._PolicyRules()

    def rules():
        rows.decided.clear()  # the tests change rows between decisions; a real change is a new object
        return rows

    monkeypatch.setattr(data_access, "_rules", rules)
    return rows


@pytest.fixture
def world(monkeypatch, policy):
    """The two queries `decisions_for` makes: programmes in scope and live health consents."""
    state = NS(programmes={}, consents=[], consent_calls=[], scope_calls=[])

    def programmes_in_scope(user, customer_ids):
        state.scope_calls.append((user, list(customer_ids)))
        return {cid: set(ids) for cid, ids in state.programmes.items() if cid in customer_ids}

    def health_consents(user, customer_id):
        state.consent_calls.append((user, customer_id))
        return state.consents

    monkeypatch.setattr(data_access, "_programmes_in_scope", programmes_in_scope)
    monkeypatch.setattr(data_access, "_health_consents", health_consents)
    state.policy = policy
    return state


def organisation(id=10, prime_id=None, accredited=False):
    return NS(id=id, prime_id=prime_id, is_subcontractor=prime_id is not None, security_accredited=accredited)


def user(role=Role.ADVISER, organisation=None):
    org = organisation
    return NS(role=role, organisation=org,
              is_subcontractor_staff=role.is_provider and org is not None and org.is_subcontractor)


def test_r_data_1_audiences():
    assert data_access.audience_for(user(Role.INSPECTOR)) == INSPECTOR
    assert data_access.audience_for(user(Role.REFERRAL_OFFICER)) == OFFICER
    assert data_access.audience_for(user(Role.DISABILITY_EMPLOYMENT_ADVISER)) == OFFICER  # R-WC-1
    assert data_access.audience_for(user(Role.ADVISER, organisation())) == PROVIDER
    assert data_access.audience_for(user(Role.MANAGER, organisation(prime_id=1))) == SUB
    assert data_access.audience_for(user(Role.ADVISER, None)) is None
    assert data_access.audience_for(user(Role.ADMIN, organisation())) is None


def test_r_data_1_a_subcontractor_is_held_to_its_primes_policy_too():
    assert data_access._audiences(user(Role.MANAGER, organisation(prime_id=1))) == (SUB, PROVIDER)
    assert data_access._audiences(user(Role.ADVISER, organisation())) == (PROVIDER,)
    assert data_access._audiences(user(Role.INSPECTOR)) == (INSPECTOR,)
    assert data_access._audiences(user(Role.ADMIN)) == ()


def test_r_data_3_consent_is_given_to_the_prime():
    assert data_access._consenting_organisation_id(user(organisation=organisation(id=7))) == 7
    assert data_access._consenting_organisation_id(user(organisation=organisation(id=7, prime_id=3))) == 3
    assert data_access._consenting_organisation_id(user(organisation=None)) is None


def test_r_data_1_no_matching_row_hides_the_field(policy):
    decision = data_access._decide("nino", (PROVIDER,), {1}, False)
    assert decision.access == HIDDEN and len(decision.rules) == 1
    policy[("nino", INSPECTOR)] = [(None, None, FULL, "inspectors")]
    assert data_access._decide("nino", (PROVIDER,), {1}, False).access == HIDDEN


def test_r_data_1_a_row_applies_to_its_programme_and_accreditation(policy):
    policy[("nino", PROVIDER)] = [(2, None, FULL, "programme 2"), (None, True, FULL, "accredited"),
                                  (None, False, MASKED, "not accredited")]
    assert data_access._decide("nino", (PROVIDER,), {1}, False) == data_access.Decision(MASKED, ("not accredited",))
    assert data_access._decide("nino", (PROVIDER,), {1}, True) == data_access.Decision(FULL, ("accredited",))
    assert data_access._decide("nino", (PROVIDER,), {2}, True) == data_access.Decision(
        FULL, ("programme 2", "accredited"))
    assert data_access._decide("nino", (PROVIDER,), {1, 2}, False) == data_access.Decision(
        MASKED, ("programme 2", "not accredited"))
    assert data_access._decide("phone", (PROVIDER,), {2}, True).access == HIDDEN


@pytest.mark.parametrize("accesses, strictest", [
    ((FULL,), FULL), ((MASKED,), MASKED), ((CONSENT,), CONSENT), ((HIDDEN,), HIDDEN),
    ((FULL, MASKED), MASKED), ((MASKED, FULL), MASKED), ((MASKED, CONSENT), CONSENT), ((CONSENT, MASKED), CONSENT),
    ((FULL, CONSENT), CONSENT), ((CONSENT, HIDDEN), HIDDEN), ((HIDDEN, FULL), HIDDEN)])
def test_r_data_1_the_most_restrictive_matching_row_wins(policy, accesses, strictest):
    policy[("email", PROVIDER)] = [(None, None, access, f"row {n}") for n, access in enumerate(accesses)]
    decision = data_access._decide("email", (PROVIDER,), {1}, False)
    assert decision.access == strictest
    assert decision.rules == tuple(f"row {n}" for n in range(len(accesses)))


def test_r_data_1_every_audience_row_counts_for_a_subcontractor(policy):
    policy[("email", SUB)] = [(None, None, FULL, "sub")]
    policy[("email", PROVIDER)] = [(None, None, MASKED, "prime")]
    assert data_access._decide("email", (SUB, PROVIDER), {1}, False) == data_access.Decision(MASKED, ("sub", "prime"))
    assert data_access._decide("email", (SUB,), {1}, False).access == FULL


def test_r_data_1_a_provider_sees_what_its_programmes_rows_allow(world):
    world.policy[("name", PROVIDER)] = [(None, None, FULL, "all")]
    world.policy[("nino", PROVIDER)] = [(5, None, MASKED, "programme 5")]
    world.programmes = {1: {5}}
    adviser = user(organisation=organisation())
    decisions = data_access.decisions_for(adviser, 1)
    assert list(decisions) == [name for name, _label in data_access.DWP_FIELDS]
    assert decisions["name"] == (FULL, ("all",))
    assert decisions["nino"] == (MASKED, ("programme 5",))
    assert decisions["phone"][0] == HIDDEN
    assert world.scope_calls == [(adviser, [1])]
    assert world.consent_calls == []  # no field needed consent


def test_r_data_6_a_provider_without_an_open_referral_sees_nothing(world):
    world.policy[("name", PROVIDER)] = [(None, None, FULL, "all")]
    decisions = data_access.decisions_for(user(organisation=organisation()), 1)
    assert decisions["name"] == (HIDDEN, ())
    assert all(access == HIDDEN for access, _ in decisions.values())


def test_r_data_1_an_administrator_sees_nothing(world):
    world.policy[("name", PROVIDER)] = [(None, None, FULL, "all")]
    world.programmes = {1: {5}}
    decisions = data_access.decisions_for(user(Role.ADMIN, organisation()), 1)
    assert decisions["name"] == (HIDDEN, ())
    assert world.scope_calls == []


@pytest.mark.parametrize("role, audience", [(Role.INSPECTOR, INSPECTOR), (Role.REFERRAL_OFFICER, OFFICER)])
def test_r_data_1_dwp_users_see_by_the_every_programme_rows(world, role, audience):
    world.policy[("nino", audience)] = [(None, None, FULL, "every programme"), (5, None, MASKED, "programme 5")]
    assert data_access.decisions_for(user(role), 1)["nino"] == (FULL, ("every programme",))
    world.programmes = {1: {5}}
    assert data_access.decisions_for(user(role), 1)["nino"] == (MASKED, ("every programme", "programme 5"))


def test_r_data_1_accreditation_is_the_users_organisations(world):
    world.policy[("nino", PROVIDER)] = [(None, True, FULL, "accredited"), (None, False, MASKED, "not")]
    world.programmes = {1: {5}}
    assert data_access.decisions_for(user(organisation=organisation(accredited=True)), 1)["nino"][0] == FULL
    assert data_access.decisions_for(user(organisation=organisation(accredited=False)), 1)["nino"][0] == MASKED
    world.policy[("nino", INSPECTOR)] = [(None, False, FULL, "no organisation")]
    assert data_access.decisions_for(user(Role.INSPECTOR), 1)["nino"][0] == FULL


def consent(items, given_on, recorded_by="Ann Adviser"):
    return NS(items=items.split(), given_on=given_on, recorded_by=NS(name=recorded_by) if recorded_by else None)


def test_r_data_3_with_consent_is_shown_only_while_consent_names_the_field(world):
    world.policy[("health_summary", PROVIDER)] = [(None, None, CONSENT, "with consent")]
    world.policy[("medical_details", PROVIDER)] = [(None, None, CONSENT, "with consent")]
    world.programmes = {1: {5}}
    adviser = user(organisation=organisation())
    decisions = data_access.decisions_for(adviser, 1)
    assert decisions["health_summary"][0] == HIDDEN and len(decisions["health_summary"][1]) == 2
    assert all(isinstance(reason, str) and reason for reason in decisions["health_summary"][1])
    assert decisions["medical_details"][0] == HIDDEN
    world.consents = [consent("health_summary", date(2026, 3, 5), None),
                      consent("health_summary medical_details", date(2026, 6, 7))]
    world.consent_calls.clear()
    decisions = data_access.decisions_for(adviser, 1)
    assert decisions["health_summary"][0] == FULL
    assert decisions["health_summary"][1][0] == "with consent" and len(decisions["health_summary"][1]) == 2
    assert "7 June 2026" in decisions["health_summary"][1][1]  # the latest consent is the one cited
    assert "Ann Adviser" in decisions["health_summary"][1][1]
    assert decisions["medical_details"][0] == FULL
    assert world.consent_calls == [(adviser, 1)]  # asked once per customer, not per field
    world.consents = [consent("medical_details", date(2026, 3, 5), None)]
    decisions = data_access.decisions_for(adviser, 1)
    assert decisions["health_summary"][0] == HIDDEN and decisions["medical_details"][0] == FULL


def test_r_data_1_may_see_is_full_access_only(world):
    world.policy[("nino", PROVIDER)] = [(None, None, MASKED, "masked")]
    world.policy[("phone", PROVIDER)] = [(None, None, FULL, "full")]
    world.programmes = {1: {5}}
    adviser = user(organisation=organisation())
    assert data_access.may_see(adviser, 1, "phone") is True
    assert data_access.may_see(adviser, 1, "nino") is False
    assert data_access.may_see(adviser, 1, "email") is False


def test_r_data_5_a_masked_nino_shows_the_last_two_digits_and_the_letter():
    assert data_access.mask_nino("AB123456C") == "•• •• •• 56 C"
    assert data_access.mask_nino("12C") == "•• •• •• 12 C"
    placeholder = data_access.mask_nino(None)
    assert data_access.mask_nino("2C") == placeholder == data_access.mask_nino("")
    assert not any(ch.isalnum() for ch in placeholder)


def test_r_data_5_masked_fields():
    record = NS(nino="AB123456C", date_of_birth=date(1990, 5, 17), phone="07700 900123")
    assert data_access._masked(record, "nino") == "•• •• •• 56 C"
    assert data_access._masked(record, "date_of_birth") == "•• •• 1990"
    withheld = data_access._masked(record, "phone")
    assert "0770" not in withheld and "123" not in withheld
    assert data_access._masked(NS(nino=None, date_of_birth=None), "date_of_birth") == withheld
