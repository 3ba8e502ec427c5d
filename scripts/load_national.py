#!/usr/bin/env python3
"""Loads the national synthetic data set into running services through their own API
(scripts/load.sh with LOAD_SIZE=national).

The data is `search_index::synthetic` at the national size (100,000 firms, 200,000
compounds, 20,000 open tenders; seed 20260501, the benchmarks' set), printed as JSON lines by
`target/debug/examples/synthetic_dump` (search-index/examples/synthetic_dump.rs). Loading
through the API, not bulk SQL, so every row goes through the catalog's own validation, store
functions and outbox: the feeds carry everything exactly as in production, and each matching
replica builds its index from them (tender's follower copies the firms and compounds too).

  compounds: the ledger import (POST /catalog/compounds/import?mode=strict, CSV), 5,000 rows
             per file (the import takes 20,000, but a file must be stored inside the proxy's
             45 s read timeout), as the association;
  firms:     POST /catalog/firms (an application, as the association: not throttled), then
             POST /catalog/firms/{id}/standing {"action": "recommend"} for the generator's
             recommended ones, with --workers clients.
  tenders:   not loaded (see RELIABILITY.md): an open tender needs its compound's committee
             account, a published notice and a bidding window, 20,000 of them through the
             API did not fit the time here.

Prints one JSON object with the counts and seconds of each part. Standard library only.
"""

import argparse
import concurrent.futures
import datetime
import json
import sys
import time

from load import request
from load_world import credit_code

HEADER = ["小区编码", "小区名称", "地址", "区县代码", "街道代码", "社区", "经度", "纬度",
          "建成年份", "楼栋数", "户数", "建筑面积", "管理方式", "消防设施", "视频监控", "门禁",
          "垃圾分类投放点", "停车位", "电梯", "自治组织", "自治组织成立日期",
          "符合条件且业主自愿", "是否老旧小区"]
ROWS_PER_FILE = 5_000  # well inside the proxy's 60 s read timeout on a busy machine


def csv_cell(s):
    s = str(s)
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s


def ledger_row(c):
    n = int(c["id"].rsplit("-", 1)[1])
    households = c["households"]
    old = c["eligible"] or c["management"] == "none"
    return [
        f"SYN-{n:06d}", c["name"], c["address"], c["district_code"], c["street_code"], "示例社区",
        f"{c['lon']:.6f}", f"{c['lat']:.6f}", str(1985 + n % 20 if old else 2005 + n % 15),
        str(max(1, households // 60)), str(households), str(int(c["floor_area_m2"])),
        "物业企业" if c["management"] == "professional" else "无物业",
        "是" if n % 3 else "否", "是" if n % 2 else "否", "否", str(n % 4), str(n % 60), "0",
        "无", "", "是" if c["eligible"] else "否", "是" if old else "否",
    ]


def firm_body(f, n):
    return {
        "name": f["name"], "credit_code": credit_code(n), "legal_representative": "王建国",
        "contact_phone": "13812345678", "ownership": "soe" if f["soe"] else "private",
        "base_address": f"成都市示例路 {n % 900 + 1} 号",
        "location": {"lon": f["lon"], "lat": f["lat"]},
        "districts_served": f["districts_served"], "service_radius_km": f["service_radius_km"],
        "service_models": f["service_models"], "fee_models": f["fee_models"],
        "grades": f["grades"], "capacity_households": 1200 + f["capacity_left"] * 100,
        "households_served": 1200, "staff_count": 80, "profile": f["profile"],
        "low_profit_commitment": f["low_profit"],
    }


def load_compounds(p, token, compounds):
    done = 0
    for start in range(0, len(compounds), ROWS_PER_FILE):
        chunk = compounds[start:start + ROWS_PER_FILE]
        text = ",".join(HEADER) + "\n" + "".join(
            ",".join(csv_cell(x) for x in ledger_row(c)) + "\n" for c in chunk)
        s, b = request("POST", f"{p}/catalog/compounds/import?format=csv&mode=strict", token,
                       raw=(text.encode(), "text/csv"), timeout=600)
        if s != 200:
            sys.exit(f"load_national: importing compounds {start}..: {s} {b[:600]!r}")
        done += len(chunk)
        print(f"load_national: {done} compounds imported", file=sys.stderr, flush=True)
    return done


def load_firm(p, token, f, n, review):
    for attempt in range(5):
        s, b = request("POST", f"{p}/catalog/firms", token, firm_body(f, n))
        if s in (200, 201):
            break
        if s == 409:  # a retry after an answer that was lost: already there
            return "exists"
        if attempt == 4 or s not in (0, 502, 503, 504):
            raise RuntimeError(f"firm {n}: {s} {b[:300]!r}")
        time.sleep(1)
    if f["recommended"]:
        fid = json.loads(b)["id"]
        s, b = request("POST", f"{p}/catalog/firms/{fid}/standing", token,
                       {"action": "recommend", "reason": "示例数据评审通过", "review_date": review})
        if s not in (200, 201):
            raise RuntimeError(f"recommending firm {n}: {s} {b[:300]!r}")
    return "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", default="http://127.0.0.1:18080")
    ap.add_argument("--token", required=True, help="an association token")
    ap.add_argument("--data", required=True, help="the JSON lines of synthetic_dump")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--firms", type=int, default=100_000, help="at most this many firms")
    ap.add_argument("--compounds", type=int, default=200_000, help="at most this many compounds")
    a = ap.parse_args()
    firms, compounds, tenders = [], [], 0
    with open(a.data, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if "firm" in rec:
                firms.append(rec["firm"])
            elif "compound" in rec:
                compounds.append(rec["compound"])
            else:
                tenders += 1
    firms, compounds = firms[:a.firms], compounds[:a.compounds]
    out = {}
    t0 = time.monotonic()
    out["compounds"] = load_compounds(a.proxy, a.token, compounds)
    out["compounds_secs"] = round(time.monotonic() - t0, 1)
    t1 = time.monotonic()
    review = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(a.workers) as pool:
        futures = [pool.submit(load_firm, a.proxy, a.token, f, 5_000_000 + n, review)
                   for n, f in enumerate(firms)]
        for fut in concurrent.futures.as_completed(futures):
            fut.result()
            done += 1
            if done % 5000 == 0:
                rate = done / (time.monotonic() - t1)
                print(f"load_national: {done} firms, {rate:.0f}/s", file=sys.stderr, flush=True)
    out["firms"] = done
    out["recommended"] = sum(1 for f in firms if f["recommended"])
    out["firms_secs"] = round(time.monotonic() - t1, 1)
    out["tenders_not_loaded"] = tenders
    out["secs"] = round(time.monotonic() - t0, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
