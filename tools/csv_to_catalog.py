#!/usr/bin/env python3
"""One-time converter: shared reference CSVs -> fleetplan catalog YAML.

Usage: tools/csv_to_catalog.py ACCELERATORS.csv MODELS.csv OUTDIR
Kept so the provenance of data/catalog/*.yaml is reproducible; the YAML files
are the source of truth from then on (edit them, not the CSVs).
"""
import csv
import json
import sys


def q(s):
    return json.dumps(s, ensure_ascii=False)


def num(s):
    s = s.strip()
    if not s:
        return None
    v = float(s)
    return int(v) if v == int(v) else v


def accelerators(path, out):
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    lines = [
        "# Accelerator catalog. Units: memory_gb in GB, memory_bw_tbps in TB/s,",
        "# dense_tflops in dense TFLOPS (TOPS for int8), scaleup_bw_gbps_per_dir in GB/s",
        "# per direction, scaleout_gbps in Gbit/s, tdp_w in W, price_usd one point estimate.",
        "# Converted from the project's reference accelerators.csv; every row keeps its sources.",
        "# estimate: true marks rows whose figures are public estimates, not datasheets.",
        "accelerators:",
    ]
    for r in rows:
        lines.append(f"  - name: {r['name']}")
        for key in ["vendor", "family", "form_factor"]:
            lines.append(f"    {key}: {q(r[key])}")
        lines.append(f"    year: {r['year']}")
        for key, col in [("memory_gb", "memory_gb"), ("memory_bw_tbps", "memory_bw_tbps")]:
            v = num(r[col])
            if v is not None:
                lines.append(f"    {key}: {v}")
        flops = {p: num(r[f"dense_tflops_{p}"]) for p in ["bf16", "fp8", "int8", "fp4"]}
        flops = {k: v for k, v in flops.items() if v is not None}
        if flops:
            lines.append("    dense_tflops: {" + ", ".join(f"{k}: {v}" for k, v in flops.items()) + "}")
        for key, col in [("scaleup_bw_gbps_per_dir", "scaleup_bw_gbps_per_dir"),
                         ("scaleup_domain", "scaleup_domain"),
                         ("scaleout_gbps", "scaleout_bw_gbps"), ("tdp_w", "tdp_w"),
                         ("price_usd", "price_usd_est")]:
            v = num(r[col])
            if v is not None:
                lines.append(f"    {key}: {v}")
        if r["price_source"].strip():
            lines.append(f"    price_source: {q(r['price_source'])}")
        lines.append(f"    export_status_to_china: {q(r['export_status_to_china'])}")
        lines.append(f"    domestic_china: {'true' if r['domestic_china'] == 'yes' else 'false'}")
        est = "UNCERTAIN" in r["notes"] or r["vendor"] in ("Huawei", "Cambricon", "Kunlunxin (Baidu)")
        lines.append(f"    estimate: {'true' if est else 'false'}")
        lines.append(f"    sources: {q(r['sources'])}")
        if r["notes"].strip():
            lines.append(f"    notes: {q(r['notes'])}")
    open(f"{out}/accelerators.yaml", "w", encoding="utf-8").write("\n".join(lines) + "\n")


def models(path, out):
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    lines = [
        "# Model catalog: architecture numbers from each checkpoint's published config.json.",
        "# params_* in billions. Converted from the project's reference models.csv.",
        "models:",
    ]
    for r in rows:
        lines.append(f"  - name: {r['name']}")
        lines.append(f"    family: {r['family']}")
        for key in ["params_total_b", "params_active_b", "layers", "hidden", "ffn_hidden", "heads",
                    "kv_heads", "head_dim", "vocab", "experts", "experts_active", "shared_experts",
                    "moe_ffn_hidden", "max_context"]:
            v = num(r[key])
            if v is not None:
                lines.append(f"    {key}: {v}")
        att = r["attention_type"].split()[0]
        lines.append(f"    attention: {att}")
        if att == "MLA":
            lines += ["    kv_lora_rank: 512", "    qk_rope_dim: 64", "    q_lora_rank: 1536",
                      "    v_head_dim: 128", "    dense_layers: 3"]
        if r["name"].startswith("gpt-oss"):
            lines += ["    sliding_window: 128", "    sliding_window_layers: 18"]
        lines.append(f"    sources: {q(r['sources'])}")
        if r["notes"].strip():
            lines.append(f"    notes: {q(r['notes'])}")
    open(f"{out}/models.yaml", "w", encoding="utf-8").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    accelerators(sys.argv[1], sys.argv[3])
    models(sys.argv[2], sys.argv[3])
