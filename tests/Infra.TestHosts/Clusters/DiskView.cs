using Infra.TestKit;

namespace Infra.TestHosts.Clusters;

/// <summary>
/// Compares a host's filesystem as the host sees it at two times, from its disks (overlay upper dirs) and the
/// machine's root (the lower layer): a path differs when its type, mode, owner, content or link target differs,
/// or when it exists at one time only. Copy-ups that changed nothing are not differences.
/// </summary>
public static class DiskView
{
    private const string Script = """
        set -euo pipefail
        before=$1
        after=$2
        desc() {
          if [ -L "$1" ]; then printf 'link %s' "$(readlink "$1")"
          elif [ -d "$1" ]; then printf 'dir %s' "$(stat -c '%a %u %g' "$1")"
          elif [ -f "$1" ]; then printf 'file %s %s' "$(stat -c '%a %u %g' "$1")" "$(sha256sum < "$1" | cut -d' ' -f1)"
          elif [ -e "$1" ]; then printf 'other %s' "$(stat -c '%F %a' "$1")"
          else printf 'absent'
          fi
        }
        # An overlay whiteout (character device 0:0) hides the lower file; a path the upper dir lacks shows the lower one.
        effective() {
          local u="$1/$2"
          if [ -e "$u" ] || [ -L "$u" ]; then
            if [ -c "$u" ] && [ "$(stat -c '%t:%T' "$u")" = 0:0 ]; then printf 'absent'; else desc "$u"; fi
          else
            desc "/$2"
          fi
        }
        { (cd "$before" && find . -mindepth 1 -printf '%P\n'); (cd "$after" && find . -mindepth 1 -printf '%P\n'); } | sort -u |
        while IFS= read -r p; do
          b=$(effective "$before" "$p")
          a=$(effective "$after" "$p")
          if [ "$b" != "$a" ]; then printf '/%s\t%s\t%s\n' "$p" "$b" "$a"; fi
        done
        """;

    public sealed record Difference(string Path, string Before, string After)
    {
        public override string ToString() => $"{Path}: {Before} -> {After}";
    }

    /// <summary>Paths whose effective state differs between two upper dirs of the same host.</summary>
    public static async Task<IReadOnlyList<Difference>> CompareAsync(string upperBefore, string upperAfter, CancellationToken ct = default)
    {
        var r = await ProcessRunner.RunAsync("/bin/bash", ["-c", Script, "diskview", upperBefore, upperAfter], ct: ct);
        return [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Select(f => new Difference(f[0], f[1], f[2]))];
    }
}
