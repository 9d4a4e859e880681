"""Give a few of the bench adviser's customers a long plan history (issue 4's benchmark).

    .venv/bin/python -m bench.rich_plans --database-url URL [--customers 5]

Each chosen customer (started, with a plan, the first by id) gets 3 years of history: a version every
12 weeks (13 versions, all superseded but the newest, which is agreed), each with 50 objectives, and a
review for each change. Deterministic; run it again and it does nothing more. The runner then compares
the plan page of these customers with that of a customer whose plan has one version.
"""
import argparse
import os
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, func, insert, select, text

import bench

VERSIONS = 13
OBJECTIVES = 50
MARK = "Bench history: three years of reviews"


def enrich(database_url, customers=5):
    from portal.models import Objective, Plan, PlanVersion, Referral, Review, User

    engine = create_engine(database_url)
    with engine.begin() as connection:
        adviser = connection.execute(select(User.id, User.organisation_id).where(User.email == bench.BENCH_EMAIL)).one()
        done = connection.scalar(select(func.count()).select_from(PlanVersion).where(PlanVersion.reason == MARK))
        if done:
            return rich_customers(connection)
        plans = connection.execute(
            select(Plan.id, Plan.customer_id, PlanVersion.id.label("version_id"), Referral.id.label("referral_id"),
                   Referral.started_on)
            .join(PlanVersion, PlanVersion.plan_id == Plan.id)
            .join(Referral, Referral.id == PlanVersion.referral_id)
            .where(Referral.organisation_id == adviser.organisation_id, Referral.status == "started",
                   Referral.subcontractor_id.is_(None), PlanVersion.number == 1)
            .order_by(Plan.customer_id).limit(customers)).all()
        today = date.today()
        for plan in plans:
            first = today - timedelta(weeks=12 * (VERSIONS - 1))
            connection.execute(PlanVersion.__table__.update().where(PlanVersion.id == plan.version_id).values(
                status="superseded", agreed_at=_at(first), superseded_at=_at(first + timedelta(weeks=12))))
            version_ids = [plan.version_id]
            for number in range(2, VERSIONS + 1):
                on = first + timedelta(weeks=12 * (number - 1))
                newest = number == VERSIONS
                version_ids.append(connection.execute(insert(PlanVersion).values(
                    plan_id=plan.id, number=number, organisation_id=adviser.organisation_id,
                    referral_id=plan.referral_id, status="agreed" if newest else "superseded", reason=MARK,
                    created_by_id=adviser.id, created_at=_at(on), sent_for_signature_at=_at(on),
                    agreed_at=_at(on + timedelta(days=1)),
                    superseded_at=None if newest else _at(on + timedelta(weeks=12)), lock_version=1,
                    needs_assessment="Reviewed: confidence, travel and work history.", needs_assessed_on=on,
                    aspirations="Part-time work close to home.", job_goal="Warehouse operative",
                    target_weekly_hours=16, review_every_weeks=12, first_review_on=on + timedelta(weeks=12),
                    in_work=False,
                ).returning(PlanVersion.id)).scalar_one())
            for version_id in version_ids:
                connection.execute(insert(Objective), [{
                    "version_id": version_id, "key": f"o{version_id}x{n}"[:16], "position": n,
                    "what": f"Objective {n + 1}: apply for two warehouse roles and log the outcome",
                    "how_often": "Weekly", "measure": "Two applications a week",
                    "target_on": first + timedelta(weeks=4 * (n + 1)),
                } for n in range(OBJECTIVES)])
            connection.execute(insert(Review), [{
                "plan_id": plan.id, "version_id": version_ids[n], "held_on": first + timedelta(weeks=12 * n),
                "participants": "Customer and adviser", "what_changed": "Objectives brought up to date",
                "next_review_on": first + timedelta(weeks=12 * (n + 1)), "recorded_by_id": adviser.id,
                "recorded_at": _at(first + timedelta(weeks=12 * n)),
            } for n in range(1, VERSIONS)])
            connection.execute(Plan.__table__.update().where(Plan.id == plan.id).values(
                next_review_on=today + timedelta(weeks=4)))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE plan_version, plan_objective, plan_review"))
        return rich_customers(connection)


def rich_customers(connection):
    """[(customer id, newest version id)] of the customers with a long history."""
    from portal.models import Plan, PlanVersion

    return [tuple(row) for row in connection.execute(
        select(Plan.customer_id, func.max(PlanVersion.id)).join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .where(Plan.id.in_(select(PlanVersion.plan_id).where(PlanVersion.reason == MARK)))
        .group_by(Plan.customer_id).order_by(Plan.customer_id))]


def _at(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc).replace(hour=14)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DATABASE_URL))
    parser.add_argument("--customers", type=int, default=5)
    args = parser.parse_args(argv)
    print(enrich(args.database_url, args.customers))


if __name__ == "__main__":
    main()
