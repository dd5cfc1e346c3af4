#!/usr/bin/env bash
# Runs the benchmarks: bash bench/run.sh [all|validate|plan|engine|scale|per-host|upgrade]. Release build; figures to stdout.
# engine, scale and upgrade start 20 test hosts, per-host 50 (network namespaces, sshd, systemd): they need root, and engine
# needs Debian's ansible-core for the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
if [ "$which" != validate ] && [ "$which" != plan ] && [ "$(id -u)" -ne 0 ]; then
  echo "bench/run.sh: '$which' starts test hosts and must run as root" >&2
  exit 2
fi
dotnet run --project bench/Infra.Bench -c Release -- "$which"
