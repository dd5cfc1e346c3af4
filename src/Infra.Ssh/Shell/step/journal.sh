# Records a finished step in the journal. The step wrapper runs it only after the step's script succeeded, so a run
# killed mid-step runs that step again.
# inputs: STEP_ID INPUT_HASH JOURNAL
printf '%s\t%s\tok\t%s\n' "$STEP_ID" "$INPUT_HASH" "$(date +%s)" >> "$JOURNAL"
