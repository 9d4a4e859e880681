"""Measure the signed documents of issue 6 against baselines measured in the same run.

    .venv/bin/python -m bench.documents [--database-url URL] [--repeat N] [--plans 200] [--keep-database]
                                        [--agreement-only [--redis-url URL]]

1. Builds a fresh database (by default creates PostgreSQL database isp_bench_docs with psql and drops it at
   the end; a --database-url given has its schema dropped and rebuilt) with the real migrations: one provider,
   a manager, an adviser and --plans customers started on SES, each with a plan of 5 objectives, 3 support
   items and 2 barriers agreed through portal.services.plans.sign (the customer in person in their own
   language and format, then the adviser), so agreement seals the originals as it does in the portal.
2. Rendering, on one of those agreed plans, for each format x language, --repeat times, the variants
   interleaved in every repetition: a bare docxtpl render of the same template and values (the baseline),
   the portal's render_docx, render_pdf, and seal_pdf of that PDF.
3. An inspection pack of every plan (request_pack + build_pack, in this process), three times, each beside
   a baseline: the same stored bytes zipped with zipfile alone.
4. Prints the results as markdown tables on stdout (progress goes to stderr).
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta

import flask_migrate
from docxtpl import DocxTemplate, InlineImage
from sqlalchemy import select, text
from sqlalchemy.orm import undefer

from bench.run import percentile
from portal import create_app, data_access
from portal.customer_words import FORMATS, LANGUAGES, words
from portal.documents import packs
from portal.documents.context import build_context
from portal.documents.docx import PICTURE_WIDTH, QR_WIDTH, render_docx, template_bytes
from portal.documents.pdf import render_pdf
from portal.documents.seal import init_keys, seal_pdf
from portal.documents.service import seal_of
from portal.extensions import db
from portal.models import (
    Customer, DocumentOriginal, InspectionPack, Organisation, OrganisationKind, Plan, PlanVersion, Programme, Referral,
    ReferralStatus, ReferralTransition, Role, User, VersionSeal,
)
from portal.models.base import utcnow
from portal.models.plan import Barrier, Objective, SignatureMethod, SupportItem
from portal.security import passwords
from portal.services import plans
from portal.services.referrals import customer_reference
from portal.template_helpers import UK

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE_NAME = "isp_bench_docs"
DOCX_RATIO_AIM = 1.3
PACK_SECONDS_AIM = 30
PACK_RUNS = 3
DOCX_PAIRS_PER_REPETITION = 3  # a docx takes tens of ms, a PDF hundreds: more docx samples for the same run time
# (language, format) each customer asks for, in turn: most standard English, some Welsh and Easy Read.
PREFERENCES = [("en", "standard")] * 5 + [("cy", "standard"), ("en", "easy_read"), ("cy", "easy_read"),
                                          ("en", "large_print"), ("cy", "large_print")]
FIRST_NAMES = "Aled Bethan Carys Dafydd Elin Gareth Huw Iolo Megan Rhys Sian Tomos Amy Ben Chloe Dan Ella Finn".split()
LAST_NAMES = "Davies Evans Hughes Jones Lewis Morgan Owen Price Roberts Thomas Williams Parry".split()
OBJECTIVES = [
    ("Apply for three warehouse or retail jobs each week", "Every week", "Applications logged with the adviser"),
    ("Finish the food hygiene level 2 course at the college", "Two mornings a week", "Certificate awarded"),
    ("Travel to the town centre by bus on my own", "Twice a week", "Journeys made without support"),
    ("Practise interviews with the job coach", "Every other Tuesday", "Coach's feedback sheet"),
    ("Keep a diary of how my health affects my energy at work", "Daily", "Diary reviewed at each meeting"),
]
SUPPORT = [("Weekly job search session with the job coach", "12"), ("Travel training", "6"),
           ("Funding for the food hygiene course", "4")]
BARRIERS = [("transport", "No bus after 6pm from the village", "Cannot take late shifts",
             "Look for day shifts; travel training for the early bus"),
            ("confidence", "Has been out of work for four years", "Anxious about interviews",
             "Practice interviews and a work trial first")]


def summary(seconds):
    ordered = sorted(seconds)
    return 1000 * statistics.median(ordered), 1000 * percentile(ordered, 95)


def say(message):
    print(message, file=sys.stderr, flush=True)


# The database and the plans ---------------------------------------------------------------------------

def psql(sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


def make_app(database_url, key_dir):
    return create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                       "SIGNING_KEY_DIR": key_dir, "TESTING": True, "PASSWORD_HASH_PROFILE": "test",
                       "SECRET_KEY": "bench-documents-secret-key-0123456789abcdef",
                       "TOTP_ENCRYPTION_KEY": "bench-documents-totp-key-0123456789abcdef",
                       # Rendering runs long inside one transaction on a busy machine: the portal's 30 s
                       # idle-in-transaction limit ended the connection before the pack stage (issue 17 run).
                       "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 0, "DB_STATEMENT_TIMEOUT_MS": 0})


def rebuild_schema():
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    flask_migrate.upgrade()


def make_user(email, role, organisation, name):
    user = User(email=email, name=name, role=role, organisation=organisation, password_changed_at=utcnow(),
                password_hash=passwords.hash_password("bench documents passphrase"))
    db.session.add(user)
    return user


def make_started_customer(n, organisation, programme, adviser, lang, document_format):
    customer = Customer(reference="pending")
    db.session.add(customer)
    db.session.flush()
    customer.reference = customer_reference(customer.id)
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
    data_access.new_dwp_record(customer, {
        "nino": f"BD{customer.id:06d}A", "first_name": first, "last_name": last, "date_of_birth": date(1988, 3, 9),
        "address": f"{n + 1} Heol y Bryn", "postcode": "SA1 1AA", "benefit_type": "UC", "wca_group": "LCW",
        "preferred_language": lang, "format_needs": document_format})
    referred_at = utcnow() - timedelta(days=20)
    referral = Referral(customer=customer, organisation=organisation, programme=programme, adviser=adviser,
                        status=ReferralStatus.STARTED, referred_at=referred_at, eligibility_confirmed_at=referred_at,
                        started_on=referred_at.date() + timedelta(days=2))
    db.session.add_all([referral, ReferralTransition(referral=referral, to_status=ReferralStatus.REFERRED,
                                                     effective_on=referred_at.date()),
                        ReferralTransition(referral=referral, from_status=ReferralStatus.REFERRED,
                                           to_status=ReferralStatus.STARTED, effective_on=referral.started_on)])
    db.session.commit()
    return customer, referral, f"{first} {last}"


def write_plan_content(version, n):
    version.needs_assessment = "Talked through health, travel, skills and confidence at the first meeting."
    version.needs_assessed_on = date.today() - timedelta(days=14)
    version.aspirations = "Steady part-time work near home, in a warehouse or a shop, building up to full time."
    version.job_goal = ["Warehouse operative", "Retail assistant", "Kitchen porter"][n % 3]
    version.target_weekly_hours, version.target_hours_reason = 16, "Building up stamina after a long illness."
    version.length_rationale = "Twelve months: time to finish the course and settle into a first job."
    version.review_every_weeks, version.first_review_on = 4, date.today() + timedelta(days=28)
    version.permitted_work = False
    version.objectives = [Objective(key=f"o{i}", position=i, what=what, how_often=how_often, measure=measure,
                                    target_on=date.today() + timedelta(weeks=6 + 4 * i))
                          for i, (what, how_often, measure) in enumerate(OBJECTIVES)]
    version.support_items = [SupportItem(key=f"s{i}", position=i, description=description, deliverer="provider",
                                         planned_hours=hours, objectives=version.objectives[i:i + 2])
                             for i, (description, hours) in enumerate(SUPPORT)]
    version.barriers = [Barrier(key=f"b{i}", position=i, category=category, description=description, impact=impact,
                                response=response) for i, (category, description, impact, response) in enumerate(BARRIERS)]


def agree_plan(version, adviser, customer_name, lang, document_format):
    """Both parties sign as in the portal; the adviser's signature agrees the plan and seals its originals.
    Returns (seconds for the customer's signature, seconds for the agreeing signature)."""
    plans.send_for_signature(version, expected_lock=version.lock_version, by=adviser)
    customer_party, adviser_party = (next(p for p in version.parties if p.role == role) for role in ("customer", "adviser"))
    started = time.perf_counter()
    plans.sign(version, customer_party, method=SignatureMethod.IN_PERSON, typed_name=customer_name,
               declaration=words(lang)["declaration"], seen_hash=version.content_hash, by=adviser,
               language=lang, document_format=document_format)
    signed = time.perf_counter()
    plans.sign(version, adviser_party, method=SignatureMethod.ADVISER, typed_name=adviser.name,
               declaration="I agree to provide the support in this plan.", seen_hash=version.content_hash, by=adviser)
    return signed - started, time.perf_counter() - signed


def build_plans(count):
    programme = db.session.scalar(select(Programme).where(Programme.code == "SES"))
    organisation = Organisation(name="Bench Documents Employment", kind=OrganisationKind.PRIVATE_PROVIDER,
                                security_accredited=True, programmes=[programme])
    manager = make_user("manager@documents.bench.example", Role.MANAGER, organisation, "Morgan Manager")
    adviser = make_user("adviser@documents.bench.example", Role.ADVISER, organisation, "Alex Adviser")
    db.session.commit()
    signing, agreeing = [], {2: [], 4: []}  # agreement seconds by the number of originals sealed
    for n in range(count):
        lang, document_format = PREFERENCES[n % len(PREFERENCES)]
        customer, referral, name = make_started_customer(n, organisation, programme, adviser, lang, document_format)
        version = plans.start_plan(customer=customer, referral=referral, by=adviser, customer_name=name).versions[0]
        write_plan_content(version, n)
        db.session.commit()
        customer_seconds, agreement_seconds = agree_plan(version, adviser, name, lang, document_format)
        signing.append(customer_seconds)
        agreeing[2 if (lang, document_format) == ("en", "standard") else 4].append(agreement_seconds)
        if (n + 1) % 25 == 0:
            say(f"  {n + 1} plans agreed")
    return organisation, programme, manager, adviser, signing, agreeing


# Rendering --------------------------------------------------------------------------------------------

def bare_docx(context):
    """What docxtpl alone costs: the same template and values, plain pictures, its default environment."""
    tpl = DocxTemplate(io.BytesIO(template_bytes(context["format"], context["lang"])))
    values = dict(context)
    verification = context["verification"]
    values["qr"] = InlineImage(tpl, io.BytesIO(verification["qr_png"]), width=QR_WIDTH) if verification else ""
    for key, picture in context["pictures"].items():
        values[f"pic_{key}"] = InlineImage(tpl, io.BytesIO(picture["png"]), width=PICTURE_WIDTH)
    tpl.render(values, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def measure_rendering(version, reader, repeat):
    code = seal_of(version).code
    contexts = {(f, lang): build_context(version, reader=reader, lang=lang, document_format=f, verification=code)
                for f in FORMATS for lang in LANGUAGES}
    # The contexts are plain dicts: end the read transaction, or on a busy machine the rendering outlasts
    # the database's idle-in-transaction timeout and the pack's first query finds the connection closed.
    db.session.rollback()
    times = {key: {"bare": [], "docx": [], "pdf": [], "seal": []} for key in contexts}
    for context in contexts.values():  # warm up: fonts, imports, the signer, the template cache
        seal_pdf(render_pdf(context), reason="warm-up"), bare_docx(context), render_docx(context)
    for rep in range(repeat):
        for key, context in contexts.items():
            for pair in range(DOCX_PAIRS_PER_REPETITION):  # alternate which goes first
                docx_variants = [("bare", bare_docx), ("docx", render_docx)]
                for name, function in docx_variants if (rep + pair) % 2 == 0 else reversed(docx_variants):
                    times[key][name].append(timed(function, context)[0])
            seconds, pdf = timed(render_pdf, context)
            times[key]["pdf"].append(seconds)
            times[key]["seal"].append(timed(seal_pdf, pdf, reason="Individual Support Plan agreed")[0])
        say(f"  rendering: repetition {rep + 1} of {repeat}")
    return times


# The inspection pack -----------------------------------------------------------------------------------

def stored_originals():
    """(path, bytes) of every stored original, in the pack's order, read before any timing."""
    rows = db.session.execute(select(DocumentOriginal, Customer.reference).join(VersionSeal)
                              .join(PlanVersion, PlanVersion.id == VersionSeal.version_id).join(Plan).join(Customer)
                              .options(undefer(DocumentOriginal.content))
                              .order_by(PlanVersion.agreed_at, PlanVersion.id, DocumentOriginal.id)).all()
    return [(f"originals/{reference}/{o.kind}/{o.document_format}-{o.language}.{o.kind}", o.content)
            for o, reference in rows]


def zip_alone(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            archive.writestr(path, data)
    return out.getvalue()


def measure_pack(manager, organisation, programme):
    files = stored_originals()
    today = utcnow().astimezone(UK).date()
    runs = []
    for run in range(PACK_RUNS):
        zip_seconds, _ = timed(zip_alone, files)
        request_seconds, pack = timed(packs.request_pack, manager, organisation_id=organisation.id,
                                      programme_id=programme.id, date_from=today - timedelta(days=1), date_to=today)
        build_seconds, _ = timed(packs.build_pack, pack.id)
        db.session.expire_all()
        pack = db.session.scalar(select(InspectionPack).where(InspectionPack.id == pack.id)
                                 .options(undefer(InspectionPack.zip_bytes)))
        with zipfile.ZipFile(io.BytesIO(pack.zip_bytes)) as archive:
            entries = len(archive.namelist())
        runs.append({"request": request_seconds, "build": build_seconds, "bytes": len(pack.zip_bytes),
                     "plans": pack.total, "entries": entries, "status": str(pack.status),
                     "zip_alone": zip_seconds, "files": len(files)})
        say(f"  pack {run + 1}: build {build_seconds:.2f} s, zip alone {zip_seconds:.2f} s")
    return runs


# The report --------------------------------------------------------------------------------------------

def report_agreement(signing, agreeing, redis_url):
    print(f"| agreement ({'sealing queued on Redis' if redis_url else 'sealing in the request'}), load "
          f"{os.getloadavg()[0]:.1f} | p50 ms | p95 ms | n |\n|---|---:|---:|---:|")
    for label, samples in (("customer's signature (no agreement)", signing),
                           ("agreeing signature, 2 originals", agreeing[2]),
                           ("agreeing signature, 4 originals", agreeing[4])):
        if samples:
            p50, p95 = summary(samples)
            print(f"| {label} | {p50:.0f} | {p95:.0f} | {len(samples)} |")


def report(times, signing, agreeing, setup_seconds, pack_runs, plan_count, repeat, wall, load_before):
    print(f"## Rendering one agreed plan (5 objectives, 3 support items, 2 barriers), {repeat} repetitions "
          f"({repeat * DOCX_PAIRS_PER_REPETITION} samples of each docx variant)\n")
    print("| format | lang | bare docxtpl p50 / p95 ms | portal docx p50 / p95 ms | portal / bare (p50) "
          f"| ≤ {DOCX_RATIO_AIM}× | PDF p50 / p95 ms | seal PDF p50 / p95 ms |")
    print("|---|---|---:|---:|---:|---|---:|---:|")
    ratios = []
    for (document_format, lang), variants in times.items():
        (bare50, bare95), (docx50, docx95) = summary(variants["bare"]), summary(variants["docx"])
        (pdf50, pdf95), (seal50, seal95) = summary(variants["pdf"]), summary(variants["seal"])
        ratios.append(docx50 / bare50)
        print(f"| {document_format} | {lang} | {bare50:.1f} / {bare95:.1f} | {docx50:.1f} / {docx95:.1f} | "
              f"{docx50 / bare50:.2f} | {'met' if docx50 / bare50 <= DOCX_RATIO_AIM else 'MISSED'} | "
              f"{pdf50:.0f} / {pdf95:.0f} | {seal50:.0f} / {seal95:.0f} |")
    print(f"\nportal docx / bare docxtpl, median over the six: {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}–{max(ratios):.2f}); aim ≤ {DOCX_RATIO_AIM}×.\n")
    print(f"## Agreement and the inspection pack of {plan_count} plans (customers, plans and agreements made "
          f"in {setup_seconds:.0f} s)\n")
    print("| what | p50 | p95 | n |\n|---|---:|---:|---:|")
    for label, samples in (("customer's signature (no agreement), ms", signing),
                           ("agreeing signature, sealing 2 originals (standard English), ms", agreeing[2]),
                           ("agreeing signature, sealing 4 originals (own format or language too), ms", agreeing[4])):
        if samples:
            p50, p95 = summary(samples)
            print(f"| {label} | {p50:.0f} | {p95:.0f} | {len(samples)} |")
    build = statistics.median(r["build"] for r in pack_runs)
    zip_seconds = statistics.median(r["zip_alone"] for r in pack_runs)
    last = pack_runs[-1]
    print(f"\n| inspection pack, median of {len(pack_runs)} | value |\n|---|---:|")
    print(f"| plans / files in the zip | {last['plans']} / {last['entries']} ({last['files']} originals) |")
    print(f"| request_pack, s | {statistics.median(r['request'] for r in pack_runs):.2f} |")
    each = ", ".join(f"{r['build']:.2f}" for r in pack_runs)
    print(f"| build_pack, s (runs: {each}) | {build:.2f} |")
    print(f"| plans/s | {last['plans'] / build:.0f} |")
    print(f"| zip size, MB | {last['bytes'] / 1e6:.1f} |")
    print(f"| baseline: the same stored bytes zipped alone (zipfile, deflate), s | {zip_seconds:.2f} |")
    print(f"| build_pack / zip alone | {build / zip_seconds:.2f} |")
    print(f"| under {PACK_SECONDS_AIM} s | {'met' if max(r['build'] for r in pack_runs) < PACK_SECONDS_AIM else 'MISSED'} |")
    print(f"\nStatus of every pack: {', '.join(sorted({r['status'] for r in pack_runs}))}. Whole run {wall:.0f} s on "
          f"{os.cpu_count()} cores; load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
          "the end: other jobs on the machine slow both sides of each ratio alike, the absolute times not.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help=f"a database of its own (schema dropped); default: {DATABASE_NAME}, "
                                               "created and dropped with psql")
    parser.add_argument("--repeat", type=int, default=30, help="rendering repetitions (default 30)")
    parser.add_argument("--plans", type=int, default=200, help="agreed plans in the pack (default 200)")
    parser.add_argument("--keep-database", action="store_true", help="leave isp_bench_docs in place")
    parser.add_argument("--agreement-only", action="store_true",
                        help="only agree the plans and report the signatures' times (issue 17)")
    parser.add_argument("--redis-url", help="queue the sealing at agreement on this Redis (nothing runs it)")
    args = parser.parse_args(argv)
    started, load_before = time.monotonic(), os.getloadavg()[0]
    database_url = args.database_url
    if database_url is None:
        psql(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        psql(f"CREATE DATABASE {DATABASE_NAME}")
        database_url = f"{SERVER}/{DATABASE_NAME}"
    with tempfile.TemporaryDirectory(prefix="bench-docs-keys-") as key_dir, \
            tempfile.TemporaryDirectory(prefix="bench-docs-root-") as root_dir:
        init_keys(key_dir, root_dir)
        app = make_app(database_url, key_dir)
        app.config["REDIS_URL"] = args.redis_url
        with app.app_context():
            rebuild_schema()
            say(f"Agreeing {args.plans} plans (each seals its originals)")
            setup_seconds, (organisation, programme, manager, adviser, signing, agreeing) = timed(build_plans, args.plans)
            if args.agreement_only:
                report_agreement(signing, agreeing, args.redis_url)
                db.session.remove()
                db.engine.dispose()
                return 0
            say("Rendering")
            version = plans.agreed_version(plans.plans_for(
                db.session.scalar(select(Customer.id).order_by(Customer.id)))[0])
            times = measure_rendering(version, adviser, args.repeat)
            say("Inspection packs")
            pack_runs = measure_pack(manager, organisation, programme)
            db.session.remove()
            db.engine.dispose()
    report(times, signing, agreeing, setup_seconds, pack_runs, args.plans, args.repeat, time.monotonic() - started,
           load_before)
    if args.database_url is None and not args.keep_database:
        psql(f"DROP DATABASE {DATABASE_NAME} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
