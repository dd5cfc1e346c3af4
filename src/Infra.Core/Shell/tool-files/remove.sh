# reset.files, first: the tool's own configuration, state and audit logs.
# inputs: TOOL_PATHS[]
rm -rf "${TOOL_PATHS[@]}"
