using System.Globalization;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;

namespace Infra.Core.Workloads;

/// <summary>Where the first control plane keeps the workload files and how long each component may take.</summary>
public sealed record WorkloadCommandOptions
{
    /// <summary>Folder on the host that receives manifests/ and values/.</summary>
    public string Directory { get; init; } = HostPaths.WorkloadsDir;
    public string Kubeconfig { get; init; } = "/etc/kubernetes/admin.conf";
    /// <summary>Per component: for helm --wait and for the readiness wait together.</summary>
    public int TimeoutSeconds { get; init; } = 600;
    /// <summary>Charts installed from an archive on the host (a bundle) instead of their repository, by component.</summary>
    public IReadOnlyDictionary<string, LocalChart> LocalCharts { get; init; } = new Dictionary<string, LocalChart>();
}

/// <summary>A chart archive on the host and the SHA-256 it must have.</summary>
public sealed record LocalChart(string Path, string Sha256);

/// <summary>
/// One component's commands for the first control plane: <see cref="Script"/> applies it, <see cref="WaitScript"/>
/// waits until it is ready and otherwise reports what is not ready and why (pods and recent events), exiting 1.
/// <see cref="Files"/> are uploaded first, at paths relative to <see cref="WorkloadCommandOptions.Directory"/>.
/// </summary>
public sealed record WorkloadCommand
{
    public required string Component { get; init; }
    public required string Script { get; init; }
    public required string WaitScript { get; init; }
    public required IReadOnlyList<(string Path, string Content)> Files { get; init; }
}

/// <summary>Renders the <c>workloads</c> phase as bash for the SSH engine: kubectl apply --server-side and helm upgrade --install.</summary>
public static class WorkloadCommands
{
    public const string FieldManager = "infra";

    public static IReadOnlyList<WorkloadCommand> Render(WorkloadPlan plan, WorkloadCommandOptions options) =>
        [.. plan.Components.Select(c => Render(c, options))];

    private static WorkloadCommand Render(WorkloadComponent c, WorkloadCommandOptions o)
    {
        var files = new List<(string, string)>();
        var sb = Header(o);
        var timeout = o.TimeoutSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        if (c.Chart is { } chart)
        {
            var values = "values/" + WorkloadRenderer.ValuesFileName(c);
            files.Add((values, chart.Values.ToJson()));
            string[] source = chart.Repository is null ? [chart.Chart] : [chart.Chart, "--repo", chart.Repository];
            var local = o.LocalCharts.GetValueOrDefault(c.Name);
            if (local is not null)
            {
                // The archive from the bundle, checked on the host before Helm reads it.
                sb.Append("echo ").Append(Bash.Quote([$"{local.Sha256}  {local.Path}"])).Append(" | sha256sum --check --quiet -\n");
                source = [local.Path];
            }
            string[] common = ["--version", chart.Version, "--namespace", chart.Namespace, "-f", values];
            if (chart.Mode == ChartInstallMode.Release)
            {
                Line(sb, ["helm", "upgrade", "--install", chart.Name, .. source, .. common, "--create-namespace", "--wait", "--timeout", timeout]);
            }
            else
            {
                sb.Append(Bash.Quote(["helm", "template", chart.Name, .. source, .. common])).Append(" \\\n  | ")
                  .Append(Bash.Quote(["kubectl", "apply", "--server-side", "--field-manager=" + FieldManager, "-f", "-"])).Append('\n');
            }
            if (local is not null) Line(sb, ["rm", "-f", local.Path]);
        }
        if (c.Objects.Count > 0)
        {
            var manifest = "manifests/" + WorkloadRenderer.ManifestFileName(c);
            files.Add((manifest, WorkloadRenderer.RenderManifest(c)));
            Line(sb, ["kubectl", "apply", "--server-side", "--field-manager=" + FieldManager, "-f", manifest]);
        }
        return new WorkloadCommand { Component = c.Name, Script = sb.ToString(), WaitScript = Wait(c, o), Files = files };
    }

    private static StringBuilder Header(WorkloadCommandOptions o)
    {
        var sb = new StringBuilder("#!/usr/bin/env bash\nset -euo pipefail\n");
        sb.Append("export KUBECONFIG=").Append(Bash.Quote([o.Kubeconfig])).Append('\n');
        sb.Append("cd ").Append(Bash.Quote([o.Directory])).Append('\n');
        return sb;
    }

    private static string Wait(WorkloadComponent c, WorkloadCommandOptions o)
    {
        var sb = Header(o);
        if (c.Readiness.Count == 0)
        {
            sb.Append("echo ").Append(Bash.Quote([$"{c.Name}: nothing to wait for"])).Append('\n');
            return sb.ToString();
        }
        sb.Append("deadline=$((SECONDS + ").Append(o.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Append("))\n");
        sb.Append("""
            remaining() {
              local r=$((deadline - SECONDS))
              if [ "$r" -lt 1 ]; then r=1; fi
              echo "${r}s"
            }
            # Objects made by operators and controllers appear some time after the apply.
            wait_exists() {
              until kubectl get "$@" >/dev/null 2>&1; do
                if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
                sleep 5
              done
            }
            not_ready() {
              echo "not ready: $1" >&2
              if [ -n "$2" ]; then
                kubectl -n "$2" get pods -o wide >&2 || true
                kubectl -n "$2" get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 >&2 || true
              fi
              exit 1
            }

            """);
        foreach (var r in c.Readiness)
        {
            var ns = r.Namespace is null ? Array.Empty<string>() : ["-n", r.Namespace];
            var what = Bash.Quote([$"{c.Name}: {r.Describe()}"]);
            var nsArg = Bash.Quote([r.Namespace ?? ""]);
            var target = r.Kind switch
            {
                ReadinessKind.DeploymentRollout => "deployment/" + r.Name,
                ReadinessKind.DaemonSetRollout => "daemonset/" + r.Name,
                ReadinessKind.CrdEstablished => "crd/" + r.Name,
                _ => r.Resource + "/" + r.Name,
            };
            sb.Append("wait_exists ").Append(Bash.Quote([.. ns, target])).Append(" || not_ready ").Append(what).Append(' ').Append(nsArg).Append('\n');
            string[] cmd = r.Kind switch
            {
                ReadinessKind.DeploymentRollout or ReadinessKind.DaemonSetRollout => ["kubectl", .. ns, "rollout", "status", target],
                ReadinessKind.CrdEstablished => ["kubectl", "wait", "--for=condition=Established", target],
                _ => ["kubectl", .. ns, "wait", "--for=condition=" + r.Condition, target],
            };
            sb.Append(Bash.Quote(cmd)).Append(" --timeout=\"$(remaining)\" || not_ready ").Append(what).Append(' ').Append(nsArg).Append('\n');
        }
        sb.Append("echo ").Append(Bash.Quote([$"{c.Name}: ready"])).Append('\n');
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, IEnumerable<string> words) => sb.Append(Bash.Quote(words)).Append('\n');
}
