# workloads.node-labels: label_node NODE KEY=VALUE... waits for the node, sets the labels, removes those an earlier run
# set that the stack no longer has, and records the keys it set (in the annotation ANNOTATION).
# inputs: ADMIN_CONF REGISTER_TIMEOUT ANNOTATION
export KUBECONFIG=$ADMIN_CONF
label_node() {
  local node=$1 kv key previous keys="" i
  shift
  for kv in "$@"; do keys+="${kv%%=*},"; done
  keys=${keys%,}
  for ((i = 0; i < REGISTER_TIMEOUT / 2; i++)); do
    kubectl get node "$node" >/dev/null 2>&1 && break
    sleep 2
  done
  previous=$(kubectl get node "$node" -o "go-template={{with .metadata.annotations}}{{with index . \"$ANNOTATION\"}}{{.}}{{end}}{{end}}")
  local -a old=() stale=()
  IFS=, read -r -a old <<<"$previous"
  for key in "${old[@]}"; do
    case ",$keys," in
      *",$key,"*) ;;
      *) stale+=("$key-") ;;
    esac
  done
  kubectl label node "$node" --overwrite "$@" "${stale[@]}"
  kubectl annotate node "$node" --overwrite "$ANNOTATION=$keys"
}
