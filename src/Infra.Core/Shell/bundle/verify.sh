# Bundle source: the files the engine copied into the bundle cache have the SHA-256 the plan says (BUNDLE_SUMS holds
# sha256sum's lines, "SHA-256  NAME"); the script continues in the cache directory.
# inputs: BUNDLE_DIR BUNDLE_SUMS
cd "$BUNDLE_DIR"
printf '%s\n' "$BUNDLE_SUMS" | sha256sum --check --strict -
