# reset.files, check: no directory the node made is left, unless it was there before.
# inputs: PREEXISTING_FILE CREATED_DIRECTORIES[]
for d in "${CREATED_DIRECTORIES[@]}"; do
  if [ -e "$d" ] && [ -f "$PREEXISTING_FILE" ] && ! grep -qxF "$d" "$PREEXISTING_FILE"; then
    exit 1
  fi
done
