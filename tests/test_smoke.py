from tests.factories import sign_in_as


def test_adviser_sees_caseload_and_customer(client, world):
    sign_in_as(client, world.users["ses_adviser"])
    response = client.get("/caseload/")
    assert response.status_code == 200
    assert b"SES Started" in response.data
    customer = world.customers["ses_started"]
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == 200, response.data[:2000]
