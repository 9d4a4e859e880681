"""Sealing at agreement (issue 17, R-SIGN-3): every variant the customer's record or signature asks for is
sealed when the plan is agreed (on the queue when REDIS_URL is set, with the adviser shown the progress);
a variant made later is sealed as a copy of the agreed version, never dated as if agreed."""
import io
import json
from datetime import datetime

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from portal.documents import seal as sealing
from portal.documents import service as documents
from portal.extensions import db
from portal.models import DocumentOriginal, DwpRecord, VersionSeal
from portal.template_helpers import UK
from tests.test_documents_service import agree, originals
from tests.test_plans import base, fill_complete_plan, started  # noqa: F401 - `started` is a fixture


def _variants(version):
    return sorted((o.kind, o.document_format, o.language) for o in originals(version))


def _reason(pdf):
    return str(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].sig_object["/Reason"])


def _today():
    return f"{datetime.now(UK):%-d %B %Y}"


@pytest.fixture
def record_asks_for_large_print(started):
    customer, plan, version = started
    record = db.session.get(DwpRecord, customer.id)
    record.preferred_language, record.format_needs = "en", "large_print"
    db.session.commit()
    return customer, plan, version


def test_every_variant_the_record_or_the_signature_asks_for_is_sealed_at_agreement(client, record_asks_for_large_print):
    customer, _plan, version = record_asks_for_large_print
    fill_complete_plan(client, customer, version)
    agree(client, customer, version, customer_query="?lang=cy&format=easy_read")
    assert _variants(version) == [
        ("docx", "easy_read", "cy"), ("docx", "large_print", "en"), ("docx", "standard", "en"),
        ("pdf", "easy_read", "cy"), ("pdf", "large_print", "en"), ("pdf", "standard", "en")]
    seal = documents.seal_of(version)
    assert seal.status == "done" and documents.seal_progress(seal) == (6, 6)
    agreed_on = f"{version.agreed_at.astimezone(UK):%-d %B %Y}"
    for original in originals(version):
        record = json.loads(original.record)
        assert record["sealed_as"] == "agreed" and not original.made_later
        if original.kind == "pdf":
            assert _reason(original.content) == f"Individual Support Plan version 1 agreed on {agreed_on}"


def test_a_variant_made_later_is_sealed_as_a_copy_never_as_if_agreed(client, started):
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    agree(client, customer, version)
    agreed_on = f"{version.agreed_at.astimezone(UK):%-d %B %Y}"
    data = client.get(f"{base(customer, version)}/documents/pdf?format=large_print&lang=cy").data
    original = db.session.scalar(select(DocumentOriginal).where(
        DocumentOriginal.document_format == "large_print", DocumentOriginal.language == "cy"))
    assert original.made_later and original.content == data
    record = json.loads(original.record)
    assert record["sealed_as"] == "later copy" and record["made_at"] > version.agreed_at.isoformat()
    expected = f"A copy made on {_today()} of Individual Support Plan version 1, the version agreed on {agreed_on}"
    assert _reason(data) == record["reason"] == expected
    assert sealing.check_pdf_seal(data).genuine
    page = client.post("/verify/", data={"document": (io.BytesIO(data), "plan.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "genuine original" in page and f"a copy made on {_today()} of the version agreed on" in page
    docs_page = client.get(f"{base(customer, version)}/documents").get_data(as_text=True)
    assert "(a copy made after agreement)" in docs_page


class FakeQueue:
    """Stands in for rq.Queue: keeps what is enqueued, for the test to run as the worker would."""

    jobs = []

    def __init__(self, name, connection=None):
        self.name = name

    def enqueue(self, function, *args, **kwargs):
        FakeQueue.jobs.append((self.name, function, args))


def test_with_redis_agreement_queues_the_sealing_and_the_adviser_sees_the_progress(client, started, app, monkeypatch):
    import redis
    import rq

    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    FakeQueue.jobs = []
    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.setattr(redis.Redis, "from_url", classmethod(lambda cls, url: None))
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    agree(client, customer, version, customer_query="?lang=cy&format=easy_read")
    seal = db.session.scalar(select(VersionSeal))
    assert seal.status == "queued" and originals(version) == []  # agreement did not wait for the documents
    [(queue, function, args)] = FakeQueue.jobs
    assert queue == documents.SEAL_QUEUE and function == "portal.documents.service.seal_agreed_variants"
    page = client.get(f"{base(customer, version)}").get_data(as_text=True)
    assert 'Sealing the agreed documents: <span class="portal-seal-done">0</span> of 4 done.' in page
    # A download before the job reaches it makes that variant as agreed (it is one of the agreed ones).
    client.get(f"{base(customer, version)}/documents/pdf?format=standard&lang=en")
    assert 'portal-seal-done">1</span> of 4' in client.get(f"{base(customer, version)}/documents").get_data(as_text=True)
    documents.seal_agreed_variants(*args)  # the worker's run
    db.session.expire_all()
    assert db.session.get(VersionSeal, seal.id).status == "done" and len(originals(version)) == 4
    assert not any(o.made_later for o in originals(version))
    assert "Sealing the agreed documents" not in client.get(f"{base(customer, version)}").get_data(as_text=True)


def test_without_redis_a_failed_seal_leaves_the_agreement_and_the_download_seals_it(client, started, monkeypatch):
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    real_seal_pdf = sealing.seal_pdf

    def tsa_down(pdf, *, reason):
        raise ConnectionError("TSA not reachable")

    monkeypatch.setattr(sealing, "seal_pdf", tsa_down)
    agree(client, customer, version)  # asserts the version is agreed
    seal = documents.seal_of(version)
    assert seal.status == "failed" and "TSA not reachable" in seal.error
    assert "Not every document could be sealed" in client.get(f"{base(customer, version)}").get_data(as_text=True)
    monkeypatch.setattr(sealing, "seal_pdf", real_seal_pdf)
    data = client.get(f"{base(customer, version)}/documents/pdf?format=standard&lang=en").data
    assert sealing.check_pdf_seal(data).genuine and "agreed on" in _reason(data) and "copy" not in _reason(data)


def test_the_background_job_and_a_download_meeting_on_one_variant_store_one_original(
        client, started, app, monkeypatch, database_url):
    """PostgreSQL: the worker and an adviser's download make the same agreed variant at once; the unique
    (seal, kind, format, language) keeps one, and both go on (R-SIGN-3)."""
    import threading

    import redis
    import rq

    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is tested on PostgreSQL")
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    FakeQueue.jobs = []
    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.setattr(redis.Redis, "from_url", classmethod(lambda cls, url: None))
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    agree(client, customer, version)
    [(_queue, _function, (seal_id,))] = FakeQueue.jobs
    version_id, barrier, failures = version.id, threading.Barrier(2), []

    def worker():
        with app.app_context():
            barrier.wait()
            documents.seal_agreed_variants(seal_id)
            db.session.remove()

    def download():
        with app.app_context():
            from portal.models import PlanVersion

            seal, row = db.session.get(VersionSeal, seal_id), db.session.get(PlanVersion, version_id)
            barrier.wait()
            documents.original_for(row, seal, "pdf", "standard", "en")
            db.session.commit()
            db.session.remove()

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(target,)) for target in (worker, download)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    assert len(originals(version)) == len(set(_variants(version))) == len(documents.seal_of(version).wanted)
    assert documents.seal_of(version).status == "done"


def test_the_worker_seals_what_agreement_queued_on_redis(client, started, database_url):
    """The real queue: agreement enqueues on Redis, `flask worker`'s SimpleWorker seals (R-SIGN-3)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import SimpleWorker

    from portal import create_app
    from tests.conftest import test_config
    from tests.factories import sign_in_as
    from portal.models import User

    redis_url = "redis://127.0.0.1:6379/12"
    try:
        Redis.from_url(redis_url).flushdb()
    except RedisDown:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI machines have it)")
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    app = create_app(test_config(database_url, REDIS_URL=redis_url))
    queued = app.test_client()
    sign_in_as(queued, db.session.get(User, version.created_by_id))
    agree(queued, customer, version, customer_query="?lang=cy&format=easy_read")
    assert documents.seal_of(version).status == "queued" and originals(version) == []
    with app.app_context():
        SimpleWorker([documents.SEAL_QUEUE], connection=Redis.from_url(redis_url)).work(burst=True)
    db.session.expire_all()
    assert documents.seal_of(version).status == "done" and len(originals(version)) == 4
