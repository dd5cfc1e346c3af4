using System.Text;
using Infra.Core.Catalog;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
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

    /// <exception cref="NodeProgramException">packages.source bundle without the Helm archive or a chart archive.</exception>
    public static IReadOnlyList<Step> Build(WorkloadPlan plan, OsFamily os, PackageSource source = PackageSource.Repository,
        BundleManifest? bundle = null, WorkloadCommandOptions? options = null)
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
                chartUploads[c.Name] = new BundleUpload { Name = name, Path = $"{HostPaths.BundleCacheDir}/{name}", Sha256 = bundle!.Find(name)!.Sha256, Mode = "0600" };
            }
            options = options with { LocalCharts = chartUploads.ToDictionary(u => u.Key, u => new LocalChart(u.Value.Path, u.Value.Sha256), StringComparer.Ordinal) };
        }
        var steps = new List<Step> { HelmStep(os, source, bundle) };
        foreach (var command in WorkloadCommands.Render(plan, options))
        {
            var uploads = chartUploads.TryGetValue(command.Component, out var upload) ? new List<BundleUpload> { upload } : [];
            var files = command.Files.Select(f => new HostFile
            {
                Path = $"{options.Directory}/{f.Path}",
                Content = Encoding.UTF8.GetBytes(f.Content),
                Mode = "0600",
            }).ToList();
            var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["script"] = StepHash.OfContent(Encoding.UTF8.GetBytes(command.Script)),
                ["wait"] = StepHash.OfContent(Encoding.UTF8.GetBytes(command.WaitScript)),
                ["helm"] = HelmVersion,
            };
            foreach (var f in files) inputs["file:" + f.Path] = StepHash.OfContent(f.Content);
            foreach (var u in uploads) inputs["bundle:" + u.Name] = u.Sha256;
            steps.Add(new Step
            {
                Id = $"workloads.{command.Component}",
                Phase = Phase.Workloads,
                Description = $"apply {command.Component} and wait until it is ready",
                Script = command.Script.TrimEnd('\n') + "\n" + command.WaitScript,
                Check = null,
                Inputs = inputs,
                InputHash = StepHash.Of(inputs),
                Files = files,
                RuntimeInputs = [],
                Os = [os],
                BundleUploads = uploads,
            });
        }
        return steps;
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
                var path = $"{HostPaths.BundleCacheDir}/{HelmArchive}";
                uploads.Add(new BundleUpload { Name = HelmArchive, Path = path, Sha256 = file.Sha256, Mode = "0600" });
                script = Steps.Header + ShellScript.Render(new ShellArgs().Set("HELM_SHA256", file.Sha256).Set("HELM_PATH", path), Sh("helm/install-bundle.sh"));
                break;
            default:
                script = Steps.Header + ShellScript.Render(new ShellArgs().Set("HELM_ARCHIVE", HelmArchive), Sh("helm/install-repository.sh"));
                break;
        }
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["helm"] = HelmVersion,
            ["source"] = source.Name(),
            ["script"] = StepHash.OfContent(Encoding.UTF8.GetBytes(script)),
        };
        foreach (var u in uploads) inputs["bundle:" + u.Name] = u.Sha256;
        return new Step
        {
            Id = "workloads.helm",
            Phase = Phase.Workloads,
            Description = $"Helm {HelmVersion} from the package source ({source.Name()})",
            Script = script,
            Check = check,
            Inputs = inputs,
            InputHash = StepHash.Of(inputs),
            Files = [],
            RuntimeInputs = [],
            Os = [os],
            BundleUploads = uploads,
        };
    }
}
