# The provider's worker batches, on the first control plane. The Pulumi engine updates the workers' resources side by
# side; each holds one of SLOTS slots from before its new packages until after its uncordon, so no more than
# kubernetes.upgrade.workerBatchSize workers are being upgraded at once, as in infra apply's batches (and, in a folder
# of their own, one slot around a worker's kubelet configuration change, as apply's one-at-a-time wave). A slot is a
# file named after its worker, holding "running|failed KEY", changed only under the lock. KEY names the change (the
# upgrade's target version, the kubelet configuration's digest): a slot of another key was left by an earlier change.
# TO_VERSION (upgrades only, else empty): a holder at that version and schedulable has finished. WHAT names the change.
#   claim:   exit 0 when this worker holds a slot (again, after a stopped run); 75 when every slot is held (the holders
#            named); 3 when another worker's change failed (the procedure stops at the first failure, as apply's does).
#   release: gives the slot back.
#   fail:    marks the slot failed; it is held until that worker's change completes.
# inputs: SLOTS_DIR SLOTS NODE KEY TO_VERSION WHAT KUBECONFIG_FILE ACTION
export KUBECONFIG="$KUBECONFIG_FILE"
install -d -m 0700 "$SLOTS_DIR"
exec 9>"$SLOTS_DIR/.lock"
flock -w 60 9
mine="$SLOTS_DIR/$NODE"
case "$ACTION" in
  release) rm -f "$mine"; exit 0 ;;
  fail) printf 'failed %s\n' "$KEY" > "$mine"; exit 0 ;;
  claim) ;;
  *) echo "unknown action $ACTION" >&2; exit 2 ;;
esac
held=()
for slot in "$SLOTS_DIR"/*; do
  [ -f "$slot" ] || continue
  holder=${slot##*/}
  [ "$holder" = "$NODE" ] && continue
  state='' key=''
  read -r state key < "$slot" || true
  # Left by an earlier change.
  if [ "$key" != "$KEY" ]; then rm -f "$slot"; continue; fi
  # A holder whose node is gone, or (an upgrade) is at the new version and schedulable, finished without giving its slot back.
  now=$(kubectl get node "$holder" --ignore-not-found -o 'jsonpath={.status.nodeInfo.kubeletVersion} {.spec.unschedulable}')
  if [ -z "$now" ]; then rm -f "$slot"; continue; fi
  if [ -n "$TO_VERSION" ]; then
    case "$now" in
      "v$TO_VERSION" | "v$TO_VERSION " | "v$TO_VERSION false") rm -f "$slot"; continue ;;
    esac
  fi
  if [ "$state" = failed ]; then
    echo "the $WHAT of worker $holder failed: fix it and run again; the other workers wait for it" >&2
    exit 3
  fi
  held+=("$holder")
done
if [ -f "$mine" ] || [ "${#held[@]}" -lt "$SLOTS" ]; then
  printf 'running %s\n' "$KEY" > "$mine"
  exit 0
fi
echo "every worker slot is held (${held[*]})"
exit 75
