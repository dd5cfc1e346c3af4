# reset.files, check: none of the tool's files, nor a backup it kept, is left.
# inputs: LEFTOVERS[]
for f in "${LEFTOVERS[@]}"; do
  if [ -e "$f" ]; then
    exit 1
  fi
done
