using System.Globalization;
using System.Text.Json;

namespace Infra.Core.Infrastructure;

/// <summary>
/// The infrastructure plan as <c>infra plan</c> prints it: networks, subnets, every firewall rule with its source and
/// ports, the load balancer and every VM with size, zone and image. Plain text; the same records as infrastructure.json.
/// </summary>
public static class InfrastructurePlanText
{
    public static IReadOnlyList<string> Lines(InfrastructurePlan p)
    {
        var lines = new List<string>
        {
            $"Infrastructure on {Name(p.Target)} {p.Region} (what the Pulumi program creates)",
            $"  network {p.Network.Name} {p.Network.Cidr}",
        };
        foreach (var s in p.Subnets) lines.Add($"  subnet {s.Name} {s.Zone} {s.Cidr}");
        lines.Add("  firewall (inbound; nothing else is open):");
        foreach (var r in p.Firewall) lines.Add($"    {Rule(r)}");
        var lb = p.LoadBalancer;
        var hc = lb.HealthCheck;
        lines.Add($"  load balancer {lb.Name}: tcp {lb.Port} to {string.Join(", ", lb.Targets)}" +
            $" (health check {hc.Protocol.ToLowerInvariant()} {hc.Port} {hc.Path} every {hc.IntervalSeconds} s{(lb.CrossZone ? ", across zones" : "")})");
        foreach (var v in p.Vms)
        {
            lines.Add($"  vm {v.Name} ({v.Host}, {string.Join(",", v.Roles)}): {v.Size} in {v.Zone}, disk {v.DiskGb} GB {v.DiskType}, " +
                $"image {Image(v.Image)}{(v.PublicIp ? ", public IP" : "")}");
        }
        return lines;
    }

    private static string Rule(FirewallRule r)
    {
        var what = r.Protocol == FirewallProtocol.Any ? "any" : Name(r.Protocol);
        if (r.Ports is { } ports) what += " " + ports;
        var from = r.SourceKind switch
        {
            SourceKind.Ranges => string.Join(", ", r.SourceRanges),
            SourceKind.Group => $"{Name(r.SourceGroup)} (private addresses)",
            SourceKind.GroupPublicAddresses => $"{Name(r.SourceGroup)} (public addresses)",
            _ => r.SourceKind.ToString(),
        };
        return $"{Name(r.Action)} {what} from {from} to {Name(r.Target)}: {r.Name} — {r.Description}";
    }

    private static string Image(ImagePlan i) =>
        i.Kind switch
        {
            ImageKind.AwsAmiLookup => $"newest AMI '{i.Reference}' of owner {i.Owner}",
            _ => i.Reference,
        } + (i.Floating ? " (resolved at creation; a newer one does not replace nodes)" : "");

    /// <summary>Enum values as infrastructure.json spells them (kebab-case).</summary>
    private static string Name<T>(T value) => JsonNamingPolicy.KebabCaseLower.ConvertName(
        Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
}
