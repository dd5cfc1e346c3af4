# reset.files, last (containerd makes some of these when it starts): remove each directory the node made that was
# not there before. Without the record (a host prepared by an older tool, or a second reset), none counts as the tool's.
# inputs: PREEXISTING_FILE CREATED_DIRECTORIES[]
for d in "${CREATED_DIRECTORIES[@]}"; do
  if [ -f "$PREEXISTING_FILE" ] && ! grep -qxF "$d" "$PREEXISTING_FILE"; then
    rm -rf "$d"
  fi
done
