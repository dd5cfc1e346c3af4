# workloads.node-labels: label_node NODE KEY=VALUE... and taint_node NODE IDS KEY[=VALUE]:EFFECT... (IDS: the taints'
# KEY:EFFECT, comma-separated) make a running node carry its pool's labels and taints (--overwrite), take off those an earlier run set that the stack no longer has, and record
# what they set in the node's annotations LABELS_ANNOTATION and TAINTS_ANNOTATION: labels and taints the tool never set
# (a user's, kubeadm's control-plane taint) are never removed.
# inputs: ADMIN_CONF REGISTER_TIMEOUT LABELS_ANNOTATION TAINTS_ANNOTATION
export KUBECONFIG=$ADMIN_CONF
wait_node() {
  local i
  for ((i = 0; i < REGISTER_TIMEOUT / 2; i++)); do
    kubectl get node "$1" >/dev/null 2>&1 && return 0
    sleep 2
  done
}
recorded() {
  kubectl get node "$1" -o "go-template={{with .metadata.annotations}}{{with index . \"$2\"}}{{.}}{{end}}{{end}}"
}
label_node() {
  local node=$1 kv key keys=""
  shift
  for kv in "$@"; do keys+="${kv%%=*},"; done
  keys=${keys%,}
  wait_node "$node"
  local -a old=() stale=()
  IFS=, read -r -a old <<<"$(recorded "$node" "$LABELS_ANNOTATION")"
  for key in "${old[@]}"; do
    case ",$keys," in
      *",$key,"*) ;;
      *) stale+=("$key-") ;;
    esac
  done
  if [ $# -gt 0 ] || [ ${#stale[@]} -gt 0 ]; then
    kubectl label node "$node" --overwrite "$@" "${stale[@]}"
  fi
  kubectl annotate node "$node" --overwrite "$LABELS_ANNOTATION=$keys"
}
taint_node() {
  local node=$1 ids=$2 id
  shift 2
  wait_node "$node"
  local -a old=() stale=()
  IFS=, read -r -a old <<<"$(recorded "$node" "$TAINTS_ANNOTATION")"
  # kubectl taint fails on removing a taint the node does not have: only those it still has are removed.
  local present
  present=$(kubectl get node "$node" -o 'go-template={{range .spec.taints}}{{.key}}:{{.effect}},{{end}}')
  for id in "${old[@]}"; do
    case ",$ids," in
      *",$id,"*) ;;
      *) case ",$present" in *",$id,"*) stale+=("$id-") ;; esac ;;
    esac
  done
  if [ $# -gt 0 ] || [ ${#stale[@]} -gt 0 ]; then
    kubectl taint node "$node" --overwrite "$@" "${stale[@]}"
  fi
  kubectl annotate node "$node" --overwrite "$TAINTS_ANNOTATION=$ids"
}
