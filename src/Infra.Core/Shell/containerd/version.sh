# containerd's version on this host as MAJOR.MINOR.PATCH in $containerd_version.
if ! command -v containerd >/dev/null; then
  echo 'containerd is not installed' >&2
  exit 1
fi
containerd_version=$(containerd --version | awk '{ print $3 }')
containerd_version=${containerd_version#v}
containerd_version=${containerd_version%%[~+-]*}
