using System.ComponentModel;
using Infra.Core.Infrastructure;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class PlanSettings : SecretsSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Write plan.json and every artifact to DIR (files of an earlier plan that no longer belong are removed).")]
    public string? Out { get; init; }

    [CommandOption("--include-secrets")]
    [Description("Write secret files (private keys, encryption key) with mode 0600 instead of masking the secret values; needs the kept secrets.")]
    public bool IncludeSecrets { get; init; }
}

/// <summary><c>infra plan</c>: offline, no credentials; prints the plan and with --out writes it.</summary>
public sealed class PlanCommand : Command<PlanSettings>
{
    public override int Execute(CommandContext context, PlanSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        if (settings.Out is not null && File.Exists(Path.GetFullPath(settings.Out, env.WorkingDirectory)))
        {
            throw new BadInputException($"--out {settings.Out}: is a file; give a folder (new, empty, or written by an earlier plan)");
        }
        var result = StackLoader.Load(settings, env, allowEmbeddedDefault: true);
        if (settings.NamesNoStack && !settings.Json) env.Err.MarkupLine(Markup.Escape($"no --stack or --file: read the built-in dev stack ({result.File})"));
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;

        var secretsDir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, result.Spec!));
        var secrets = SecretsFolder.Load(secretsDir);
        if (settings.IncludeSecrets && secrets is null)
        {
            // Throwaway secrets would be written as if they were the cluster's: refuse, and say how to get real ones.
            throw new BadInputException($"--include-secrets writes the kept secrets, and {secretsDir} holds none: " +
                "create them with 'infra secrets init' (or 'infra secrets import' from a Pulumi stack), or name their folder with --secrets-dir");
        }
        ClusterPlan plan;
        try
        {
            plan = ClusterPlanner.Plan(result.Spec!, secrets, bundle: BundleFolder.Read(result.Spec!, result.File, env));
        }
        catch (InfrastructurePlanException e)
        {
            throw new BadInputException(e.Message);
        }
        if (settings.Json) env.Out.Profile.Out.Writer.Write(PlanJson.Render(plan));
        else PlanPrinter.Print(env.Out, plan, result.File);

        if (settings.Out is not null)
        {
            var dir = Path.GetFullPath(settings.Out, env.WorkingDirectory);
            var written = PlanWriter.Write(dir, PlanArtifacts.Build(plan, settings.IncludeSecrets));
            if (!settings.Json) env.Out.MarkupLine($"wrote {written} file(s) to {Markup.Escape(settings.Out)}");
        }
        return ExitCodes.Ok;
    }
}

internal static class PlanPrinter
{
    public static void Print(IAnsiConsole c, ClusterPlan plan, string file)
    {
        var s = plan.Spec;
        c.MarkupLine($"[bold]Plan for cluster '{Markup.Escape(s.Name)}'[/] from {Markup.Escape(file)}");
        c.MarkupLine($"  target {s.Target.ToString().ToLowerInvariant()}, Kubernetes {s.Kubernetes.Version}, OS {PlanJson.OsName(s.Os)}, " +
            $"packages from {s.Packages.Source.ToString().ToLowerInvariant()}");
        c.MarkupLine($"  API endpoint {Markup.Escape(s.ControlPlane.Endpoint?.ToString() ?? "the cloud's load balancer")}" +
            $" ({(s.Target == Target.Baremetal ? s.ControlPlane.LoadBalancer.ToString().ToLowerInvariant() : "tcp load balancer")}), etcd {s.Etcd.Topology.ToString().ToLowerInvariant()}");
        c.MarkupLine($"  network: pods {s.Network.PodCidr}, services {s.Network.ServiceCidr}, nodes {s.Network.NodeCidr}, CNI {s.Network.Cni.ToString().ToLowerInvariant()}");

        var table = new Table().AddColumns("host", "address", "roles", "pool", "host key", "steps");
        foreach (var h in plan.Hosts)
        {
            var steps = plan.Nodes.FirstOrDefault(n => n.Host.Name == h.Name)?.Steps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
            table.AddRow(
                Markup.Escape(h.Name),
                Markup.Escape(h.Address is null ? $"(new VM{(h.Zone is null ? "" : " in " + h.Zone)})" : $"{h.Address}:{h.Port}"),
                Markup.Escape(string.Join(",", h.Roles)),
                Markup.Escape(h.Pool ?? ""),
                Markup.Escape(h.HostKey?.Fingerprint ?? "(generated, pinned at creation)"),
                steps);
        }
        c.Write(table);
        if (plan.Infrastructure is { } infrastructure)
        {
            foreach (var line in InfrastructurePlanText.Lines(infrastructure)) c.MarkupLine(Markup.Escape(line));
        }
        c.MarkupLine("[bold]Order[/]");
        var i = 1;
        foreach (var wave in plan.Waves())
        {
            var parallel = wave.Hosts.Count > 1 ? " (in parallel)" : "";
            c.MarkupLine($"  {i++}. {wave.Phase.Name()}: {Markup.Escape(wave.Title)} — {Markup.Escape(string.Join(", ", wave.Hosts.Select(h => h.Name)))}{parallel}");
        }
        foreach (var w in plan.Warnings) c.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
    }
}

/// <summary>
/// Writes plan artifacts and removes files of an earlier plan in the same folder. Links are never followed: a plan
/// folder that holds one (planted after an earlier plan) is refused before anything is written or removed.
/// </summary>
internal static class PlanWriter
{
    /// <summary>Marks a folder as written by <c>infra plan</c>, so that stale files are removed only there.</summary>
    public const string Marker = ".infra-plan";

    public static int Write(string dir, IReadOnlyList<PlanArtifact> artifacts)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            if (!File.Exists(Path.Combine(dir, Marker)))
                throw new BadInputException($"{dir} is not empty and was not written by 'infra plan': choose an empty or new folder");
            if (FirstLink(dir) is { } link)
            {
                throw new BadInputException($"{dir} holds a link, {Path.GetRelativePath(dir, link).Replace('\\', '/')}, that 'infra plan' did not write: " +
                    "a plan never follows links; remove it or choose an empty or new folder");
            }
        }
        Directory.CreateDirectory(dir);
        WriteFile(Path.Combine(dir, Marker), "written by infra plan; files here are replaced on the next plan\n"u8, secret: false);
        var keep = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(dir, Marker) };
        foreach (var a in artifacts)
        {
            var path = Path.Combine(dir, a.RelativePath);
            keep.Add(path);
            var folder = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(folder);
            // A folder of the plan that holds key files is private, like the files (it is inside the plan folder, which the tool made).
            if (a.Secret && !OperatingSystem.IsWindows() && folder != dir) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            WriteFile(path, a.Content, a.Secret);
        }
        foreach (var stale in Entries(dir).Where(e => e is FileInfo && !keep.Contains(e.FullName)).ToList())
        {
            stale.Delete();
        }
        foreach (var empty in Entries(dir).OfType<DirectoryInfo>().OrderByDescending(d => d.FullName.Length))
        {
            if (!empty.EnumerateFileSystemInfos().Any()) empty.Delete();
        }
        return artifacts.Count;
    }

    /// <summary>Every entry under <paramref name="dir"/>, descending only into real folders (never through a link).</summary>
    private static IEnumerable<FileSystemInfo> Entries(string dir)
    {
        foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            yield return e;
            if (e is DirectoryInfo d && d.LinkTarget is null)
            {
                foreach (var inner in Entries(d.FullName)) yield return inner;
            }
        }
    }

    private static string? FirstLink(string dir) =>
        Entries(dir).FirstOrDefault(e => e.LinkTarget is not null)?.FullName;

    /// <summary>
    /// Writes a file without following a link at its name: an unchanged file is left alone (so its time stays),
    /// any other entry is removed (a link itself, not its target) and the file made anew with O_EXCL.
    /// </summary>
    private static void WriteFile(string path, ReadOnlySpan<byte> content, bool secret)
    {
        var existing = new FileInfo(path);
        if (existing.Exists && existing.LinkTarget is null && !secret && existing.Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content)) return;
        if (existing.Exists || existing.LinkTarget is not null) existing.Delete();
        using var fs = secret ? SecretFile.Create(path) : new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        fs.Write(content);
    }
}
