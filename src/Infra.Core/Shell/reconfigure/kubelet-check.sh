# kubelet.settings, check: the kubelet configuration in effect on this node is the planned one.
# inputs: APPLIED DIGEST
[ "$(cat "$APPLIED" 2>/dev/null)" = "$DIGEST" ]
