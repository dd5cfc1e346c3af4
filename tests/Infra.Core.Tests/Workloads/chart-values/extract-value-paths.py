#!/usr/bin/env python3
"""Print the value key paths a chart's values.yaml defines, as test data for ChartValuePathTests.

Reads one values.yaml (a path, or - for standard input) and writes, to standard output, a header naming the chart,
its version and where the file was read, then every mapping key path of the file, sorted, one a line
("service", "service.spec", "service.spec.type"). A list is a leaf: its path is listed, its items are not.
Keys that are only written in comments are not keys and are not listed. This script reads the file it is given and
nothing else: it fetches nothing and builds nothing.

Usage (the source is free text, e.g. "traefik/traefik-helm-chart traefik/values.yaml at tag v41.3.0"):
    extract-value-paths.py --chart traefik --version 41.3.0 --source "..." values.yaml > traefik@41.3.0.txt
"""
import argparse
import sys

import yaml


def paths(node, prefix):
    if isinstance(node, dict):
        for key, child in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from paths(child, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chart", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--source", required=True, help="repository, file and tag the values.yaml was read from")
    p.add_argument("values", help="the chart's values.yaml, or - for standard input")
    a = p.parse_args()
    text = sys.stdin.read() if a.values == "-" else open(a.values, encoding="utf-8").read()
    data = yaml.safe_load(text) or {}
    print(f"# chart: {a.chart}")
    print(f"# version: {a.version}")
    print(f"# source: {a.source}")
    print("# extracted by: extract-value-paths.py (every mapping key path of that values.yaml; lists are leaves;")
    print("#   keys written only in comments are not listed)")
    for path in sorted(set(paths(data, ""))):
        print(path)


if __name__ == "__main__":
    main()
