# prepare.os, the first thing the tool does on a host: note which directories it may create exist already, so that
# reset keeps them (node-dirs/remove.sh).
# inputs: JOURNAL_DIR PREEXISTING_FILE CREATED_DIRECTORIES[]
if [ ! -e "$PREEXISTING_FILE" ]; then
  install -d -m 0700 "$JOURNAL_DIR"
  for p in "${CREATED_DIRECTORIES[@]}"; do
    if [ -e "$p" ]; then
      echo "$p"
    fi
  done > "$PREEXISTING_FILE.tmp"
  mv "$PREEXISTING_FILE.tmp" "$PREEXISTING_FILE"
fi
