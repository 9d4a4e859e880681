"""Inspection packs built for an inspection's sample (issue 13, R-INSP-2, SES 4.19)."""
import csv
import io
import json
import zipfile

from sqlalchemy import select

from portal.documents import seal as sealing
from portal.extensions import db
from portal.models import AuditEvent, InspectionPack, PackStatus
from tests.factories import make_customer, sign_in_as
from tests.test_inspections import agreed_plan_for


def test_r_insp_2_a_pack_built_for_a_sample_holds_only_the_sampled_customers_originals(client, world):
    world.customers["ses_second"] = make_customer(world.orgs["ses"], "SES", adviser=world.users["ses_adviser"],
                                                  first_name="Second", last_name="Customer")
    db.session.commit()
    sampled, _plan, version = agreed_plan_for(client, world, "ses_started")
    left_out, _other_plan, _other_version = agreed_plan_for(client, world, "ses_second")
    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    assert client.post(f"/inspections/{inspection.id}/sample/add",
                       data={"reference": sampled.reference}).status_code == 302
    page = client.get(f"/inspections/{inspection.id}/sample").get_data(as_text=True)
    assert "Build an inspection pack of the sample" in page

    response = client.post(f"/inspections/{inspection.id}/sample/pack")
    assert response.status_code == 302
    pack = db.session.scalar(select(InspectionPack))
    assert response.headers["Location"].endswith(f"/inspection-packs/{pack.id}")
    assert pack.inspection_id == inspection.id and json.loads(pack.customer_ids) == [sampled.id]
    assert pack.status == PackStatus.DONE and pack.total == 1
    archive = zipfile.ZipFile(io.BytesIO(pack.zip_bytes))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert manifest and {row["customer reference"] for row in manifest} == {sampled.reference}
    assert not any(left_out.reference in name for name in archive.namelist())
    for row in manifest:
        assert sealing.sha256(archive.read(row["file"])) == row["sha256"]
        assert row["plan version"] == str(version.number) and row["portal seal record verifies"] == "yes"
    requested = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection_pack.requested"))
    assert requested.actor_id == world.users["inspector"].id
    # The pack page and download work as for any pack the inspector built.
    assert client.get(f"/inspection-packs/{pack.id}").status_code == 200
    assert client.get(f"/inspection-packs/{pack.id}/download").status_code == 200
    assert "sample of inspection" in client.get("/inspection-packs/").get_data(as_text=True)


def test_a_sample_pack_needs_a_sample_and_the_inspections_own_inspector(client, world):
    from portal.models import Role
    from tests.factories import make_user

    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    response = client.post(f"/inspections/{inspection.id}/sample/pack")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspections/{inspection.id}/sample")
    assert db.session.scalar(select(InspectionPack)) is None
    sign_in_as(client, make_user("other.inspector@dwp.example", Role.INSPECTOR))
    assert client.post(f"/inspections/{inspection.id}/sample/pack").status_code == 404
