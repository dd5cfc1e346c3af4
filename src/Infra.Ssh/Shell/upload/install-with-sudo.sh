# Another user uploaded into a private temporary directory: sudo installs the file as root next to the target (STAGED),
# moves it into place atomically, and removes the temporary directory.
# inputs: TEMP MODE TARGET TARGET_DIR STAGED TEMP_DIR
mkdir -p "$TARGET_DIR"
install -m "$MODE" -o root -g root "$TEMP" "$STAGED"
mv -f "$STAGED" "$TARGET"
rm -rf "$TEMP_DIR"
