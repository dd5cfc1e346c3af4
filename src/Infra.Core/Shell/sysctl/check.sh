# prepare.sysctl, check: each kernel value is what the plan sets.
# inputs: SYSCTL_KEYS[] SYSCTL_VALUES[]
for i in "${!SYSCTL_KEYS[@]}"; do
  [ "$(sysctl -n "${SYSCTL_KEYS[$i]}")" = "${SYSCTL_VALUES[$i]}" ]
done
