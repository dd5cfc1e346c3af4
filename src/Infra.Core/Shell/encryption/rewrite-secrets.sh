# encryption.rewrite-secrets, script: every Secret read and written back unchanged, so that the API server stores it
# encrypted with the key now listed first (the documentation's command). A conflicting write (a Secret changed between
# the get and the replace) fails the replace; the documentation says to retry, and that running it again is safe.
# inputs: KUBECONFIG_FILE TIMEOUT TRIES
for try in $(seq 1 "$TRIES"); do
  if timeout "$TIMEOUT" kubectl --kubeconfig "$KUBECONFIG_FILE" get secrets --all-namespaces -o json \
      | timeout "$TIMEOUT" kubectl --kubeconfig "$KUBECONFIG_FILE" replace -f - >/dev/null; then
    echo "every Secret rewritten (try $try)"
    exit 0
  fi
  echo "rewriting the Secrets failed (try $try of $TRIES)" >&2
  sleep 2
done
exit 1
