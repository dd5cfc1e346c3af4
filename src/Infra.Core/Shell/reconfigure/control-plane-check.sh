# control-plane.settings, check: the settings in effect on this control plane are the planned ones.
# inputs: APPLIED DIGEST
[ "$(cat "$APPLIED" 2>/dev/null)" = "$DIGEST" ]
