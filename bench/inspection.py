"""Inspection pages at volume (issue 13): the provider overview and the 50-customer checklist page for the
largest provider, and the same for the smallest, in-process (the Flask test client; no HTTP), with the
statements each page makes.

    .venv/bin/python -m bench.inspection --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench_copy

It writes to the database (an inspector, an inspection per provider and its sample): use a copy of the
generated data set, never the one `make bench` measures. Figures and their reading: docs/benchmarks.md.
"""
import argparse
import statistics
import sys
import time
from datetime import date, timedelta

import bench

SAMPLE_SIZE = 50
INSPECTOR_EMAIL = "inspector@bench.example"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def prepare(app):
    """The inspector and an open inspection of the largest and of the smallest provider, each with a
    sample of 50 drawn as the inspector would (stratified by programme, seed fixed)."""
    import flask_migrate
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Inspection, Organisation, Referral, Role, User
    from portal.services import inspections

    with app.app_context():
        flask_migrate.upgrade()
        inspector = db.session.scalar(select(User).where(User.email == INSPECTOR_EMAIL))
        if inspector is None:
            inspector = User(email=INSPECTOR_EMAIL, name="Bench Inspector", role=Role.INSPECTOR, is_enabled=True)
            db.session.add(inspector)
            db.session.commit()
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN)) or inspector
        sizes = db.session.execute(
            select(Organisation.id, Organisation.name, func.count(Referral.id))
            .join(Referral, Referral.organisation_id == Organisation.id)
            .group_by(Organisation.id, Organisation.name).order_by(func.count(Referral.id).desc())).all()
        today = date.today()
        made = []
        for organisation_id, name, count in (sizes[0], sizes[-1]):
            inspection = db.session.scalar(select(Inspection).where(Inspection.organisation_id == organisation_id,
                                                                    Inspection.status == "open"))
            if inspection is None:
                codes = sorted({code for (code,) in db.session.execute(
                    select(func.distinct(Referral.programme_id)).where(Referral.organisation_id == organisation_id))})
                from portal.models import Programme

                programme_codes = [p.code for p in db.session.scalars(select(Programme).where(Programme.id.in_(codes)))]
                inspection = inspections.open_inspection(
                    organisation_id=organisation_id, programme_codes=programme_codes,
                    period_from=today - timedelta(days=365), period_to=today, inspector_ids=[inspector.id],
                    opened_on=today, by=admin)
                population = inspections.population_by_programme(inspection)
                total = sum(len(ids) for ids in population.values()) or 1
                wanted = {code: max(1, round(SAMPLE_SIZE * len(ids) / total)) for code, ids in population.items()}
                inspections.draw(inspection, sizes=wanted, seed=52817, by=inspector)
            made.append((inspection.id, name, count, len(inspections.sample_of(inspection))))
        return inspector.id, made


def measure(app, inspector_id, inspection_id, runs):
    from sqlalchemy import event

    from portal.extensions import db
    from portal.models import UserSession
    from portal.security.tokens import new_token, token_hash

    with app.app_context():
        token = new_token()
        db.session.add(UserSession(token_hash=token_hash(token), user_id=inspector_id))
        db.session.commit()
        engine = db.engine
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session.permanent = token, True, True
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    results = {}
    try:
        for name, path in (("provider overview", f"/inspections/{inspection_id}"),
                           ("50-customer checklist", f"/inspections/{inspection_id}/sample/checklist")):
            client.get(path)  # warm
            walls, cpus, counts = [], [], []
            for _ in range(runs):
                statements.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                walls.append(1000 * (time.perf_counter() - wall))
                cpus.append(1000 * (time.process_time() - cpu))
                counts.append(len(statements))
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
            results[name] = (statistics.median(walls), percentile(walls, 95), statistics.median(cpus), max(counts))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from portal import create_app

    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "SECRET_KEY": bench.BENCH_SECRET_KEY, "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY,
                      # The migrations build indexes over 10 million rows: no request timeouts for them.
                      "DB_STATEMENT_TIMEOUT_MS": 0, "DB_LOCK_TIMEOUT_MS": 0, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 0})
    inspector_id, made = prepare(app)
    print(f"{'provider':32} {'referrals':>9} {'sample':>6}  {'page':22} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'CPU ms':>7} {'statements':>10}")
    for inspection_id, name, count, sampled in made:
        for page, (p50, p95, cpu, statements) in measure(app, inspector_id, inspection_id, args.runs).items():
            print(f"{name:32} {count:>9} {sampled:>6}  {page:22} {p50:>7.0f} {p95:>7.0f} {cpu:>7.0f} {statements:>10}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
