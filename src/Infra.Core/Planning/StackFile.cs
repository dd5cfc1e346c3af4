using Infra.Core.Diagnostics;
using Infra.Core.Infrastructure;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Planning;

/// <summary>
/// Reads a stack file: <see cref="StackReader"/> reads it and applies the rules that need only the spec, then the
/// checks that need a planner's knowledge (the baseline's supported minors, the cloud size table, which default images
/// have cloud-init) run as a later pass, at the positions the reader remembered, with the same codes.
/// </summary>
public static class StackFile
{
    private const string R = StackReader.ClusterKey;

    public static StackReadResult Read(string file, string text)
    {
        var read = StackReader.ReadUnchecked(file, text);
        if (read.Spec is { } spec) CheckWithPlanners(spec, read.Context, read.TargetKnown);
        return StackReader.Result(read);
    }

    private static void CheckWithPlanners(ClusterSpec spec, ReadContext ctx, bool targetKnown)
    {
        CheckDefaultImage(spec, ctx);
        foreach (var (upstream, mirror) in spec.Packages.ChartMirrors)
        {
            if (ChartMirrors.Problem(upstream, mirror) is { } problem)
            {
                ctx.Error($"{R}.packages.chartMirrors.{upstream}", Codes.MalformedChartMirror, problem);
            }
        }
        if (!targetKnown) return; // the target is reported already; these checks depend on it
        if (spec.Target != Target.Baremetal)
        {
            if (spec.ControlPlane.Size is { } cp) CheckSize(spec, ctx, $"{R}.controlPlane.size", cp);
            for (var i = 0; i < spec.Workers.Count; i++)
            {
                if (spec.Workers[i].Size is { } size) CheckSize(spec, ctx, $"{R}.workers[{i}].size", size);
            }
            if (spec.Etcd is { Topology: EtcdTopology.External, Count: > 0, Size: { } etcd }) CheckSize(spec, ctx, $"{R}.etcd.size", etcd);
        }
        CheckWorkloads(spec, ctx);
    }

    /// <summary>A cloud VM's pinned host key arrives by cloud-init user data, so the default image must apply it.</summary>
    private static void CheckDefaultImage(ClusterSpec spec, ReadContext ctx)
    {
        if (spec.Cloud is not { Image: null } || CloudImages.DefaultImageAppliesUserData(spec.Target, spec.Os)) return;
        ctx.Error($"{R}.os", Codes.NoCloudInitImage,
            $"the default {spec.Target.Name()} image for os '{spec.Os.Name()}' has no cloud-init, so the VM's pinned host key would never be installed: " +
            "use os 'ubuntu-24.04' (the default on gcp) or 'ubuntu-22.04', or name an image with cloud-init in cloud.image");
    }

    /// <summary>The baseline's pinned versions must support the cluster's minor (e.g. cert-manager's window).</summary>
    private static void CheckWorkloads(ClusterSpec spec, ReadContext ctx)
    {
        if (!SupportedVersions.IsSupported(spec.Kubernetes.Version)) return; // already reported
        foreach (var d in BaselinePlanner.Check(spec))
        {
            if (d.Severity != WorkloadSeverity.Error) continue;
            ctx.Error($"{R}.{d.Key}", Codes.WorkloadUnsupported, d.Message);
        }
    }

    /// <summary>kubeadm's preflight minimum is 2 CPUs and 1700 MB; sizes the tool does not know only get a warning.</summary>
    private static void CheckSize(ClusterSpec spec, ReadContext ctx, string path, string size)
    {
        if (!CloudSizes.TryGet(spec.Target, size, out var cpus, out var memoryMb))
        {
            ctx.Warning(path, Codes.UnknownSize,
                $"size '{size}' is not in this tool's table for {spec.Target.Name()}, so its CPU and memory are not checked" +
                Suggest.DidYouMean(size, CloudSizes.Known(spec.Target)));
            return;
        }
        if (cpus < 2 || memoryMb < 1700)
        {
            ctx.Error(path, Codes.SizeTooSmall,
                $"'{size}' has {cpus} vCPU and {memoryMb} MB; kubeadm needs at least 2 vCPU and 1700 MB");
        }
    }
}
