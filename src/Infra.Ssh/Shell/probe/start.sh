# The probe's start: the engine's state directory, and the host's clock (for the age of a lock it finds).
# inputs: STATE_DIR
set -uo pipefail
mkdir -p "$STATE_DIR" && chmod 0700 "$STATE_DIR"
echo "@@now $(date +%s)"
