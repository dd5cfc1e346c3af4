# The provider's worker batches, on the first control plane. The Pulumi engine updates the workers' resources side by
# side; each holds one of SLOTS slots from before its new packages until after its uncordon, so no more than
# kubernetes.upgrade.workerBatchSize workers are being upgraded at once, as in infra apply's batches. A slot is a file
# named after its worker, holding "running|failed VERSION", changed only under the lock.
#   claim:   exit 0 when this worker holds a slot (again, after a stopped run); 75 when every slot is held (the holders
#            named); 3 when another worker's upgrade failed (the procedure stops at the first failure, as apply's does).
#   release: gives the slot back.
#   fail:    marks the slot failed; it is held until that worker's upgrade completes.
# inputs: SLOTS_DIR SLOTS NODE TO_VERSION KUBECONFIG_FILE ACTION
export KUBECONFIG="$KUBECONFIG_FILE"
install -d -m 0700 "$SLOTS_DIR"
exec 9>"$SLOTS_DIR/.lock"
flock -w 60 9
mine="$SLOTS_DIR/$NODE"
case "$ACTION" in
  release) rm -f "$mine"; exit 0 ;;
  fail) printf 'failed %s\n' "$TO_VERSION" > "$mine"; exit 0 ;;
  claim) ;;
  *) echo "unknown action $ACTION" >&2; exit 2 ;;
esac
held=()
for slot in "$SLOTS_DIR"/*; do
  [ -f "$slot" ] || continue
  holder=${slot##*/}
  [ "$holder" = "$NODE" ] && continue
  state='' version=''
  read -r state version < "$slot" || true
  # Left by an earlier upgrade.
  if [ "$version" != "$TO_VERSION" ]; then rm -f "$slot"; continue; fi
  # A holder whose node is gone, or is at the new version and schedulable, finished without giving its slot back.
  now=$(kubectl get node "$holder" --ignore-not-found -o 'jsonpath={.status.nodeInfo.kubeletVersion} {.spec.unschedulable}')
  case "$now" in
    '' | "v$TO_VERSION" | "v$TO_VERSION " | "v$TO_VERSION false") rm -f "$slot"; continue ;;
  esac
  if [ "$state" = failed ]; then
    echo "the upgrade of worker $holder to $TO_VERSION failed: fix it and run again; the other workers wait for it" >&2
    exit 3
  fi
  held+=("$holder")
done
if [ -f "$mine" ] || [ "${#held[@]}" -lt "$SLOTS" ]; then
  printf 'running %s\n' "$TO_VERSION" > "$mine"
  exit 0
fi
echo "every worker slot is held (${held[*]})"
exit 75
