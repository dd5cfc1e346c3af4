# reset.installed, bundle source, check.
# inputs: GONE[]
for f in "${GONE[@]}"; do
  if [ -e "$f" ]; then
    exit 1
  fi
done
