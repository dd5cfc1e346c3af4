using System.Globalization;
using System.Reflection;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>
/// Issue 10, "Done when": hostile strings in every string field of a stack are refused with a position and the key
/// path, or, where a field accepts them, reach no generated script, TOML, YAML or kubelet argument raw. The fields are
/// enumerated from the spec model, so a new field without a placement here fails <see cref="Placements_CoverEveryStringFieldOfTheModel"/>.
/// </summary>
public class HostileInputTests
{
    private const string BareMetal = StackReaderTests.BareMetal;
    private const string Aws = StackReaderTests.Aws;
    private static readonly TimeSpan CaseBound = TimeSpan.FromSeconds(30);

    /// <summary>Each holds "zq" (found in no generated file by chance), except the empty string and "..".</summary>
    public static readonly string[] Hostile =
    [
        "zq\"b", "zq'b", "zq\nb", "zq\rb", "zq\tb", "$(zq)", "`zq`", "zq;id", "zq|id", "zq&&id", "zq>x", "../../zq", "..", "zq b",
        "-oProxyCommand=zq", "zq\\b", "zq\u0000b", "zq\u001bb", "zq\u007fb", "\u0430zq", "zq\u202eb", "zq\u200bb", "zq\u2028b",
        "{{zq}}", "zq=b,c=d", "zq:b", "zq --authorization-mode=AlwaysAllow", "%s%nzq", "zq" + new string('a', 5000), "",
    ];

    /// <summary>Where each string field of the model stands in a stack: the base stack and how the value is put there.</summary>
    private static readonly Dictionary<string, (Func<string, string> Put, string Path)[]> Placements = new()
    {
        ["ClusterSpec.Name"] = [(v => R(BareMetal, "name: dev", $"name: {Q(v)}"), "infra:cluster.name")],
        ["ClusterSpec.Target"] = [(v => R(BareMetal, "target: baremetal", $"target: {Q(v)}"), "infra:cluster.target")],
        ["ClusterSpec.Os"] = [(v => R(BareMetal, "target: baremetal", $"target: baremetal\n    os: {Q(v)}"), "infra:cluster.os")],
        ["KubernetesSpec.Version"] = [(v => R(BareMetal, "version: \"1.36.1\"", $"version: {Q(v)}"), "kubernetes.version")],
        ["KubernetesSpec.ImageRepository"] = [(v => R(BareMetal, "version: \"1.36.1\"", $"version: \"1.36.1\", imageRepository: {Q(v)}"), "kubernetes.imageRepository")],
        ["KubernetesSpec.DnsDomain"] = [(v => R(BareMetal, "version: \"1.36.1\"", $"version: \"1.36.1\", dnsDomain: {Q(v)}"), "kubernetes.dnsDomain")],
        ["ControlPlaneSpec.Endpoint"] = [(v => R(BareMetal, "endpoint: \"10.0.0.11:6443\"", $"endpoint: {Q(v)}"), "controlPlane.endpoint")],
        ["ControlPlaneSpec.LoadBalancer"] = [(v => R(BareMetal, "endpoint: \"10.0.0.11:6443\"", $"endpoint: \"10.0.0.11:6443\", loadBalancer: {Q(v)}"), "controlPlane.loadBalancer")],
        ["ControlPlaneSpec.Size"] = [(v => R(Aws, "size: m6i.large }", $"size: {Q(v)} }}"), "controlPlane.size")],
        ["WorkerPoolSpec.Name"] = [(v => R(Aws, "name: general, count: 3", $"name: {Q(v)}, count: 3"), "workers[0].name")],
        ["WorkerPoolSpec.Size"] = [(v => R(Aws, "size: m6i.xlarge }", $"size: {Q(v)} }}"), "workers[0].size")],
        ["WorkerPoolSpec.Labels"] =
        [
            (v => R(BareMetal, "{ name: general }", $"{{ name: general, labels: {{ {Q(v)}: x }} }}"), "workers[0].labels"),
            (v => R(BareMetal, "{ name: general }", $"{{ name: general, labels: {{ tier: {Q(v)} }} }}"), "workers[0].labels"),
        ],
        ["WorkerPoolSpec.Taints"] =
        [
            (v => R(BareMetal, "{ name: general }", $"{{ name: general, taints: [ {Q(v + ":NoSchedule")} ] }}"), "workers[0].taints"),
            (v => R(BareMetal, "{ name: general }", $"{{ name: general, taints: [ {Q("k=" + v + ":NoSchedule")} ] }}"), "workers[0].taints"),
        ],
        ["NetworkSpec.PodCidr"] = [(v => R(BareMetal, "podCidr: 10.244.0.0/16", $"podCidr: {Q(v)}"), "network.podCidr")],
        ["NetworkSpec.ServiceCidr"] = [(v => R(BareMetal, "serviceCidr: 10.96.0.0/12", $"serviceCidr: {Q(v)}"), "network.serviceCidr")],
        ["NetworkSpec.NodeCidr"] = [(v => R(BareMetal, "nodeCidr: 10.0.0.0/16", $"nodeCidr: {Q(v)}"), "network.nodeCidr")],
        ["NetworkSpec.Cni"] = [(v => R(BareMetal, "nodeCidr: 10.0.0.0/16", $"nodeCidr: 10.0.0.0/16, cni: {Q(v)}"), "network.cni")],
        ["NetworkSpec.AdminCidrs"] = [(v => R(Aws, "adminCidrs: [203.0.113.0/24]", $"adminCidrs: [ {Q(v)} ]"), "network.adminCidrs")],
        ["NetworkSpec.ApiCidrs"] = [(v => R(Aws, "adminCidrs: [203.0.113.0/24]", $"adminCidrs: [203.0.113.0/24], apiCidrs: [ {Q(v)} ]"), "network.apiCidrs")],
        ["NetworkSpec.IngressCidrs"] = [(v => R(Aws, "adminCidrs: [203.0.113.0/24]", $"adminCidrs: [203.0.113.0/24], ingressCidrs: [ {Q(v)} ]"), "network.ingressCidrs")],
        ["EtcdSpec.Topology"] = [(v => R(Aws, "    ssh:", $"    etcd: {{ topology: {Q(v)} }}\n    ssh:"), "etcd.topology")],
        ["EtcdSpec.Size"] = [(v => R(Aws, "    ssh:", $"    etcd: {{ topology: external, count: 3, size: {Q(v)} }}\n    ssh:"), "etcd.size")],
        ["EtcdBackupSpec.Schedule"] = [(v => R(Aws, "    ssh:", $"    etcd: {{ backup: {{ schedule: {Q(v)} }} }}\n    ssh:"), "etcd.backup.schedule")],
        ["HostSpec.Name"] = [(v => R(BareMetal, "name: w-2,", $"name: {Q(v)},"), "hosts[2].name")],
        ["HostSpec.Address"] = [(v => R(BareMetal, "address: 10.0.0.22,", $"address: {Q(v)},"), "hosts[2].address")],
        ["HostSpec.User"] = [(v => R(BareMetal, "address: 10.0.0.22,", $"address: 10.0.0.22, user: {Q(v)},"), "hosts[2].user")],
        ["HostSpec.HostKey"] = [(v => R(BareMetal, $"hostKey: \"{StackReaderTests.Key3}\"", $"hostKey: {Q(v)}"), "hosts[2].hostKey")],
        ["HostSpec.Roles"] = [(v => R(BareMetal, "roles: [worker] }", $"roles: [ {Q(v)} ] }}"), "hosts[2].roles")],
        ["HostSpec.Pool"] = [(v => R(BareMetal, "roles: [worker] }", $"roles: [worker], pool: {Q(v)} }}"), "hosts[2].pool")],
        ["HostSpec.InternalAddress"] = [(v => R(BareMetal, "address: 10.0.0.22,", $"address: 10.0.0.22, internalAddress: {Q(v)},"), "hosts[2].internalAddress")],
        ["HostSpec.Os"] = [(v => R(BareMetal, "address: 10.0.0.22,", $"address: 10.0.0.22, os: {Q(v)},"), "hosts[2].os")],
        ["SshSpec.IdentityFile"] = [(v => R(BareMetal, "    hosts:", $"    ssh: {{ identityFile: {Q(v)} }}\n    hosts:"), "ssh.identityFile")],
        ["SshSpec.AdminUser"] = [(v => R(Aws, "ssh: {", $"ssh: {{ adminUser: {Q(v)},"), "ssh.adminUser")],
        ["SshSpec.AdminPublicKey"] =
        [
            (v => R(Aws, $"\"{StackReaderTests.Key3} admin\"", Q(v)), "ssh.adminPublicKey"),
            (v => R(Aws, " admin\" }", $" {U(v)}\" }}"), "ssh.adminPublicKey"),
        ],
        ["BastionSpec.Address"] = [(v => Bastion($"address: {Q(v)}, hostKey: \"{StackReaderTests.Fp1}\""), "ssh.bastion.address")],
        ["BastionSpec.User"] = [(v => Bastion($"address: 10.0.0.2, user: {Q(v)}, hostKey: \"{StackReaderTests.Fp1}\""), "ssh.bastion.user")],
        ["BastionSpec.HostKey"] = [(v => Bastion($"address: 10.0.0.2, hostKey: {Q(v)}"), "ssh.bastion.hostKey")],
        ["PackagesSpec.Source"] = [(v => R(BareMetal, "    hosts:", $"    packages: {{ source: {Q(v)} }}\n    hosts:"), "packages.source")],
        ["PackagesSpec.Bundle"] = [(v => R(BareMetal, "    hosts:", $"    packages: {{ bundle: {Q(v)} }}\n    hosts:"), "packages.bundle")],
        ["PackagesSpec.Mirrors"] =
        [
            (v => R(BareMetal, "    hosts:", $"    packages: {{ mirrors: {{ {Q(v)}: mirror.example.com }} }}\n    hosts:"), "packages.mirrors"),
            (v => R(BareMetal, "    hosts:", $"    packages: {{ mirrors: {{ docker.io: {Q(v)} }} }}\n    hosts:"), "packages.mirrors"),
        ],
        ["PackagesSpec.ChartMirrors"] =
        [
            (v => R(BareMetal, "    hosts:", $"    packages: {{ chartMirrors: {{ {Q(v)}: \"https://charts.example.com/jetstack\" }} }}\n    hosts:"), "packages.chartMirrors"),
            (v => R(BareMetal, "    hosts:", $"    packages: {{ chartMirrors: {{ \"https://charts.jetstack.io\": {Q(v)} }} }}\n    hosts:"), "packages.chartMirrors"),
        ],
        ["WorkloadsSpec.Ingress"] = [(v => R(BareMetal, "    hosts:", $"    workloads: {{ ingress: {Q(v)} }}\n    hosts:"), "workloads.ingress")],
        ["WorkloadsSpec.Storage"] = [(v => R(BareMetal, "    hosts:", $"    workloads: {{ storage: {Q(v)} }}\n    hosts:"), "workloads.storage")],
        ["MonitoringSpec.Retention"] = [(v => R(BareMetal, "    hosts:", $"    workloads: {{ monitoring: {{ retention: {Q(v)} }} }}\n    hosts:"), "workloads.monitoring.retention")],
        ["MonitoringSpec.VolumeSize"] = [(v => R(BareMetal, "    hosts:", $"    workloads: {{ monitoring: {{ volumeSize: {Q(v)} }} }}\n    hosts:"), "workloads.monitoring.volumeSize")],
        ["SlackAlertSpec.Channel"] = [(v => Alerts($"slack: {{ channel: {Q(v)} }}"), "workloads.monitoring.alerts.slack.channel")],
        ["EmailAlertSpec.To"] = [(v => Alerts($"email: {{ to: {Q(v)}, from: a@example.com, smarthost: \"smtp.example.com:587\" }}"), "workloads.monitoring.alerts.email.to")],
        ["EmailAlertSpec.From"] = [(v => Alerts($"email: {{ to: a@example.com, from: {Q(v)}, smarthost: \"smtp.example.com:587\" }}"), "workloads.monitoring.alerts.email.from")],
        ["EmailAlertSpec.Smarthost"] = [(v => Alerts($"email: {{ to: a@example.com, from: a@example.com, smarthost: {Q(v)} }}"), "workloads.monitoring.alerts.email.smarthost")],
        ["EmailAlertSpec.Username"] =
        [
            (v => Alerts($"email: {{ to: a@example.com, from: a@example.com, smarthost: \"smtp.example.com:587\", username: {Q(v)} }}"), "workloads.monitoring.alerts.email.username"),
        ],
        ["CloudSpec.Region"] = [(v => R(Aws, "aws:region: eu-west-1", $"aws:region: {Q(v)}"), "aws:region")],
        ["CloudSpec.Zones"] = [(v => R(Aws, "    ssh:", $"    cloud: {{ zones: [ {Q(v)} ] }}\n    ssh:"), "cloud.zones")],
        ["CloudSpec.Image"] = [(v => R(Aws, "    ssh:", $"    cloud: {{ image: {Q(v)} }}\n    ssh:"), "cloud.image")],
        ["CloudSpec.Project"] = [(v => R(R(Aws, "aws:region: eu-west-1", $"gcp:project: {Q(v)}\n  gcp:region: europe-west1"), "target: aws", "target: gcp"), "gcp:project")],
    };

    private static string R(string yaml, string from, string to)
    {
        if (!yaml.Contains(from, StringComparison.Ordinal)) throw new ArgumentException($"'{from}' is not in the base stack");
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }

    private static string Alerts(string receivers) => R(BareMetal, "    hosts:", $"    workloads: {{ monitoring: {{ alerts: {{ {receivers} }} }} }}\n    hosts:");

    private static string Bastion(string fields) => R(BareMetal, "    hosts:", $"    ssh: {{ bastion: {{ {fields} }} }}\n    hosts:");

    /// <summary>A YAML double-quoted scalar that reads back as exactly <paramref name="v"/>.</summary>
    private static string Q(string v) => "\"" + U(v) + "\"";

    /// <summary>The escaped inside of a double-quoted scalar.</summary>
    private static string U(string v)
    {
        var sb = new StringBuilder();
        foreach (var c in v)
        {
            if (c == '\\') sb.Append("\\\\");
            else if (c == '"') sb.Append("\\\"");
            else if (c < 0x20 || c > 0x7e) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool IsLeaf(Type t) =>
        t == typeof(string) || t.IsEnum || t == typeof(KubernetesVersion) || t == typeof(Endpoint) || t == typeof(HostKeyPin)
        || t == typeof(Cidr) || t == typeof(Taint) || t == typeof(IReadOnlyDictionary<string, string>)
        || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) && IsLeaf(t.GetGenericArguments()[0]));

    /// <summary>Every settable string-like property reachable from <see cref="ClusterSpec"/>, as Type.Property.</summary>
    private static IEnumerable<string> StringFields(Type type)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (IsLeaf(t)) { yield return $"{type.Name}.{p.Name}"; continue; }
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) t = t.GetGenericArguments()[0];
            if (t.Namespace == typeof(ClusterSpec).Namespace && t.Name.EndsWith("Spec", StringComparison.Ordinal))
            {
                foreach (var f in StringFields(t)) yield return f;
            }
        }
    }

    [Fact]
    [Trait("Item", "10.property")]
    public void Placements_CoverEveryStringFieldOfTheModel()
    {
        var missing = StringFields(typeof(ClusterSpec)).Distinct().Where(f => !Placements.ContainsKey(f)).ToList();
        Assert.True(missing.Count == 0, "string fields with no placement in this test: " + string.Join(", ", missing));
        foreach (var (field, places) in Placements)
        {
            for (var i = 0; i < places.Length; i++)
            {
                // Each placement must read back as a valid stack with an ordinary value, or the test proves nothing.
                var (put, _) = places[i];
                var ordinary = Ordinary(field, i);
                var r = StackFile.Read("stack.yaml", put(ordinary));
                Assert.True(r.IsValid, $"{field} with '{ordinary}': {string.Join("\n", r.Diagnostics)}");
            }
        }
    }

    private static string Ordinary(string field, int placement) => (field, placement) switch
    {
        ("SshSpec.AdminPublicKey", 0) => StackReaderTests.Key3,
        ("SshSpec.AdminPublicKey", _) => "admin",
        ("PackagesSpec.ChartMirrors", 0) => "https://charts.jetstack.io",
        ("PackagesSpec.ChartMirrors", _) => "https://charts.example.com/jetstack",
        _ => Ordinary(field),
    };

    private static string Ordinary(string field) => field switch
    {
        "ClusterSpec.Name" or "WorkerPoolSpec.Name" => "general",
        "ClusterSpec.Target" => "baremetal",
        "ClusterSpec.Os" or "HostSpec.Os" => "debian-12",
        "KubernetesSpec.Version" => "1.36.1",
        "KubernetesSpec.ImageRepository" => "registry.example.com/k8s",
        "KubernetesSpec.DnsDomain" => "cluster.local",
        "ControlPlaneSpec.Endpoint" => "10.0.0.11:6443",
        "ControlPlaneSpec.LoadBalancer" => "external",
        "ControlPlaneSpec.Size" or "WorkerPoolSpec.Size" or "EtcdSpec.Size" => "m6i.large",
        "WorkerPoolSpec.Labels" => "tier",
        "WorkerPoolSpec.Taints" => "a",
        "NetworkSpec.PodCidr" => "10.244.0.0/16",
        "NetworkSpec.ServiceCidr" => "10.96.0.0/12",
        "NetworkSpec.NodeCidr" => "10.0.0.0/16",
        "NetworkSpec.Cni" => "calico",
        "NetworkSpec.AdminCidrs" or "NetworkSpec.ApiCidrs" or "NetworkSpec.IngressCidrs" => "198.51.100.0/24",
        "EtcdSpec.Topology" => "stacked",
        "HostSpec.Name" => "w-9",
        "HostSpec.Address" or "HostSpec.InternalAddress" => "10.0.0.29",
        "HostSpec.User" or "BastionSpec.User" or "SshSpec.AdminUser" => "deploy",
        "HostSpec.HostKey" or "BastionSpec.HostKey" => StackReaderTests.Fp2,
        "HostSpec.Roles" => "worker",
        "HostSpec.Pool" => "general",
        "SshSpec.IdentityFile" => "~/.ssh/id_ed25519",
        "BastionSpec.Address" => "bastion.example.com",
        "PackagesSpec.Source" => "repository",
        "PackagesSpec.Bundle" => "bundle",
        "PackagesSpec.Mirrors" => "docker.io",
        "WorkloadsSpec.Ingress" => "traefik",
        "WorkloadsSpec.Storage" => "local-path",
        "CloudSpec.Region" => "eu-west-1",
        "CloudSpec.Zones" => "eu-west-1a",
        "CloudSpec.Image" => "ami-0123456789abcdef0",
        "CloudSpec.Project" => "example-project",
        "EtcdBackupSpec.Schedule" => "daily",
        "MonitoringSpec.Retention" => "15d",
        "MonitoringSpec.VolumeSize" => "30Gi",
        "SlackAlertSpec.Channel" => "#ops",
        "EmailAlertSpec.To" or "EmailAlertSpec.From" => "ops@example.com",
        "EmailAlertSpec.Smarthost" => "smtp.example.com:587",
        "EmailAlertSpec.Username" => "alertmanager",
        _ => throw new ArgumentException(field),
    };

    public static TheoryData<string> FieldNames() => [.. Placements.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [Trait("Item", "10.property")]
    [MemberData(nameof(FieldNames))]
    public async Task HostileStrings_InEveryField_RefusedWithPositionOrNeverRawInArtifacts(string field)
    {
        var findings = new List<string>();
        foreach (var (put, path) in Placements[field])
        {
            foreach (var value in Hostile)
            {
                var yaml = put(value);
                string? finding;
                try { finding = await Task.Run(() => Check(yaml, value, path)).WaitAsync(CaseBound); }
                catch (TimeoutException) { finding = $"no answer within {CaseBound}"; }
                if (finding is not null) findings.Add($"{field} = '{Limits.Show(value)}': {finding}");
            }
        }
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    /// <summary>Null when the value was refused properly or, accepted, appears raw in no generated file; else what is wrong.</summary>
    private static string? Check(string yaml, string value, string path)
    {
        var r = StackFile.Read("stack.yaml", yaml);
        if (!r.IsValid)
        {
            var errors = r.Errors.ToList();
            if (errors.Count == 0) return "invalid without an error";
            if (errors.Any(e => e.Line < 1 || e.Column < 1)) return "an error without a position";
            if (!errors.Any(e => e.KeyPath.Contains(path, StringComparison.Ordinal))) return $"no error names {path}: {string.Join(" | ", errors)}";
            if (errors.Any(e => e.ToString().Length > 1000)) return "an error message echoes the value whole";
            return null;
        }
        if (!value.Contains("zq", StringComparison.Ordinal)) return null;
        var plan = ClusterPlanner.Plan(r.Spec!);
        foreach (var (name, text) in Generated(plan))
        {
            if (!text.Contains(value, StringComparison.Ordinal)) continue;
            // YAML and JSON carry it as data when it is inside one scalar of the parsed document; scripts, TOML and
            // flag files must never hold it raw. kubeadm.yaml is no refuge: kubeadm writes its kubelet arguments into a
            // flags file split on whitespace, so a quoted YAML scalar there still becomes kubelet flags.
            if (!name.EndsWith("kubeadm.yaml", StringComparison.Ordinal)
                && (name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal)) && InsideAScalar(text, value)) continue;
            // etcd.backup.schedule is a systemd calendar expression: its place is the timer's OnCalendar= line, whole,
            // which INF076's rules (one line, no specifiers, escapes, quotes or ';') keep a single value.
            if (name.EndsWith("/" + EtcdBackups.TimerName, StringComparison.Ordinal)
                && text.Split('\n').Count(l => l.Contains(value, StringComparison.Ordinal)) == 1 && text.Contains("\nOnCalendar=" + value + "\n", StringComparison.Ordinal)) continue;
            return $"accepted and written raw into {name}";
        }
        return null;
    }

    [Fact]
    [Trait("Item", "10.property")]
    public void Generated_SeesAcceptedValuesInCloudInitAndScripts()
    {
        // The scan is only worth something if accepted values do reach what it reads: the admin key's comment
        // lands in each VM's cloud-init, a pool label in the kubelet's flags.
        var aws = StackFile.Read("stack.yaml", R(Aws, " admin\" }", " zqcomment\" }"));
        Assert.Contains(Generated(ClusterPlanner.Plan(aws.Spec!)), f => f.Name.EndsWith(".cloud-init.yaml", StringComparison.Ordinal) && f.Text.Contains("zqcomment", StringComparison.Ordinal));
        var bare = StackFile.Read("stack.yaml", R(BareMetal, "{ name: general }", "{ name: general, labels: { zqlabel: x } }"));
        Assert.Contains(Generated(ClusterPlanner.Plan(bare.Spec!)), f => f.Text.Contains("zqlabel=x", StringComparison.Ordinal));
    }

    /// <summary>Every file a plan generates, secret ones included (a plan made without kept secrets masks none here).</summary>
    private static IEnumerable<(string Name, string Text)> Generated(ClusterPlan plan)
    {
        foreach (var a in PlanArtifacts.Build(plan, includeSecrets: false)) yield return (a.RelativePath, Encoding.UTF8.GetString(a.Content));
        foreach (var node in plan.Nodes)
        {
            if (node.CloudInit is { } ci) yield return ($"{node.Host.Name}.cloud-init.yaml", ci);
            if (node.KubeadmConfig is { } kc) yield return ($"{node.Host.Name}/kubeadm.yaml", kc);
            foreach (var step in node.Steps)
            {
                yield return ($"{node.Host.Name}/{step.Id}.sh", step.Script);
                if (step.Check is { } check) yield return ($"{node.Host.Name}/{step.Id}.check.sh", check);
                foreach (var f in step.Files) yield return ($"{node.Host.Name}{f.Path}", Encoding.UTF8.GetString(f.Content));
            }
        }
    }

    private static bool InsideAScalar(string text, string value)
    {
        try
        {
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.SelectMany(d => d.AllNodes).OfType<YamlDotNet.RepresentationModel.YamlScalarNode>()
                .Any(n => n.Value?.Contains(value, StringComparison.Ordinal) == true);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return false;
        }
    }
}
