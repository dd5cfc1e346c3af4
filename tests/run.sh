#!/usr/bin/env bash
# Runs the whole offline test suite: installs what the tests need (Debian 12, as root), builds the
# offline solution filter with warnings as errors, checks formatting, and runs every test project.
# Tests that need real servers (sshd in network namespaces, etcd, containerd) start them themselves.
# A plain `dotnet test` skips the tiers a machine cannot run (Tier=RealHost without root, Tier=RealTool without the
# tool); here every tier runs: INFRA_TEST_ALL=1 makes a missing precondition fail its test, and any skip fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "tests/run.sh: run as root (the tests create network namespaces and install packages)" >&2
  exit 2
fi

packages=(
  openssh-server openssh-client iproute2 util-linux procps psmisc sudo
  systemd dbus
  etcd-server etcd-client curl containerd runc iptables
  shellcheck yamllint openssl cloud-init ansible-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# This machine kind may ship its own Node.js (with npm); Debian's is needed only where none is.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Package installs must not start services on the machine itself; the tests start their own.
command -v dotnet >/dev/null || { echo "tests/run.sh: dotnet SDK not found" >&2; exit 2; }

# Every systemd test host takes inotify instances from the machine's shared pool (128 by default); test classes
# run side by side, so a CI machine made for this run gets a larger pool.
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 4096 ]; then
  sysctl -q -w fs.inotify.max_user_instances=4096
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 INFRA_TEST_ALL=1
dotnet build Infra.Offline.slnf -c Release -warnaserror -nologo -v q
dotnet format Infra.Offline.slnf --verify-no-changes --no-restore

# GitHub workflow files must be valid for action-validator (npm package, installed in a temp folder).
validator_dir=$(mktemp -d)
trap 'rm -rf "$validator_dir"' EXIT
if compgen -G ".github/workflows/*.yml" >/dev/null; then
  npm install --prefix "$validator_dir" --silent --no-audit --no-fund @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null
  for f in .github/workflows/*.yml; do
    "$validator_dir/node_modules/.bin/action-validator" "$f"
  done
  echo "workflows valid: $(ls .github/workflows/*.yml | wc -l) file(s)"
fi

log=$(mktemp)
set +e
dotnet test Infra.Offline.slnf -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test assembly, in the plain form CI reads.
read -r passed failed skipped < <(awk '/(Passed|Failed|Skipped)! +-/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { print p + 0, f + 0, s + 0 }' "$log")
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
# Nothing may be left out here, whatever the reason: a skip fails the run.
if [ "$skipped" -ne 0 ]; then
  echo "tests/run.sh: $skipped test(s) skipped; this run must run every test" >&2
  exit 1
fi
exit "$status"
