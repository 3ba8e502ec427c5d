#!/usr/bin/env python3
"""A mixed workload against wuye behind its proxy, for scripts/load.sh.

Runs `--workers` threads for `--seconds`: each request is drawn from a fixed mix (compound
writes as the association, compound reads, catalog lists, matching searches, feed reads,
page views; with `--world` (scripts/load_world.py setup) also firms submitting and replacing
sealed bids on the open tenders, owners casting ballots with their codes, and committees
and officials reading tenders, audit trails and the vote, and the association asking matching
for the firms matched to a tender). Keeps every write answered with
success in `--acked` (compound ids), `--acked-bids` and `--acked-ballots` (JSON lines), and
prints per kind the count, throughput, p50/p99 and failures as one JSON object on standard
output. A firm's bids are sent one at a time (so its last acknowledged bid is the stored
one); a bid refused because the deadline has passed is not a failure.
Standard library only.
"""

import argparse
import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

STREET = "510104017"
MIX = [
    ("write_compound", 2),
    ("read_compound", 3),
    ("list_compounds", 2),
    ("search", 3),
    ("feed", 1),
    ("page", 1),
]
WORLD_MIX = [("bid", 3), ("ballot", 2), ("read_official", 2), ("match", 2)]


def request(method, url, token=None, body=None, timeout=30, raw=None):
    data = None if body is None else json.dumps(body).encode()
    if raw is not None:
        data = raw[0]
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("content-type", "application/json" if raw is None else raw[1])
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e).encode()


def compound(code):
    return {
        "code": code, "name": f"负载{code}号院", "address": f"锦江区负载路 {code} 号",
        "district": STREET[:6], "street": STREET, "community": "水井坊社区",
        "location": {"lon": 104.083, "lat": 30.652}, "year_built": 1995, "buildings": 6,
        "households": 480, "floor_area_m2": 42000, "management": "none",
        "facilities": {"fire_safety": True, "video_surveillance": False, "access_control": False,
                       "garbage_sorting_points": 2, "parking_spaces": 40, "elevators": 0},
        "governance_body": "owners_committee", "governance_formed_on": "2021-06-18",
        "eligible_and_willing": True,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", default="http://127.0.0.1:18080")
    ap.add_argument("--token", required=True, help="an association token")
    ap.add_argument("--service-token", default="", help="a token that may read feeds")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--acked", required=True, help="file to append acknowledged write ids to")
    ap.add_argument("--tag", default="L", help="prefix of the compound codes written")
    ap.add_argument("--world", help="the world of scripts/load_world.py setup")
    ap.add_argument("--acked-bids", help="file to append acknowledged bids to")
    ap.add_argument("--acked-ballots", help="file to append acknowledged ballots to")
    ap.add_argument("--failures", help="file to append each failed request to (JSON lines)")
    args = ap.parse_args()

    mix = MIX + (WORLD_MIX if args.world else [])
    kinds = [k for k, w in mix for _ in range(w)]
    lock = threading.Lock()
    stats = {k: {"latencies": [], "failed": 0, "statuses": {}} for k, _ in mix}
    world = json.load(open(args.world)) if args.world else None
    bids = {}  # (tender, firm) -> the last acknowledged bid
    acked_bids, acked_ballots, failures = [], [], []
    firm_locks = [threading.Lock() for _ in (world or {}).get("firms", [])]
    codes = list((world or {}).get("vote", {}).get("codes", []))
    used = set()
    if args.acked_ballots:
        try:
            used = {json.loads(line)["code"] for line in open(args.acked_ballots)}
        except FileNotFoundError:
            pass
    codes = [c for c in codes if c["code"] not in used]
    acked = []
    ids = []
    counter = [0]
    deadline = time.monotonic() + args.seconds
    p = args.proxy

    def bid(rng):
        now = time.time() * 1000
        open_tenders = [t for t in world["tenders"] if t["deadline_ms"] > now + 500]
        if not open_tenders:
            status, _ = request("GET", f"{p}/tenders?status=open")
            return status, status == 200
        t = rng.choice(open_tenders)
        n = rng.randrange(len(world["firms"]))
        f = world["firms"][n]
        fee = rng.randrange(150, 181)
        body = {"fee": fee, "annual_price_fen": fee * 42000 * 12,
                "staffing_plan": "项目经理 1 人，秩序维护 4 人，保洁 3 人，绿化 1 人。",
                "service_plan": "按三级标准提供服务，每月公示收支。"}
        with firm_locks[n]:
            key = (t["id"], f["id"])
            with lock:
                known = key in bids
            if known:
                status, answer = request("PUT", f"{p}/tenders/{t['id']}/bids/mine", f["token"], body)
            else:
                status, answer = request("POST", f"{p}/tenders/{t['id']}/bids", f["token"], body)
                if status == 409 and b"bid_exists" in answer:
                    # Submitted by a request whose answer was lost: replace it.
                    status, answer = request("PUT", f"{p}/tenders/{t['id']}/bids/mine", f["token"], body)
            if status in (200, 201):
                b = json.loads(answer)
                record = {"tender": t["id"], "firm": f["id"], "id": b["id"],
                          "revision": b["revision"], "fee": fee}
                with lock:
                    bids[key] = record
                    acked_bids.append(record)
                return status, True
        # The deadline passed between choosing and sending: refused by state, not failed.
        return status, status == 409 and b"deadline" in answer

    def ballot(rng):
        with lock:
            c = codes.pop() if codes else None
        if c is None:
            status, _ = request("GET", f"{p}/tenders/ballot-votes/{world['vote']['id']}")
            return status, status == 200
        choice = rng.choice(["approve", "approve", "oppose", "abstain"])
        status, _ = request("POST", f"{p}/tenders/owner-code/ballot", None,
                            {"code": c["code"], "choice": choice})
        if status == 201:
            with lock:
                acked_ballots.append({"code": c["code"], "unit": c["unit"], "choice": choice})
        return status, status == 201

    def read_official(rng):
        t = rng.choice(world["tenders"])
        which = rng.randrange(4)
        if which == 0:
            status, _ = request("GET", f"{p}/tenders/{t['id']}", t["committee"])
        elif which == 1:
            status, _ = request("GET", f"{p}/tenders/{t['id']}/audit", t["committee"])
        elif which == 2:
            status, _ = request("GET", f"{p}/tenders?district={STREET[:6]}&limit=20",
                                world["district_token"])
        else:
            status, _ = request("GET", f"{p}/tenders/ballot-votes/{world['vote']['id']}",
                                world["street_token"])
        return status, status == 200

    def one(kind, rng):
        if kind == "bid":
            return bid(rng)
        if kind == "ballot":
            return ballot(rng)
        if kind == "read_official":
            return read_official(rng)
        if kind == "match":  # the firms matched to a tender (every recommended firm scored)
            t = rng.choice(world["tenders"])
            status, _ = request("GET", f"{p}/match/tenders/{t['id']}/firms?limit=20", args.token)
            return status, status == 200
        if kind == "write_compound":
            with lock:
                counter[0] += 1
                n = counter[0]
            status, body = request("POST", f"{p}/catalog/compounds", args.token,
                                   compound(f"{args.tag}{n:06d}"))
            if status == 201:
                cid = json.loads(body)["id"]
                with lock:
                    acked.append(cid)
                    ids.append(cid)
            return status, status == 201
        if kind == "read_compound":
            with lock:
                cid = rng.choice(ids) if ids else None
            if cid is None:
                status, _ = request("GET", f"{p}/catalog/districts")
            else:
                status, _ = request("GET", f"{p}/catalog/compounds/{cid}", args.token)
            return status, status == 200
        if kind == "list_compounds":
            status, _ = request("GET", f"{p}/catalog/compounds?street={STREET}&limit=20", args.token)
            return status, status == 200
        if kind == "search":
            q = urllib.parse.quote("负载")
            status, _ = request("GET", f"{p}/match/search?kind=compound&street={STREET}&q={q}&limit=10")
            return status, status == 200
        if kind == "feed":
            status, _ = request("GET", f"{p}/catalog/feed?after=0&limit=50", args.service_token or args.token)
            return status, status == 200
        status, _ = request("GET", f"{p}/")
        return status, status == 200

    def worker(seed):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            kind = rng.choice(kinds)
            started = time.monotonic()
            try:
                status, ok = one(kind, rng)
            except Exception as e:  # a broken answer counts as a failure, never ends the run
                status, ok = f"error: {type(e).__name__}", False
            took = time.monotonic() - started
            with lock:
                s = stats[kind]
                s["statuses"][str(status)] = s["statuses"].get(str(status), 0) + 1
                if ok:
                    s["latencies"].append(took)
                else:
                    s["failed"] += 1
                    failures.append({"at_ms": int(time.time() * 1000), "kind": kind,
                                     "status": status if isinstance(status, int) else -1})

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    with open(args.acked, "a") as f:
        for cid in acked:
            f.write(cid + "\n")
    for path, lines in ((args.acked_bids, acked_bids), (args.acked_ballots, acked_ballots),
                        (args.failures, failures)):
        if path:
            with open(path, "a") as f:
                for line in lines:
                    f.write(json.dumps(line) + "\n")

    def pct(xs, q):
        if not xs:
            return None
        xs = sorted(xs)
        return round(1000 * xs[min(len(xs) - 1, int(q * len(xs)))], 1)

    report = {"seconds": round(elapsed, 1), "workers": args.workers, "kinds": {}}
    total = 0
    for k, _ in mix:
        s = stats[k]
        n = len(s["latencies"]) + s["failed"]
        total += n
        report["kinds"][k] = {
            "requests": n, "per_s": round(n / elapsed, 1), "p50_ms": pct(s["latencies"], 0.5),
            "p99_ms": pct(s["latencies"], 0.99), "failed": s["failed"], "statuses": s["statuses"],
        }
    report["requests"] = total
    report["per_s"] = round(total / elapsed, 1)
    report["acknowledged_writes"] = len(acked)
    report["acknowledged_bids"] = len(acked_bids)
    report["acknowledged_ballots"] = len(acked_ballots)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
