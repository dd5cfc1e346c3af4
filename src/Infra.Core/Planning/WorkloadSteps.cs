using System.Text;
using Infra.Core.Catalog;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Planning;

/// <summary>The <c>workloads</c> phase: Helm, then one step per baseline component, run on the first control plane.</summary>
public static class WorkloadSteps
{
    /// <summary>The Helm release the workloads phase uses (Helm 3: the charts pinned here are tested with it).</summary>
    public const string HelmVersion = VersionCatalog.HelmVersion;

    public static string HelmArchive => $"helm-{HelmVersion}-linux-amd64.tar.gz";

    /// <summary>
    /// The archive a bundle carries for a chart: the file 'helm pull' writes, &lt;chart name&gt;-&lt;version&gt;.tgz (for an
    /// OCI chart the name is the reference's last segment).
    /// </summary>
    public static string ChartArchive(ChartRelease chart) => $"{chart.Chart[(chart.Chart.LastIndexOf('/') + 1)..]}-{chart.Version}.tgz";

    /// <summary>Every file of a bundle the workloads phase needs (Helm, then each chart), with what it is.</summary>
    public static IReadOnlyList<(string Name, string What)> BundleFiles(WorkloadPlan plan) =>
    [
        (HelmArchive, $"Helm {HelmVersion}, for the workloads phase"),
        .. plan.Components.Where(c => c.Chart is not null)
            .Select(c => (ChartArchive(c.Chart!), $"chart {c.Chart!.Chart} {c.Chart.Version}, for {c.Name}")),
    ];

    /// <summary>Id of the step that makes the Secret of the alert receivers' secrets, right before the monitoring chart.</summary>
    public const string AlertReceiversStepId = "workloads.alert-receivers";

    /// <summary>Where that step places the Secret's manifest (0600) and removes it once applied, relative to the workloads folder.</summary>
    public const string AlertReceiversFile = "secrets/alert-receivers.yaml";

    /// <param name="alertReceivers">The Secret of the alert receivers' secrets (<see cref="AlertReceiversStep"/>), run right before the monitoring chart.</param>
    /// <exception cref="NodeProgramException">packages.source bundle without the Helm archive or a chart archive.</exception>
    public static IReadOnlyList<Step> Build(WorkloadPlan plan, OsFamily os, PackageSource source = PackageSource.Repository,
        BundleManifest? bundle = null, WorkloadCommandOptions? options = null, Step? alertReceivers = null)
    {
        options ??= new WorkloadCommandOptions();
        var chartUploads = new Dictionary<string, BundleUpload>(StringComparer.Ordinal);
        if (source == PackageSource.Bundle)
        {
            var missing = BundleFiles(plan).Where(f => bundle?.Find(f.Name) is null).ToList();
            if (missing.Count > 0)
            {
                throw new NodeProgramException("the bundle folder has no " + string.Join(", ", missing.Select(m => $"{m.Name} ({m.What})")));
            }
            foreach (var c in plan.Components.Where(c => c.Chart is not null))
            {
                var name = ChartArchive(c.Chart!);
                chartUploads[c.Name] = BundleUpload.ToCache(name, bundle!.Find(name)!.Sha256, "0600");
            }
            options = options with { LocalCharts = chartUploads.ToDictionary(u => u.Key, u => new LocalChart(u.Value.Path, u.Value.Sha256), StringComparer.Ordinal) };
        }
        var steps = new List<Step> { HelmStep(os, source, bundle) };
        foreach (var command in WorkloadCommands.Render(plan, options))
        {
            if (command.Component == "monitoring" && alertReceivers is not null) steps.Add(alertReceivers);
            var uploads = chartUploads.TryGetValue(command.Component, out var upload) ? new List<BundleUpload> { upload } : [];
            var files = command.Files.Select(f => new HostFile
            {
                Path = $"{options.Directory}/{f.Path}",
                Content = Encoding.UTF8.GetBytes(f.Content),
                Mode = "0600",
            }).ToList();
            steps.Add(Step.Create(
                $"workloads.{command.Component}",
                Phase.Workloads,
                $"apply {command.Component} and wait until it is ready",
                command.Script.TrimEnd('\n') + "\n" + command.WaitScript,
                check: null,
                Steps.In(("helm", HelmVersion)),
                [os],
                files,
                bundleUploads: uploads));
        }
        return steps;
    }

    /// <summary>
    /// Creates or updates the Secret <see cref="AlertsSpec.SecretName"/> that Alertmanager reads its receivers' secrets
    /// from. The values travel only in a 0600 file on the first control plane, applied with kubectl and removed whatever
    /// happens; the step's script, description and inputs name the keys, never a value, and the file enters the input
    /// hash through a keyed digest (<see cref="AlertReceiverSecrets.Digest"/>). Server-side apply by the one field
    /// manager drops a key a receiver no longer needs.
    /// </summary>
    /// <param name="values">A value for every key <paramref name="alerts"/> needs.</param>
    /// <param name="digestKey">The kept secrets the digest is keyed by.</param>
    public static Step AlertReceiversStep(AlertsSpec alerts, IReadOnlyDictionary<string, string> values, KeptSecrets digestKey, OsFamily os,
        WorkloadCommandOptions? options = null)
    {
        options ??= new WorkloadCommandOptions();
        var content = Encoding.UTF8.GetBytes(AlertReceiverSecrets.Manifest(alerts, values));
        var file = new HostFile
        {
            Path = $"{options.Directory}/{AlertReceiversFile}",
            Content = content,
            Mode = "0600",
            Secret = true,
            KeyedDigest = AlertReceiverSecrets.Digest(digestKey, content),
        };
        var script = new StringBuilder();
        script.Append("export KUBECONFIG=").Append(Bash.Quote([options.Kubeconfig])).Append('\n');
        script.Append("cd ").Append(Bash.Quote([options.Directory])).Append('\n');
        script.Append("# The file holds the receivers' secrets: removed once applied, and also when the apply fails.\n");
        script.Append("trap ").Append(Bash.Quote(Bash.Quote(["rm", "-f", AlertReceiversFile]))).Append(" EXIT\n");
        script.Append(Bash.Quote(["kubectl", "apply", "--server-side", "--field-manager=" + WorkloadCommands.FieldManager, "-f", AlertReceiversFile])).Append('\n');
        return Step.Create(
            AlertReceiversStepId,
            Phase.Workloads,
            $"the Secret {AlertsSpec.SecretNamespace}/{AlertsSpec.SecretName} from the kept secrets ({string.Join(", ", alerts.SecretKeys)})",
            script.ToString(),
            check: null,
            Steps.In(("keys", string.Join(",", alerts.SecretKeys))),
            [os],
            [file]);
    }

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    /// <summary>
    /// Helm on the first control plane, from the package source like every other binary: the upstream release checked
    /// against its published SHA-256 (repository), the bundle's archive checked against the bundle's checksum, or
    /// the version already on PATH (preinstalled: checked, never downloaded).
    /// </summary>
    private static Step HelmStep(OsFamily os, PackageSource source, BundleManifest? bundle)
    {
        var check = HelmChecks.Installed;
        var uploads = new List<BundleUpload>();
        string script;
        switch (source)
        {
            case PackageSource.Preinstalled:
                script = HelmChecks.Preinstalled;
                break;
            case PackageSource.Bundle:
                var file = bundle?.Find(HelmArchive) ?? throw new NodeProgramException(
                    $"the bundle folder has no {HelmArchive} (Helm {HelmVersion}, for the workloads phase)");
                var upload = BundleUpload.ToCache(HelmArchive, file.Sha256, "0600");
                uploads.Add(upload);
                script = ShellScript.Render(new ShellArgs().Set("HELM_SHA256", file.Sha256).Set("HELM_PATH", upload.Path), Sh("helm/install-bundle.sh"));
                break;
            default:
                script = ShellScript.Render(new ShellArgs().Set("HELM_ARCHIVE", HelmArchive), Sh("helm/install-repository.sh"));
                break;
        }
        return Step.Create(
            "workloads.helm",
            Phase.Workloads,
            $"Helm {HelmVersion} from the package source ({source.Name()})",
            script,
            check,
            Steps.In(("helm", HelmVersion), ("source", source.Name())),
            [os],
            bundleUploads: uploads);
    }
}
