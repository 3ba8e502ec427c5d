#!/usr/bin/env python3
"""The tenders, firms and vote the load works on, and the checks afterwards (scripts/load.sh).

`setup`: everything through the API, as the association, a street official, committees and
firms would do it: compounds with committee accounts, firms that apply (with an account)
and are recommended, open tenders whose bid deadlines fall at `--deadlines` seconds from
now (during and after the load), a register of `--units` units and an open ballot vote on
another compound, and the street's notices with the owners' codes. Writes the world (ids,
tokens, codes) as JSON to `--out`.

`check`: after the load (and the faults): every acknowledged bid present exactly once (one
live bid per firm per tender, at least the acknowledged revision, the acknowledged fee when
it is the same revision), every acknowledged ballot counted exactly once (its unit has one
ballot; the vote's turnout and, once closed, its result count exactly the ballots stored),
and each tender whose opening time has passed opened exactly once (one `opened` or
`unsuccessful` change in tender's feed, one such audit event). Exits non-zero on any
shortfall. Standard library only; reads PostgreSQL with `psql`.
"""

import argparse
import datetime
import json
import subprocess
import sys
import time

from load import request

STREET = "510104017"
DISTRICT = STREET[:6]
PASSWORD = "load-test-password-2026"
FLOOR_AREA = 42000


def ok(status, body, what, expect=(200, 201)):
    if status not in expect:
        sys.exit(f"load_world: {what}: {status} {body[:400]!r}")
    return json.loads(body) if body else {}


def rfc3339(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).isoformat()


def sign_in(p, username):
    s, b = request("POST", f"{p}/catalog/session", body={"username": username, "password": PASSWORD})
    return ok(s, b, f"signing in {username}")["token"]


def account(p, token, username, role, scope_id):
    s, b = request("POST", f"{p}/catalog/accounts", token, {
        "username": username, "display_name": f"负载{username}", "password": PASSWORD,
        "role": role, "scope_id": scope_id})
    ok(s, b, f"creating account {username}")
    return sign_in(p, username)


def compound(p, token, code):
    from load import compound as body
    s, b = request("POST", f"{p}/catalog/compounds", token, body(code))
    return ok(s, b, f"creating compound {code}")["id"]


def firm(p, token, n, tag):
    check = credit_code(n)
    s, b = request("POST", f"{p}/catalog/firms", None, {
        "name": f"负载{tag}{n}号物业", "credit_code": check, "legal_representative": "王建国",
        "contact_phone": "13812345678", "ownership": "private",
        "base_address": "成都市锦江区红星路三段 1 号", "location": {"lon": 104.081, "lat": 30.658},
        "districts_served": [DISTRICT], "service_radius_km": 15.0,
        "service_models": ["professional", "trust"], "fee_models": ["lump_sum", "commission"],
        "grades": [2, 3], "capacity_households": 50000, "households_served": 1200,
        "staff_count": 80, "profile": "负载测试用的物业服务企业。", "low_profit_commitment": True,
        "account": {"username": f"load.firm.{tag.lower()}{n}", "password": PASSWORD}})
    fid = ok(s, b, f"applying firm {n}")["id"]
    review = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    s, b = request("POST", f"{p}/catalog/firms/{fid}/standing", token,
                   {"action": "recommend", "reason": "负载测试评审通过", "review_date": review})
    ok(s, b, f"recommending firm {n}")
    return fid, sign_in(p, f"load.firm.{tag.lower()}{n}")


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    """A unified social credit code with a valid check character (GB 32100-2015)."""
    prefix = f"91510100MA{n:07d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(prefix, WEIGHTS))
    return prefix + ALPHABET[(31 - total % 31) % 31]


def until(what, secs, f):
    deadline = time.monotonic() + secs
    while True:
        got = f()
        if got:
            return got
        if time.monotonic() > deadline:
            sys.exit(f"load_world: {what} not after {secs} s")
        time.sleep(0.2)


def tender(p, committee, cid, deadline_ms):
    fee = 180
    body = {
        "compound_id": cid, "service_model": "professional", "fee_model": "lump_sum", "grade": 3,
        "term_months": 36, "annual_budget_fen": fee * FLOOR_AREA * 12, "proposed_fee": fee,
        "needs": "需要秩序维护、保洁、绿化养护和共用设施设备日常维护，电梯 0 部。",
        "enquiry_deadline": rfc3339(deadline_ms), "bid_deadline": rfc3339(deadline_ms),
        "opening_at": rfc3339(deadline_ms), "evaluation_method": "price_only",
    }

    def created():
        s, b = request("POST", f"{p}/tenders", committee, body)
        if s == 201:
            return json.loads(b)["id"]
        if s in (404, 422, 409) and b"compound" in b:  # tender has not followed it yet
            return None
        ok(s, b, "creating a tender")
    tid = until(f"tender knowing compound {cid}", 60, created)
    s, b = request("POST", f"{p}/tenders/{tid}/publish", committee, {})
    ok(s, b, f"publishing tender {tid}")
    return tid


def setup(args):
    p, token, tag = args.proxy, args.token, args.tag
    now = int(time.time() * 1000)
    world = {"tenders": [], "firms": [], "committees": {}}
    street = account(p, token, f"load.street.{tag.lower()}", "street_official", STREET)
    district = account(p, token, f"load.district.{tag.lower()}", "district_official", DISTRICT)
    world["street_token"], world["district_token"] = street, district
    for n in range(args.firms):
        fid, ftoken = firm(p, token, 9000 + n, tag)
        world["firms"].append({"id": fid, "token": ftoken})
    deadlines = [float(d) for d in args.deadlines.split(",") if d]
    pending = []
    for i in range(len(deadlines)):
        cid = compound(p, token, f"{tag}T{i:03d}")
        committee = account(p, token, f"load.committee.{tag.lower()}{i}", "committee", cid)
        world["committees"][cid] = committee
        pending.append((cid, committee))
    # The vote: a register imported by the committee, a vote open until the load is over
    # (`--vote-secs`; it can only be closed, and counted, after), the notices.
    cid = compound(p, token, f"{tag}V000")
    committee = account(p, token, f"load.committee.{tag.lower()}v", "committee", cid)
    world["committees"][cid] = committee
    rows = ["楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态"]
    for u in range(args.units):
        rows.append(f"{u // 100 + 1}栋,1单元,{u % 100 + 101},88.50,业主{tag}{u:04d},139{u:08d},")
    csv = ("\n".join(rows) + "\n").encode()

    def imported():
        s, b = request("POST", f"{p}/tenders/compounds/{cid}/register/import?format=csv&mode=strict",
                       committee, raw=(csv, "text/csv"))
        if s == 404:
            return None
        return ok(s, b, "importing the register")
    until(f"tender knowing compound {cid}", 60, imported)
    now = int(time.time() * 1000)
    closes = now + int(args.vote_secs * 1000)
    s, b = request("POST", f"{p}/tenders/compounds/{cid}/ballot-votes", committee, {
        "matter": "other", "question": "是否同意增设非机动车充电设施",
        "opens_at": rfc3339(now), "closes_at": rfc3339(closes)})
    vid = ok(s, b, "opening the ballot vote")["id"]
    s, b = request("POST", f"{p}/tenders/ballot-votes/{vid}/notices", street, {})
    notices = ok(s, b, "printing the notices")["notices"]
    world["vote"] = {"id": vid, "compound": cid, "committee": committee, "closes_ms": closes,
                     "codes": [{"code": n["code"], "unit": n["unit_id"]} for n in notices]}
    # The tenders last, their deadlines counted from now (the load starts next).
    now = int(time.time() * 1000)
    for (cid, committee), secs in zip(pending, deadlines):
        at = now + int(secs * 1000)
        world["tenders"].append({"id": tender(p, committee, cid, at), "compound": cid,
                                 "committee": committee, "deadline_ms": at})
    with open(args.out, "w") as f:
        json.dump(world, f, ensure_ascii=False)
    print(f"load_world: {len(world['tenders'])} open tenders, {len(world['firms'])} recommended "
          f"firms, a vote of {len(notices)} units with their codes")


def psql(pg, sql, *params):
    q = sql
    for v in params:
        q = q.replace("?", "'" + str(v).replace("'", "''") + "'", 1)
    for attempt in range(20):  # a shared server may be out of connections for a moment
        out = subprocess.run(["psql", pg, "-Atc", q], capture_output=True, text=True)
        if out.returncode == 0:
            return [line.split("|") for line in out.stdout.splitlines() if line]
        time.sleep(0.5)
    sys.exit(f"load_world: psql failed: {out.stderr.strip()}")


def check(args):
    with open(args.world) as f:
        world = json.load(f)
    problems = []
    # Bids: the last acknowledged write per (tender, firm).
    last = {}
    writes = 0
    for line in open(args.acked_bids):
        writes += 1
        b = json.loads(line)
        key = (b["tender"], b["firm"])
        if key not in last or b["revision"] >= last[key]["revision"]:
            last[key] = b
    for (tid, fid), b in last.items():
        rows = psql(args.tender_pg, "SELECT id, revision, fee FROM bid WHERE tender_id = ? AND "
                    "firm_id = ? AND status <> 'withdrawn'", tid, fid)
        if len(rows) != 1:
            problems.append(f"tender {tid}, firm {fid}: {len(rows)} live bids, acknowledged {b}")
            continue
        bid, revision, fee = rows[0][0], int(rows[0][1]), int(rows[0][2])
        if bid != b["id"] or revision < b["revision"] or (revision == b["revision"] and fee != b["fee"]):
            problems.append(f"tender {tid}, firm {fid}: stored {bid} r{revision} fee {fee}, acknowledged {b}")
    print(f"load_world: {writes} acknowledged bid writes (submissions and replacements) on {len(last)} "
          "firm × tender pairs: each pair has one live bid, the last one acknowledged")
    # Ballots.
    vid = world["vote"]["id"]
    acked = [json.loads(line) for line in open(args.acked_ballots)]
    stored = {r[0]: int(r[1]) for r in psql(
        args.tender_pg, "SELECT unit_id, COUNT(*) FROM ballot WHERE vote_id = ? GROUP BY unit_id", vid)}
    for a in acked:
        if stored.get(a["unit"]) != 1:
            problems.append(f"acknowledged ballot of unit {a['unit']}: {stored.get(a['unit'], 0)} stored")
    s, b = request("GET", f"{args.proxy}/tenders/ballot-votes/{vid}")
    turnout = ok(s, b, "reading the vote")["turnout"]
    if turnout["units_voted"] != len(stored):
        problems.append(f"the vote's turnout counts {turnout['units_voted']}, {len(stored)} ballots stored")
    time.sleep(max(0, world["vote"]["closes_ms"] + 500 - time.time() * 1000) / 1000)
    s, b = request("POST", f"{args.proxy}/tenders/ballot-votes/{vid}/close", world["vote"]["committee"], {})
    result = ok(s, b, "closing the vote")["result"]
    counted = result["approving_owners"] + result["opposing_owners"] + result["abstaining_owners"]
    if result["participating_owners"] != len(stored) or counted != len(stored):
        problems.append(f"the result counts {result['participating_owners']} owners "
                        f"({counted} by choice), {len(stored)} ballots stored")
    print(f"load_world: {len(acked)} acknowledged ballots, each counted once; the vote counted "
          f"{len(stored)} ballots in all ({len(stored) - len(acked)} answered to nobody: in flight "
          "during a fault)")
    # Openings: each tender whose opening time has passed, opened exactly once.
    now = int(time.time() * 1000)
    opened = 0
    for t in world["tenders"]:
        if t["deadline_ms"] > now:
            continue
        until(f"tender {t['id']} opened", 30, lambda: request(
            "GET", f"{args.proxy}/tenders/{t['id']}", t["committee"])[0] == 200 and psql(
            args.tender_pg, "SELECT status FROM tender WHERE id = ?", t["id"])[0][0] != "open")
        feed = psql(args.tender_pg, "SELECT COUNT(*) FROM outbox WHERE topic = 'tender' AND "
                    "entity_id = ? AND kind IN ('opened', 'unsuccessful')", t["id"])[0][0]
        audit = psql(args.tender_pg, "SELECT COUNT(*) FROM audit_event WHERE entity_id = ? AND "
                     "action IN ('opened', 'unsuccessful')", t["id"])[0][0]
        if feed != "1" or audit != "1":
            problems.append(f"tender {t['id']}: opened {feed} times in the feed, {audit} in the audit trail")
        opened += 1
    print(f"load_world: {opened} tenders whose opening time passed, each opened exactly once "
          "(feed and audit trail)")
    for problem in problems:
        print(f"load_world: FAILED: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--proxy", required=True)
    s.add_argument("--token", required=True, help="an association token")
    s.add_argument("--out", required=True)
    s.add_argument("--tag", default="W")
    s.add_argument("--firms", type=int, default=4)
    s.add_argument("--units", type=int, default=300)
    s.add_argument("--deadlines", default="30,60", help="seconds from now, one tender each")
    s.add_argument("--vote-secs", type=float, default=60, help="the vote closes this long from now")
    c = sub.add_parser("check")
    c.add_argument("--proxy", required=True)
    c.add_argument("--world", required=True)
    c.add_argument("--tender-pg", required=True, help="tender's database URL (psql)")
    c.add_argument("--acked-bids", required=True)
    c.add_argument("--acked-ballots", required=True)
    args = ap.parse_args()
    setup(args) if args.cmd == "setup" else check(args)


if __name__ == "__main__":
    main()
