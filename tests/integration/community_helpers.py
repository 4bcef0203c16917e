"""Shared by the tests of community issues, assets and evidence: agencies and
their keys, organisations written straight into the registry's tables, and the
outbox events of a record."""
import datetime
import json
import uuid

import requests

def today():
    """Today as the service sees it: in UTC, asked at each call (a run may cross midnight)."""
    return datetime.datetime.now(datetime.timezone.utc).date()


def day(offset):
    """The ISO date `offset` days from today (UTC)."""
    return (today() + datetime.timedelta(days=offset)).isoformat()


def new_agency(api):
    r = requests.post(f"{api}/v1/agencies", json={"name": f"agency {uuid.uuid4()}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def new_key(api, agency, scopes, neighbourhoods=None):
    spec = {"scopes": scopes}
    spec.update({"neighbourhoods": neighbourhoods} if neighbourhoods else {"allNeighbourhoods": True})
    r = requests.post(f"{api}/v1/agencies/{agency}/keys", json=spec, timeout=10)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


def new_organisation(db, *neighbourhoods):
    """An active community group serving the neighbourhoods (SQL per 004: the
    registry's endpoints belong to another concern)."""
    oid = str(uuid.uuid4())
    cur = db.cursor()
    cur.execute("INSERT INTO organisation (id, name, kind, status) VALUES (%s, %s, 'community_group', 'active')",
                (oid, f"Group {oid[:8]}"))
    for n in neighbourhoods:
        cur.execute("INSERT INTO organisation_neighbourhood (organisation_id, neighbourhood_id) VALUES (%s, %s)",
                    (oid, n))
    return oid


def events(db, record_id):
    """The record.* events of a record in the outbox, oldest first."""
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE msg_key = %s ORDER BY seq", (record_id,))
    return [json.loads(p) for (p,) in cur.fetchall()]


def count(db, table, record_id):
    cur = db.cursor()
    cur.execute(f"SELECT count(*) FROM {table} WHERE id = %s", (record_id,))
    return cur.fetchone()[0]


def pages(api, path, headers=None, limit=2):
    """Every item of a list, a page of `limit` at a time, and the number of pages."""
    items, cursor, n = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{api}{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = requests.get(url, headers=headers or {}, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        n += 1
        cursor = body["next"]
        if not cursor:
            return items, n
