# prepare.kernel-modules, check (after kernel-modules/present.sh).
infra_module_present overlay
infra_module_present br_netfilter
