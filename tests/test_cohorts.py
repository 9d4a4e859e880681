"""J2E job clubs (R-ELIG-3), group sessions, and changes of circumstance (R-ELIG-2)."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CircumstanceChange, Cohort, CohortPlace, HoursEntry, Referral, ReferralStatus,
)
from portal.services import cohorts, referrals
from tests.factories import make_customer, sign_in_as

TODAY = date.today()


def d(value):
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def club(client, world):
    sign_in_as(client, world.users["j2e_manager"])
    starts = TODAY - timedelta(days=7)
    response = client.post("/clubs/new", data={"programme": "J2E", "name": "Tuesday club", "starts_on": d(starts)})
    assert response.status_code == 302
    return db.session.scalars(select(Cohort)).one()


def referred_j2e(world, n):
    return [make_customer(world.orgs["j2e"], "J2E", status=ReferralStatus.REFERRED, first_name="Member",
                          last_name=f"Number{i}", referred_days_ago=20) for i in range(n)]


def start(client, customer, club, on=TODAY):
    referral = customer.referrals[0]
    return client.post(f"/customers/{customer.id}/referrals/{referral.id}/start",
                       data={"effective_on": d(on), "cohort": str(club.id)})


def test_r_elig_3_a_club_runs_12_weeks_for_15_and_counts_against_8_a_year(client, club):
    assert (club.ends_on - club.starts_on).days == 12 * 7 - 1 and club.capacity == 15
    page = client.get("/clubs/").get_data(as_text=True)
    assert "Tuesday club" in page and "1 of 8 clubs expected this year" in page and "0 of 15" in page


def test_starting_a_j2e_customer_takes_a_club_place(client, club, world):
    customer = referred_j2e(world, 1)[0]
    page = client.get(f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/start").get_data(as_text=True)
    assert "Tuesday club (15 of 15 places free)" in page
    missing = client.post(f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/start",
                          data={"effective_on": d(TODAY)})
    assert "Select the club the customer is joining" in missing.get_data(as_text=True)
    assert start(client, customer, club).status_code == 302
    db.session.refresh(club)
    assert club.places_taken == 1 and [p.referral.customer_id for p in club.places] == [customer.id]


def test_r_elig_3_the_16th_start_is_refused_with_a_clear_message_and_changes_nothing(client, club, world):
    customers = referred_j2e(world, 16)
    for customer in customers[:15]:
        assert start(client, customer, club).status_code == 302
    response = start(client, customers[15], club)
    assert response.status_code == 200
    assert "Tuesday club is full: all 15 places are taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, customers[15].referrals[0].id).status == ReferralStatus.REFERRED
    assert db.session.get(Cohort, club.id).places_taken == 15
    assert db.session.scalar(select(func.count()).select_from(CohortPlace)) == 15


def test_r_elig_3_two_starts_at_once_for_the_last_place_one_wins(app, club, world):
    customers = referred_j2e(world, 16)
    for customer in customers[:14]:
        referrals.change_status(customer.referrals[0], ReferralStatus.STARTED, by=world.users["j2e_adviser"],
                                effective_on=TODAY, cohort=club)
    db.session.commit()
    contenders = [c.referrals[0].id for c in customers[14:]]
    adviser_id, club_id = world.users["j2e_adviser"].id, club.id
    barrier = threading.Barrier(2)
    outcomes = []

    def start_in_own_session(referral_id):
        with app.app_context():
            referral = db.session.get(Referral, referral_id)
            cohort = db.session.get(Cohort, club_id)
            adviser = db.session.get(type(world.users["j2e_adviser"]), adviser_id)
            barrier.wait()
            try:
                referrals.change_status(referral, ReferralStatus.STARTED, by=adviser, effective_on=TODAY, cohort=cohort)
                db.session.commit()
                outcomes.append("started")
            except referrals.ReferralError as error:
                db.session.rollback()
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start_in_own_session, args=(rid,)) for rid in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "started" and "is full" in sorted(outcomes)[0]
    db.session.expire_all()
    assert db.session.get(Cohort, club.id).places_taken == 15
    assert db.session.scalar(select(func.count()).select_from(CohortPlace)) == 15


def test_a_group_session_gives_each_attendee_their_hours(client, club, world):
    customers = referred_j2e(world, 3)
    on = max(club.starts_on, TODAY - timedelta(days=1))
    for customer in customers:
        start(client, customer, club, on=club.starts_on)
    db.session.expire_all()
    place_ids = {p.referral.customer_id: p.referral_id for p in db.session.get(Cohort, club.id).places}
    attendees = [place_ids[customers[0].id], place_ids[customers[1].id]]
    response = client.post(f"/clubs/{club.id}/session", data={
        "on": d(on), "activity": "confidence_building", "hours": "2.5", "description": "Group session on interviews",
        "attendees": [str(a) for a in attendees]})
    assert response.status_code == 302
    entries = db.session.scalars(select(HoursEntry)).all()
    assert sorted(e.referral_id for e in entries) == sorted(attendees)
    assert all(e.quarters == 10 and e.mode.value == "group" for e in entries)
    empty = client.post(f"/clubs/{club.id}/session", data={
        "on": d(on), "activity": "confidence_building", "hours": "2", "description": "x"})
    assert "Select who attended" in empty.get_data(as_text=True)


def test_another_organisation_cannot_see_the_club(client, club, world, app):
    other = app.test_client()
    sign_in_as(other, world.users["ses_manager"])
    assert other.get(f"/clubs/{club.id}").status_code == 404


def test_r_elig_2_no_longer_eligible_before_the_start_means_cannot_start(client, club, world):
    customer = referred_j2e(world, 1)[0]
    referral = customer.referrals[0]
    url = f"/customers/{customer.id}/referrals/{referral.id}/circumstances"
    wrong = client.post(url, data={"kind": "no_longer_eligible", "changed_on": d(TODAY), "decision": "continue"})
    assert "A change before the start allows: cannot start" in wrong.get_data(as_text=True)
    assert client.post(url, data={"kind": "no_longer_eligible", "changed_on": d(TODAY),
                                  "decision": "cannot_start"}).status_code == 302
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == ReferralStatus.EXITED_EARLY and "cannot start" in referral.exit_reason_text \
        and referral.exit_reason_code == "circumstances"
    assert start(client, customer, club).status_code == 200  # the start is refused


def test_r_elig_2_after_the_start_they_may_continue_and_a_move_may_mean_referral_on(client, club, world):
    customers = referred_j2e(world, 2)
    for customer in customers:
        start(client, customer, club, on=club.starts_on)
    first, second = (db.session.get(Referral, c.referrals[0].id) for c in customers)
    assert client.post(f"/customers/{customers[0].id}/referrals/{first.id}/circumstances", data={
        "kind": "no_longer_eligible", "changed_on": d(TODAY), "decision": "continue"}).status_code == 302
    assert client.post(f"/customers/{customers[1].id}/referrals/{second.id}/circumstances", data={
        "kind": "moved_out_of_area", "changed_on": d(TODAY), "decision": "refer_on"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, first.id).status == ReferralStatus.STARTED
    assert db.session.get(Referral, second.id).status == ReferralStatus.EXITED_EARLY
    assert db.session.scalar(select(func.count()).select_from(CircumstanceChange)) == 2


def test_contract_year_runs_april_to_march():
    assert cohorts.contract_year(date(2027, 2, 1)) == (date(2026, 4, 1), date(2027, 3, 31))
    assert cohorts.contract_year(date(2026, 4, 1)) == (date(2026, 4, 1), date(2027, 3, 31))
