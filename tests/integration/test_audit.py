"""The audit trail (issue 13): every privileged action and every read of contact details
leaves one append-only row saying who (agency, key prefix), which request, what and on which
object; admins read it back through GET /v1/audit, the operator all of it, an agency admin
its own agency's."""
import os
import sys
import uuid

import psycopg2
import pytest
import requests

from conftest import ROOT, new_neighbourhood, new_round, tick
from test_registry import create as create_organisation

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

AUDIT_LIST = Checker(os.path.join(ROOT, "schemas", "audit-list.json"))


def assert_valid(instance):
    errors = AUDIT_LIST.errors(instance)
    assert not errors, [e.message for e in errors]


def rows(api, headers=None, **params):
    """Every row of the trail the key may read, following the cursor."""
    out, cursor = [], None
    while True:
        q = dict(params, **({"cursor": cursor} if cursor else {}))
        r = requests.get(f"{api}/v1/audit", params=q, headers=headers or {}, timeout=10)
        assert r.status_code == 200, r.text
        assert_valid(r.json())
        out += r.json()["items"]
        cursor = r.json()["next"]
        if not cursor:
            return out


def of(items, action, entity_id):
    return [i for i in items if i["action"] == action and i["entityId"] == entity_id]


def test_privileged_actions_leave_one_row_each_with_who_and_which_request(api, db, stack):
    nb = new_neighbourhood(api)["id"]
    rnd = new_round(api, [nb], baseline=False)
    other = new_round(api, [nb], baseline=False)
    rid = str(uuid.uuid4())
    body = {"id": rid, "roundId": rnd["id"], "neighbourhoodId": nb, "answers": {"q01": "yes"}}
    assert requests.post(f"{api}/v1/responses", json=body, timeout=10).status_code == 201

    # A withdrawal, a baseline change and a close, each with a request id of ours.
    r = requests.delete(f"{api}/v1/responses/{rid}", headers={"X-Request-Id": "audit-withdraw-1"}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.put(f"{api}/v1/neighbourhoods/{nb}/baselines/resident", json={"roundId": other["id"]},
                     headers={"X-Request-Id": "audit-baseline-1"}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(f"{api}/v1/rounds/{rnd['id']}/close", headers={"X-Request-Id": "audit-close-1"}, timeout=10)
    assert r.status_code == 200, r.text
    # A second close is refused and records nothing.
    assert requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=10).status_code == 409

    items = rows(api)
    (w,) = of(items, "response.withdraw", rid)
    (b,) = of(items, "baseline.set", other["id"])
    (c,) = of(items, "round.close", rnd["id"])
    assert (w["requestId"], b["requestId"], c["requestId"]) == (
        "audit-withdraw-1", "audit-baseline-1", "audit-close-1")
    for row in (w, b, c):
        assert row["agencyId"] and row["keyPrefix"].startswith("cdm_") and len(row["keyPrefix"]) < 16, row
        assert "cdm_" + row["keyPrefix"][4:] == row["keyPrefix"]  # a prefix, never the key
    assert w["ownerAgencyId"] == w["agencyId"]  # the response was supplied by the admin's agency
    assert w["seq"] < b["seq"] < c["seq"]

    # The clock's freeze of a round past its late syncs is the service's own action.
    late = new_round(api, [nb], baseline=False, start="2020-01-01", end="2020-01-31")
    tick(stack, "2099-06-01")
    (f,) = of(rows(api), "round.freeze", late["id"])
    assert f["agencyId"] is None and f["keyPrefix"] == "clock" and f["requestId"] is None


def test_a_read_of_contact_details_is_recorded(api, db):
    nb = new_neighbourhood(api)["id"]
    org = create_organisation(api, [nb])
    before = len(of(rows(api), "contact.read", org["id"]))
    r = requests.get(f"{api}/v1/organisations/{org['id']}", timeout=10)
    assert r.status_code == 200 and r.json()["contact"]["email"] == "ann@example.org"
    r = requests.get(f"{api}/v1/organisations", params={"neighbourhood": nb}, timeout=10)
    assert r.status_code == 200 and any(o.get("contact") for o in r.json()["items"])
    assert len(of(rows(api), "contact.read", org["id"])) == before + 2


def test_an_agency_admin_reads_only_its_agency_rows(api, stack):
    nb = new_neighbourhood(api)["id"]
    key = stack.create_key(f"audit agency {uuid.uuid4().hex[:6]}", "admin,read,submit", nb)
    h = {"Authorization": f"Bearer {key}"}
    rnd = new_round(api, [nb], baseline=False)
    rid = str(uuid.uuid4())
    body = {"id": rid, "roundId": rnd["id"], "neighbourhoodId": nb, "answers": {"q01": "yes"}}
    assert requests.post(f"{api}/v1/responses", json=body, headers=h, timeout=10).status_code == 201
    assert requests.delete(f"{api}/v1/responses/{rid}", headers=h, timeout=10).status_code == 200
    mine = rows(api, h)
    assert of(mine, "response.withdraw", rid)
    agency = of(mine, "response.withdraw", rid)[0]["agencyId"]
    assert all(i["agencyId"] == agency or i["ownerAgencyId"] == agency for i in mine), mine
    # The operator's key reads the other agencies' rows as well.
    assert len(rows(api)) > len(mine)


def test_the_trail_is_append_only(db):
    cur = db.cursor()
    for sql in ("UPDATE audit_log SET action = 'x.y'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(psycopg2.Error, match="append-only"):
            cur.execute(sql)


def test_agency_key_and_subscription_actions_are_recorded(api):
    """The operator makes an agency and a key for it; that agency's admin subscribes, rotates
    the secret, deletes the subscription and revokes a key: one row each, owned by the agency,
    and the agency's admin reads them all back."""
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"Audit Partner {uuid.uuid4().hex[:8]}"},
                           timeout=5).json()
    admin = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                          json={"scopes": ["admin", "read"], "allNeighbourhoods": True}).json()
    h = {"Authorization": f"Bearer {admin['key']}"}
    spare = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", headers=h, timeout=5,
                          json={"scopes": ["read"], "allNeighbourhoods": True}).json()
    nb = new_neighbourhood(api)["id"]
    sub = requests.post(f"{api}/v1/subscriptions", headers=h, timeout=10,
                        json={"channel": "webhook", "webhookUrl": "https://partner.example/hook",
                              "neighbourhoods": [nb]})
    assert sub.status_code == 201, sub.text
    sid = sub.json()["id"]
    assert requests.post(f"{api}/v1/subscriptions/{sid}/rotate-secret", headers=h, timeout=5).status_code == 200
    assert requests.delete(f"{api}/v1/subscriptions/{sid}", headers=h, timeout=5).status_code == 200
    assert requests.delete(f"{api}/v1/keys/{spare['id']}", headers=h, timeout=5).status_code == 200

    everything = rows(api)
    (made,) = of(everything, "agency.create", agency["id"])
    (first,) = of(everything, "key.create", admin["id"])
    assert made["ownerAgencyId"] == agency["id"] and first["ownerAgencyId"] == agency["id"]
    assert made["agencyId"] != agency["id"]  # the operator's agency made it
    mine = rows(api, h)
    for action, entity_id in (("key.create", spare["id"]), ("subscription.create", sid),
                              ("subscription.rotate_secret", sid), ("subscription.delete", sid),
                              ("key.revoke", spare["id"])):
        (row,) = of(mine, action, entity_id)
        assert row["agencyId"] == agency["id"] and row["ownerAgencyId"] == agency["id"], row
        assert row["keyPrefix"] == admin["prefix"], row
