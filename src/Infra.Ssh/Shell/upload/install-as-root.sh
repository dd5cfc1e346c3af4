# Root uploaded next to the target: set the mode, move into place atomically.
# inputs: TEMP MODE TARGET
chmod "$MODE" "$TEMP"
mv -f "$TEMP" "$TARGET"
