using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Spectre.Console;

namespace Infra.Cli.Commands;

internal static class PlanPrinter
{
    public static void Print(IAnsiConsole c, ClusterPlan plan, string file)
    {
        var s = plan.Spec;
        c.MarkupLine($"[bold]Plan for cluster '{Markup.Escape(s.Name)}'[/] from {Markup.Escape(file)}");
        c.MarkupLine($"  target {s.Target.Name()}, Kubernetes {s.Kubernetes.Version}, OS {PlanJson.OsName(s.Os)}, " +
            $"packages from {s.Packages.Source.Name()}");
        c.MarkupLine($"  API endpoint {Markup.Escape(s.ControlPlane.Endpoint?.ToString() ?? "the cloud's load balancer")}" +
            $" ({(s.Target == Target.Baremetal ? s.ControlPlane.LoadBalancer.Name() : "tcp load balancer")}), etcd {s.Etcd.Topology.Name()}");
        c.MarkupLine($"  network: pods {s.Network.PodCidr}, services {s.Network.ServiceCidr}, nodes {s.Network.NodeCidr}, CNI {s.Network.Cni.Name()}");

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
        foreach (var wave in plan.Execution.Waves) c.MarkupLine($"  {i++}. {Markup.Escape(wave.Describe())}");
        c.MarkupLine("[bold]Reset order[/]");
        i = 1;
        foreach (var wave in plan.Execution.ResetWaves) c.MarkupLine($"  {i++}. {Markup.Escape(wave.Describe())}");
        c.MarkupLine("[bold]Configuration changes on a live cluster[/]");
        foreach (var line in DayTwoProcedures.Describe(plan)) c.MarkupLine($"  {Markup.Escape(line)}");
        foreach (var w in plan.Warnings) c.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
    }
}
