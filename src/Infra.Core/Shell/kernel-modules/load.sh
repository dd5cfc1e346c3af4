# prepare.kernel-modules: load each module that is not present (kernel-modules/present.sh).
for m in overlay br_netfilter; do
  if ! infra_module_present "$m"; then
    modprobe "$m"
  fi
done
