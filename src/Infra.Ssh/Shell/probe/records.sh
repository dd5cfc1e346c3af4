# The probe prints the journal and the recorded state, and loads the journal for the checks that follow: a check
# runs only for a step the journal holds with its current input hash (STEP_IDS[i], STEP_HASHES[i]).
# inputs: JOURNAL STATE STEP_IDS[] STEP_HASHES[]
echo @@journal
cat "$JOURNAL" 2>/dev/null || true
echo @@state
cat "$STATE" 2>/dev/null || true
echo
echo @@checks
declare -A journal=()
while IFS=$'\t' read -r id hash _; do
  journal[$id]=$hash
done < <(cat "$JOURNAL" 2>/dev/null || true)
infra_journal_holds() {
  [ "${journal[${STEP_IDS[$1]}]:-}" = "${STEP_HASHES[$1]}" ]
}
