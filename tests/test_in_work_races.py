"""The employer's one-time code when requests meet (PostgreSQL), and migration 0019 carrying in-work plans
into agreements with nothing lost (R-ISP-12, R-SIGN-1, R-SIGN-4)."""
import flask_migrate
import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import (
    AuditEvent, EmployerSigningLink, InWorkAgreement, InWorkJob, InWorkSignature, Plan, PlanParty, PlanVersion, Role,
    Signature, SignatureMethod, TaperStep, VersionStatus,
)
from portal.models.base import utcnow
from portal.services import employer_links
from tests.conftest import test_config
from tests.factories import make_customer, make_organisation, make_user
from tests.test_in_work_agreement import (  # noqa: F401 (the fixture)
    in_work_plan, newest_code, send_link, sent_agreement,
)
from tests.test_integrity import at_once, gate, postgres_only


@pytest.fixture
def code_sent(app, client, in_work_plan):
    postgres_only(app)
    customer, plan = in_work_plan
    sent_agreement(client, customer, plan)
    path = send_link(client, customer, plan)
    first, second = app.test_client(), app.test_client()
    first.post(path, data={"action": "send"})
    return path, first, second, newest_code()


def test_r_isp_12_two_wrong_codes_at_once_compare_no_more_than_the_limit(app, monkeypatch, code_sent):
    path, first, second, code = code_sent
    link = db.session.scalar(select(EmployerSigningLink))
    link.attempts = employer_links.MAX_ATTEMPTS - 1
    db.session.commit()
    wrong = "000000" if code != "000000" else "111111"
    gate(monkeypatch, employer_links, ["check_code"])
    answers = at_once(app, [(first, path, {"action": "check", "code": wrong}),
                            (second, path, {"action": "check", "code": wrong})])
    assert sorted(status for status, _ in answers) == [404, 404]
    assert db.session.scalar(select(EmployerSigningLink.attempts)) == employer_links.MAX_ATTEMPTS
    compared = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.employer_code_failed")).all()
    assert len(compared) == 1  # only one of the two was ever compared with the code


def test_r_isp_12_the_right_code_twice_at_once_opens_the_link_once(app, monkeypatch, code_sent):
    path, first, second, code = code_sent
    gate(monkeypatch, employer_links, ["check_code"])
    answers = at_once(app, [(first, path, {"action": "check", "code": code}),
                            (second, path, {"action": "check", "code": code})])
    assert sorted(status for status, _ in answers) == [302, 400]
    checked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "in_work.employer_code_checked")).all()
    assert len(checked) == 1


def test_r_sign_1_migration_0019_moves_in_work_plans_into_agreements_losing_nothing(tmp_path):
    """An agreed in-work version becomes an agreed agreement with the signatures that covered it (the
    employer's "adviser" method corrected); a draft one becomes a draft agreement; the plan keeps its copy."""
    app = create_app(test_config(f"sqlite:///{tmp_path / 'migrate.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade()
        org = make_organisation("Carry Over Ltd")
        adviser = make_user("adviser@carry.example", Role.ADVISER, org)
        customer = make_customer(org, "SES", adviser=adviser)
        referral = customer.referrals[0]
        job = InWorkJob(referral_id=referral.id, employer_name="Corner Bakery", employer_staff=8, job_title="Baker",
                        started_on=referral.started_on, recorded_by_id=adviser.id)
        plan = Plan(customer_id=customer.id, programme_id=referral.programme_id)
        hash_ = "a" * 64
        agreed = PlanVersion(plan=plan, number=1, organisation_id=org.id, referral=referral,
                             status=VersionStatus.SUPERSEDED, content_hash=hash_, agreed_at=utcnow(),
                             in_work=True, employer_name="corner bakery", job_title="Baker",
                             job_start_on=referral.started_on, check_settled_in="Settled well", check_transport="Bus",
                             check_benefits_advice="Advice given", check_adjustments="Quiet room")
        agreed.parties = [PlanParty(key="p1", position=0, role="customer", name="Test Customer"),
                          PlanParty(key="p2", position=1, role="adviser", name="Adviser"),
                          PlanParty(key="p3", position=2, role="employer", name="Pat Boss")]
        agreed.taper_steps = [TaperStep(key="t1", position=0, from_week=1, to_week=4, support="Weekly visit",
                                        hours_per_week=2)]
        draft = PlanVersion(plan=plan, number=2, organisation_id=org.id, referral=referral, in_work=True,
                            status=VersionStatus.DRAFT, employer_name="Elsewhere Ltd", job_title="Porter",
                            job_start_on=referral.started_on, check_transport="Lift share")
        db.session.add_all([job, plan, agreed, draft])
        db.session.flush()
        for party, method in zip(agreed.parties, (SignatureMethod.IN_PERSON, SignatureMethod.ADVISER,
                                                  SignatureMethod.ADVISER)):
            db.session.add(Signature(version_id=agreed.id, party_id=party.id, method=method, typed_name=party.name,
                                     content_hash=hash_, declaration="I agree"))
        db.session.commit()
        ids = {"agreed": agreed.id, "draft": draft.id, "job": job.id, "employer_party": agreed.parties[2].id}
        db.session.remove()

        flask_migrate.downgrade(revision="0014")
        flask_migrate.upgrade()

        first, second = db.session.scalars(select(InWorkAgreement).order_by(InWorkAgreement.number)).all()
        assert (first.status, first.job_id, first.content_hash) == (VersionStatus.SUPERSEDED, ids["job"], hash_)
        assert (first.settling_in, first.transport, first.benefits_advice, first.adjustments) == (
            "Settled well", "Bus", "Advice given", "Quiet room")
        assert first.employer_contact_name == "Pat Boss"
        assert [(s.from_week, s.support) for s in first.taper_steps] == [(1, "Weekly visit")]
        signed = {s.party: s.method for s in first.signatures}
        assert signed == {"customer": SignatureMethod.IN_PERSON, "provider": SignatureMethod.ADVISER,
                          "employer": SignatureMethod.EMPLOYER_IN_PERSON}
        assert (second.status, second.job_id, second.legacy_employer_name, second.transport) == (
            VersionStatus.DRAFT, None, "Elsewhere Ltd", "Lift share")
        assert second.employer_name == "Elsewhere Ltd" and second.content_hash is None and not second.signatures
        # The plan's own rows stay: its seal covers them. The employer's method is corrected there too.
        version = db.session.get(PlanVersion, ids["agreed"])
        assert version.in_work and [s.support for s in version.taper_steps] == ["Weekly visit"]
        employer = db.session.scalar(select(Signature).where(Signature.party_id == ids["employer_party"]))
        assert employer.method == SignatureMethod.EMPLOYER_IN_PERSON
        assert db.session.scalar(select(func.count(InWorkSignature.id))) == 3
        moved = db.session.get(PlanVersion, ids["draft"])
        assert not moved.in_work and moved.check_transport is None and not moved.taper_steps
        db.session.remove()
        db.engine.dispose()
