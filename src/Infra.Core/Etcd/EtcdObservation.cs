using System.Text;
using Infra.Core.Model;

namespace Infra.Core.Etcd;

/// <summary>What one round trip to a host learnt about etcd: the installed version, local data, and the cluster.</summary>
public sealed record EtcdObservation
{
    /// <summary>Null when no etcd is installed (or its container is not running).</summary>
    public EtcdVersion? Version { get; init; }
    public required bool HasData { get; init; }
    /// <summary>Null when no endpoint answered the member list.</summary>
    public IReadOnlyList<EtcdMemberInfo>? Members { get; init; }
    public required IReadOnlyList<EtcdEndpointHealth> Health { get; init; }
    public required IReadOnlyList<EtcdEndpointStatus> Status { get; init; }
    public required IReadOnlyList<EtcdAlarm> Alarms { get; init; }
    /// <summary>False when the alarm list did not answer: "no alarm" is then not known.</summary>
    public bool AlarmsKnown { get; init; } = true;

    public EtcdClusterView? View => Members is null ? null : EtcdClusterView.From(Members, Health);

    /// <summary>Where a member keeps its database once it has started; its absence means a member without data.</summary>
    public const string MemberDataDir = HostPaths.EtcdDataDir + "/member";

    /// <summary>
    /// Bash printing the version, whether local data exists, the member list and every member's health (and, with
    /// <paramref name="full"/>, endpoint status and alarms) in sections; failures print nothing for their section.
    /// </summary>
    public static string Script(EtcdCommands commands, IReadOnlyList<string> endpoints, bool full)
    {
        var sb = new StringBuilder("set -uo pipefail\n");
        sb.Append(commands.Preamble);
        sb.Append("echo @@version\n").Append(commands.EtcdVersion()).Append(" 2>/dev/null || true\n");
        sb.Append($"echo @@data\nif [ -d {MemberDataDir} ]; then echo yes; else echo no; fi\n");
        sb.Append("echo @@members\nmembers=$(").Append(commands.MemberList(endpoints)).Append(" 2>/dev/null) || members=''\n");
        sb.Append("printf '%s\\n' \"$members\"\n");
        // Without a member list no member answers: asking each one again only waits for the same timeouts.
        sb.Append("if [ -n \"$members\" ]; then\n");
        // endpoint health prints every endpoint's result and exits 1 when one is unhealthy.
        sb.Append("  echo @@health\n  ").Append(commands.EndpointHealthCluster(endpoints)).Append(" 2>/dev/null || true\n  echo\n");
        if (full)
        {
            sb.Append("  echo @@status\n  ").Append(commands.EndpointStatusCluster(endpoints)).Append(" 2>/dev/null || true\n  echo\n");
            sb.Append("  echo @@alarms\n  ").Append(commands.AlarmList(endpoints)).Append(" 2>/dev/null || true\n  echo\n");
        }
        sb.Append("fi\n");
        sb.Append("echo @@end\n");
        return sb.ToString();
    }

    public static EtcdObservation Parse(string stdout)
    {
        var sections = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                current = line[2..].Trim();
                sections[current] = new StringBuilder();
                continue;
            }
            if (current is not null) sections[current].Append(line).Append('\n');
        }
        if (!sections.ContainsKey("end")) throw new FormatException("the etcd probe did not finish (its output was cut short)");
        string Section(string name) => sections.TryGetValue(name, out var s) ? s.ToString().Trim() : "";

        var version = EtcdVersion.TryParse(Section("version"), out var v) ? v : null;
        // Status prints one JSON array for the endpoints that answered; health the same. A section that failed is empty.
        var members = Section("members");
        var health = Section("health");
        var status = Section("status");
        var alarms = Section("alarms");
        return new EtcdObservation
        {
            Version = version,
            HasData = Section("data") == "yes",
            Members = members.StartsWith('{') ? EtcdJson.MemberList(members) : null,
            Health = health.StartsWith('[') ? EtcdJson.EndpointHealth(health) : [],
            Status = status.StartsWith('[') ? EtcdJson.EndpointStatus(status) : [],
            Alarms = alarms.StartsWith('{') ? EtcdJson.AlarmList(alarms) : [],
            AlarmsKnown = alarms.StartsWith('{'),
        };
    }
}
