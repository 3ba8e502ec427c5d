#!/usr/bin/env python3
"""Prints a valid ledger CSV (the catalog's import format) of N synthetic old compounds in
锦江区锦官驿街道 with codes PREFIX000001…, for timing a large import through the proxy
(scripts/load.sh with LOAD_SIZE=national).

  python3 scripts/ledger_file.py 20000 IMP > ledger.csv
"""

import sys

HEADER = ["小区编码", "小区名称", "地址", "区县代码", "街道代码", "社区", "经度", "纬度",
          "建成年份", "楼栋数", "户数", "建筑面积", "管理方式", "消防设施", "视频监控", "门禁",
          "垃圾分类投放点", "停车位", "电梯", "自治组织", "自治组织成立日期",
          "符合条件且业主自愿", "是否老旧小区"]


def main():
    n, prefix = int(sys.argv[1]), sys.argv[2]
    out = [",".join(HEADER)]
    for i in range(1, n + 1):
        households = 40 + i % 400
        out.append(",".join([
            f"{prefix}{i:06d}", f"导入{i}号院（示例）", f"锦江区导入路 {i} 号", "510104", "510104017",
            "水井坊社区", f"{104.08 + (i % 100) / 10000:.6f}", f"{30.65 + (i % 97) / 10000:.6f}",
            str(1985 + i % 20), str(max(1, households // 60)), str(households),
            str(households * 70), "无物业", "是", "否", "否", str(i % 4), str(i % 60), "0", "无", "",
            "是", "是",
        ]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
