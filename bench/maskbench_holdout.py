#!/usr/bin/env python3
"""A held-out MaskBench sample: schema files the golden folder does not hold.

The golden folder (../shared/golden/maskbench) is a quarter of MaskBench, and our grammar engine
was tuned on it. To check that its figures hold on schemas it has not seen, this script takes the
other files of a MaskBench checkout (guidance-ai/jsonschemabench, folder maskbench/data), picks an
evenly spaced sample per category (every k-th name in sorted order, never by content), and writes
them in the golden folder's form: each test gains "text", the instance as
json.dumps(data, ensure_ascii=False) (", " and ": " separators), which the matcher must accept or
reject token by token. Then run:

    build/ruvllm grammar-bench --vocab ../shared/golden/tokenizer/ggml-vocab-llama-bpe.gguf \\
        --maskbench OUT --cpu-clock [--json]

Usage: maskbench_holdout.py --source DIR [--golden DIR] --out DIR [--per-category N] [--max-bytes B]
"""
import argparse
import collections
import json
import os
import re
import sys


def category(name):
    # "Github_easy---o1234", "Glaiveai2K---f_3", "BFCL_java_3", "JME_12", "kb_1004", "wp_40"
    if "---" in name:
        return name.split("---")[0]
    return re.sub(r"_?\d+$", "", name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--source", required=True, help="MaskBench data folder (*.json)")
    ap.add_argument("--golden", default=os.path.join(here, "..", "..", "shared", "golden", "maskbench"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-category", type=int, default=10)
    ap.add_argument("--max-bytes", type=int, default=400_000, help="skip larger files (as the golden folder does)")
    args = ap.parse_args()

    seen = {f[:-5] for f in os.listdir(args.golden) if f.endswith(".json")}
    by_category = collections.defaultdict(list)
    for f in sorted(os.listdir(args.source)):
        if not f.endswith(".json") or f[:-5] in seen:
            continue
        if os.path.getsize(os.path.join(args.source, f)) > args.max_bytes:
            continue
        by_category[category(f[:-5])].append(f)
    if not by_category:
        sys.exit("no unseen schema files in " + args.source)

    os.makedirs(args.out, exist_ok=True)
    files = tests = 0
    for cat, names in sorted(by_category.items()):
        step = max(1, len(names) // args.per_category)
        for f in names[::step][: args.per_category]:
            with open(os.path.join(args.source, f), encoding="utf-8") as fh:
                doc = json.load(fh)
            for t in doc.get("tests") or []:
                t["text"] = json.dumps(t["data"], ensure_ascii=False)
                tests += 1
            with open(os.path.join(args.out, f), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
            files += 1
        print(f"{cat:40s} {min(len(names[::step]), args.per_category):4d} of {len(names)} unseen")
    print(f"wrote {files} files with {tests} tests to {args.out}")


if __name__ == "__main__":
    main()
