#!/usr/bin/env bash
# Runs the benchmarks: bash bench/run.sh [all|validate|…]. Release build; figures to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project bench/Infra.Bench -c Release -- "${1:-all}"
