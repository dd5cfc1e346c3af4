using Infra.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Spec;

/// <summary>What reading a stack file gave: the cluster when it is valid, and every problem found.</summary>
public sealed record StackReadResult
{
    public required string File { get; init; }
    /// <summary>Null when any error was found.</summary>
    public ClusterSpec? Spec { get; init; }
    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }
    /// <summary>Settings of other namespaces (<c>aws:region</c>, …); secure values are shown as "[secret]".</summary>
    public required IReadOnlyDictionary<string, string> ProviderConfig { get; init; }

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => d.Severity == Severity.Warning);
    public bool IsValid => Spec is not null;
}

/// <summary>
/// Reads <c>stacks/Pulumi.&lt;name&gt;.yaml</c> into a <see cref="ClusterSpec"/>. Pure: the caller reads the file.
/// Every problem is reported at once with its line, column and key path; nothing throws on bad input.
/// </summary>
/// <summary>
/// A stack as read, before the checks that need planners: the spec even when errors were found (so every later check
/// still runs and the user sees every problem at once), and where each key stood.
/// </summary>
internal sealed record UncheckedRead(ReadContext Context, ClusterSpec? Spec, IReadOnlyDictionary<string, string> Providers, bool TargetKnown);

public static class StackReader
{
    public const string ClusterKey = "infra:cluster";
    private const string Root = ClusterKey;

    /// <summary>The provider settings each cloud target needs, in the provider's own namespace.</summary>
    public static IReadOnlyList<string> RequiredProviderKeys(Target target) => target switch
    {
        Target.Aws => ["aws:region"],
        Target.Gcp => ["gcp:project", "gcp:region"],
        Target.Azure => ["azure-native:location"],
        _ => [],
    };

    /// <summary>
    /// Reads a stack and applies the rules that need only the spec. The checks that need planners (baseline support,
    /// cloud sizes, default images) run after it: <c>Planning.StackFile.Read</c> is the whole of it.
    /// </summary>
    internal static UncheckedRead ReadUnchecked(string file, string text)
    {
        var ctx = new ReadContext(file);
        var providers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        ClusterSpec? spec = null;
        if (YamlLoader.Load(ctx, text) is not { } yaml) return new(ctx, null, providers, false);

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode top)
        {
            ctx.Error("", Codes.MissingKey, "the stack file must be a mapping with a 'config' key");
            return new(ctx, null, providers, false);
        }
        if (yaml.Documents.Count > 1) ctx.Error("", Codes.YamlSyntax, "a stack file holds one YAML document");

        var root = new YamlObject(ctx, top, "");
        var config = root.Object("config", required: true);
        root.Raw("secretsprovider");
        root.Raw("encryptionsalt");
        root.Raw("environment");
        root.RejectUnknown();
        if (config is null) return new(ctx, null, providers, false);

        YamlObject? cluster = null;
        foreach (var key in config.Keys.ToList())
        {
            var full = key.Contains(':', StringComparison.Ordinal) ? key : "infra:" + key;
            if (full == ClusterKey)
            {
                var node = config.Raw(key);
                if (node is YamlMappingNode m) cluster = new YamlObject(ctx, m, ClusterKey);
                else ctx.Error(node ?? config.Node, ClusterKey, Codes.WrongType,
                    $"expected the cluster as a mapping, found {(node is null ? "nothing" : YamlObject.Describe(node))}");
            }
            else if (full.StartsWith("infra:", StringComparison.Ordinal))
            {
                continue; // left unread: reported as unknown below
            }
            else
            {
                var node = config.Raw(key)!;
                providers[full] = node switch
                {
                    YamlScalarNode s => Limits.Show(s.Value),
                    YamlMappingNode m when m.Children.ContainsKey("secure") => "[secret]",
                    _ => YamlObject.Describe(node),
                };
            }
        }
        if (!config.Has(ClusterKey) && !config.Has("cluster")) config.Object(ClusterKey, required: true);
        config.RejectUnknown([ClusterKey]);

        var targetKnown = false;
        if (cluster is not null) (spec, targetKnown) = ReadCluster(ctx, cluster, providers);
        if (spec is not null) spec = StackValidator.Validate(spec, ctx, providers, targetKnown);
        return new(ctx, spec, providers, targetKnown);
    }

    /// <summary>
    /// Reads an inventory file (<c>{"hosts": [...]}</c>, JSON or YAML, the same fields as <c>hosts</c> in a stack), as
    /// the Pulumi program outputs it for cloud VMs. Returns the hosts, or null with diagnostics.
    /// </summary>
    public static (IReadOnlyList<HostSpec>? Hosts, IReadOnlyList<Diagnostic> Diagnostics) ReadInventory(string file, string text)
    {
        var (hosts, _, diagnostics) = ReadInventoryWithEndpoint(file, text);
        return (hosts, diagnostics);
    }

    /// <summary>An inventory with its optional <c>endpoint</c> (the cloud load balancer's host:port).</summary>
    public static (IReadOnlyList<HostSpec>? Hosts, Endpoint? Endpoint, IReadOnlyList<Diagnostic> Diagnostics) ReadInventoryWithEndpoint(string file, string text)
    {
        var ctx = new ReadContext(file);
        if (YamlLoader.Load(ctx, text) is not { } yaml) return (null, null, ctx.Diagnostics);
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode top)
        {
            ctx.Error("", Codes.MissingKey, "an inventory is an object with a 'hosts' list");
            return (null, null, ctx.Diagnostics);
        }
        var root = new YamlObject(ctx, top, "");
        var hosts = ReadHosts(ctx, root, Target.Baremetal, targetKnown: true);
        Endpoint? endpoint = null;
        if (root.String("endpoint") is { } text2 && !Endpoint.TryParse(text2, out endpoint))
        {
            ctx.Error("endpoint", Codes.MalformedEndpoint, $"'{Limits.Show(text2)}' is not host:port");
        }
        root.RejectUnknown();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < hosts.Count; i++)
        {
            if (!names.Add(hosts[i].Name)) ctx.Error($"hosts[{i}].name", Codes.DuplicateHostName, $"host name '{hosts[i].Name}' appears twice");
            var at = $"{Addresses.Canonical(hosts[i].Address)}:{hosts[i].Port}";
            if (hosts[i].Address.Length > 0 && !addresses.Add(at)) ctx.Error($"hosts[{i}].address", Codes.DuplicateAddress, $"address {at} appears twice");
        }
        return ctx.Diagnostics.Any(d => d.Severity == Severity.Error) ? (null, null, ctx.Diagnostics) : (hosts, endpoint, ctx.Diagnostics);
    }

    /// <summary>The result once every pass ran: the spec only when no pass found an error.</summary>
    internal static StackReadResult Result(UncheckedRead read) =>
        Result(read.Context, read.Context.Diagnostics.Any(d => d.Severity == Severity.Error) ? null : read.Spec, read.Providers);

    private static StackReadResult Result(ReadContext ctx, ClusterSpec? spec, IReadOnlyDictionary<string, string> providers) => new()
    {
        File = ctx.File,
        Spec = spec,
        Diagnostics = [.. ctx.Diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Code, StringComparer.Ordinal)],
        ProviderConfig = providers,
    };

    /// <summary>
    /// Maps the cluster object. Returns a spec even when some values were bad (with defaults in their place), so
    /// that the semantic rules still run and the user sees every problem at once; the caller drops it on errors.
    /// </summary>
    private static (ClusterSpec? Spec, bool TargetKnown) ReadCluster(ReadContext ctx, YamlObject c, IReadOnlyDictionary<string, string> providers)
    {
        var name = c.String("name", required: true) ?? "invalid";
        if (c.Has("name") && !Names.IsDns1123Label(name))
        {
            ctx.Error(c.Join("name"), Codes.InvalidName,
                $"cluster name '{name}' must be a DNS-1123 label: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit");
        }
        var targetRead = c.Choice("target", SpecNames.Targets, required: true);
        ctx.TargetUnknown = targetRead is null;
        var target = targetRead ?? Target.Baremetal;
        var cloud = target != Target.Baremetal;

        var os = c.Choice("os", SpecNames.OsNames) ?? OsDefaults.DefaultOs(target);
        var kubernetes = ReadKubernetes(ctx, c);
        var controlPlane = ReadControlPlane(ctx, c, target);
        var workers = ReadWorkers(ctx, c, target);
        var network = ReadNetwork(ctx, c, cloud);
        var etcd = ReadEtcd(ctx, c);
        var hosts = ReadHosts(ctx, c, target, targetKnown: targetRead is not null);
        var ssh = ReadSsh(ctx, c, cloud);
        var packages = ReadPackages(c);
        var workloads = ReadWorkloads(c, cloud);
        var cloudSpec = ReadCloud(ctx, c, target, providers);
        var certificates = ReadCertificates(c.Object("certificates"));
        c.RejectUnknown();

        // An unknown target still gets the checks that do not depend on it (duplicate hosts, networks, …).
        return (new ClusterSpec
        {
            Name = name,
            Target = target,
            Kubernetes = kubernetes,
            ControlPlane = controlPlane,
            Workers = workers,
            Network = network,
            Etcd = etcd,
            Hosts = hosts,
            Ssh = ssh,
            Packages = packages,
            Workloads = workloads,
            Os = os,
            Cloud = cloudSpec,
            Certificates = certificates,
        }, targetRead is not null);
    }

    private static KubernetesSpec ReadKubernetes(ReadContext ctx, YamlObject c)
    {
        var k = c.Object("kubernetes", required: true);
        var version = new KubernetesVersion(0, 0, 0);
        string? repo = null, domain = null;
        var upgrade = UpgradeSpec.Default;
        if (k is not null)
        {
            var text = k.String("version", required: true);
            if (text is not null)
            {
                if (!KubernetesVersion.TryParse(text, out var v))
                {
                    ctx.Error(k.Join("version"), Codes.MalformedVersion,
                        $"'{Limits.Show(text)}' is not a Kubernetes version; write MAJOR.MINOR.PATCH, e.g. \"1.36.1\" (quoted, so YAML keeps it a string)");
                }
                else if (v!.Major == 0)
                {
                    ctx.Error(k.Join("version"), Codes.UnsupportedVersion, $"Kubernetes {v} does not exist; supported: {SupportedVersions.Window}");
                }
                else
                {
                    version = v!;
                }
            }
            repo = k.String("imageRepository", r => TextRules.RegistryReference(r, allowScheme: false), Codes.InvalidRegistry);
            domain = k.String("dnsDomain");
            if (domain is not null && !Names.IsDnsName(domain))
            {
                ctx.Error(k.Join("dnsDomain"), Codes.InvalidName, $"'{Limits.Show(domain)}' is not a DNS domain");
            }
            upgrade = ReadUpgrade(k.Object("upgrade"));
            k.RejectUnknown();
        }
        return new KubernetesSpec { Version = version, ImageRepository = repo ?? "registry.k8s.io", DnsDomain = domain ?? "cluster.local", Upgrade = upgrade };
    }

    private static CertificatesSpec ReadCertificates(YamlObject? c)
    {
        if (c is null) return CertificatesSpec.Default;
        var days = c.Int("renewBeforeDays", CertificatesSpec.MinRenewBeforeDays, CertificatesSpec.MaxRenewBeforeDays, "certificates.renewBeforeDays")
            ?? CertificatesSpec.DefaultRenewBeforeDays;
        c.RejectUnknown();
        return new CertificatesSpec { RenewBeforeDays = days };
    }

    private static UpgradeSpec ReadUpgrade(YamlObject? u)
    {
        if (u is null) return UpgradeSpec.Default;
        var batch = u.Int("workerBatchSize", 1, UpgradeSpec.MaxWorkerBatchSize, "kubernetes.upgrade.workerBatchSize") ?? UpgradeSpec.DefaultWorkerBatchSize;
        var drain = UpgradeSpec.DefaultDrainTimeoutSeconds;
        u.String("drainTimeout", t => UpgradeSpec.ParseDuration(t, out var s) is { } problem ? problem : Keep(s), Codes.InvalidValue);
        string? Keep(int seconds) { drain = seconds; return null; }
        u.RejectUnknown();
        return new UpgradeSpec { WorkerBatchSize = batch, DrainTimeoutSeconds = drain };
    }

    private static ControlPlaneSpec ReadControlPlane(ReadContext ctx, YamlObject c, Target target)
    {
        var cp = c.Object("controlPlane", required: target != Target.Baremetal);
        int? count = null;
        Endpoint? endpoint = null;
        LoadBalancerKind? lb = null;
        string? size = null;
        int? disk = null;
        if (cp is not null)
        {
            count = cp.Int("count", 0, Limits.MaxControlPlanes, "controlPlane.count");
            var text = cp.String("endpoint");
            if (text is not null)
            {
                if (target != Target.Baremetal) OtherTarget(ctx, cp.Join("endpoint"), "controlPlane.endpoint", target);
                else if (!Endpoint.TryParse(text, out endpoint))
                {
                    ctx.Error(cp.Join("endpoint"), Codes.MalformedEndpoint, $"'{Limits.Show(text)}' is not host:port (e.g. 10.0.0.11:6443), where host is a dotted-quad IPv4 address or a DNS name");
                }
            }
            lb = cp.Choice("loadBalancer", SpecNames.LoadBalancers);
            if (lb is not null && target != Target.Baremetal) OtherTarget(ctx, cp.Join("loadBalancer"), "controlPlane.loadBalancer", target);
            size = cp.String("size", TextRules.Size);
            if (size is not null && target == Target.Baremetal) OtherTarget(ctx, cp.Join("size"), "controlPlane.size", target);
            disk = cp.Int("diskGb", Limits.MinDiskGb, Limits.MaxDiskGb, "diskGb");
            cp.RejectUnknown();
        }
        return new ControlPlaneSpec
        {
            Count = count ?? (target == Target.Baremetal ? -1 : 1),
            Endpoint = endpoint,
            LoadBalancer = lb ?? LoadBalancerKind.External,
            Size = size,
            DiskGb = disk ?? 50,
        };
    }

    private static List<WorkerPoolSpec> ReadWorkers(ReadContext ctx, YamlObject c, Target target)
    {
        var pools = new List<WorkerPoolSpec>();
        var items = c.List("workers") ?? [];
        if (items.Count > Limits.MaxPools)
        {
            ctx.Error(c.Join("workers"), Codes.OutOfBounds, $"{items.Count} worker pools; at most {Limits.MaxPools}");
            return pools;
        }
        foreach (var (node, path) in items)
        {
            if (node is not YamlMappingNode m) { ctx.Error(node, path, Codes.WrongType, "expected a mapping with name, count, size"); continue; }
            var w = new YamlObject(ctx, m, path);
            var name = w.String("name", required: true) ?? "";
            if (w.Has("name") && !Names.IsDns1123Label(name))
            {
                ctx.Error(w.Join("name"), Codes.InvalidName, $"pool name '{Limits.Show(name)}' must be a DNS-1123 label");
            }
            var count = w.Int("count", 0, Limits.MaxPoolCount, $"worker pool '{Limits.Show(name)}' count");
            var size = w.String("size", TextRules.Size);
            if (size is not null && target == Target.Baremetal) OtherTarget(ctx, w.Join("size"), "workers[].size", target);
            var disk = w.Int("diskGb", Limits.MinDiskGb, Limits.MaxDiskGb, "diskGb");
            var labels = ReadLabels(ctx, w);
            RefuseOwnedLabels(ctx, w);
            var taints = new List<Taint>();
            var taintTexts = w.StringList("taints") ?? [];
            if (taintTexts.Count > Limits.MaxTaintsPerPool) ctx.Error(w.Join("taints"), Codes.OutOfBounds, $"{taintTexts.Count} taints; at most {Limits.MaxTaintsPerPool}");
            for (var i = 0; i < taintTexts.Count && i < Limits.MaxTaintsPerPool; i++)
            {
                if (KubernetesNames.TryParseTaint(taintTexts[i], out var taint, out var problem))
                {
                    // The API server refuses two taints with one key and effect (validateNodeTaints).
                    if (taints.Any(t => t.Key == taint!.Key && t.Effect == taint.Effect))
                    {
                        ctx.Error($"{w.Join("taints")}[{i}]", Codes.MalformedTaint, $"a taint with key '{taint!.Key}' and effect {taint.Effect} is already given");
                    }
                    else
                    {
                        taints.Add(taint!);
                    }
                }
                else ctx.Error($"{w.Join("taints")}[{i}]", Codes.MalformedTaint,
                    $"'{Limits.Show(taintTexts[i])}' is not a taint ({problem}); write key[=value]:NoSchedule|PreferNoSchedule|NoExecute by Kubernetes' label rules");
            }
            w.RejectUnknown();
            pools.Add(new WorkerPoolSpec
            {
                Name = name,
                Count = count ?? (target == Target.Baremetal ? -1 : 1),
                Size = size,
                DiskGb = disk ?? 50,
                Labels = labels,
                Taints = taints,
            });
        }
        return pools;
    }

    /// <summary>Pool labels nothing may set (the kubelet's or kubeadm's own, <see cref="NodeLabelRules.Owned"/>), at the label's key.</summary>
    private static void RefuseOwnedLabels(ReadContext ctx, YamlObject pool)
    {
        if (pool.Raw("labels") is not YamlMappingNode labels) return;
        foreach (var (k, _) in labels.Children)
        {
            if (k is not YamlScalarNode { Value: { } key } || !NodeLabelRules.Owned.TryGetValue(key, out var why)) continue;
            ctx.Error(k, $"{pool.Join("labels")}.{key}", Codes.OwnedNodeLabel, $"label '{key}' cannot be set from the stack: {why}");
        }
    }

    /// <summary>Pool labels by Kubernetes' rules: they become the kubelet's --node-labels.</summary>
    private static IReadOnlyDictionary<string, string> ReadLabels(ReadContext ctx, YamlObject w)
    {
        var labels = w.StringMap("labels") ?? new SortedDictionary<string, string>();
        if (labels.Count > Limits.MaxLabelsPerPool)
        {
            ctx.Error(w.Join("labels"), Codes.OutOfBounds, $"{labels.Count} labels; at most {Limits.MaxLabelsPerPool}");
            return new SortedDictionary<string, string>();
        }
        foreach (var (key, value) in labels)
        {
            var path = $"{w.Join("labels")}.{Limits.Show(key)}";
            if (KubernetesNames.LabelKeyProblem(key) is { } k) ctx.Error(path, Codes.InvalidLabel, $"label key '{Limits.Show(key)}': {k}");
            else if (KubernetesNames.LabelValueProblem(value) is { } v) ctx.Error(path, Codes.InvalidLabel, $"label value '{Limits.Show(value)}': {v}");
        }
        return labels;
    }

    private static NetworkSpec ReadNetwork(ReadContext ctx, YamlObject c, bool cloud)
    {
        var n = c.Object("network");
        Cidr Read(string key, string fallback)
        {
            var text = n?.String(key);
            if (text is null) return Parse(fallback);
            if (Cidr.TryParse(text, out var cidr)) return cidr!;
            ctx.Error(n!.Join(key), Codes.MalformedCidr, $"'{Limits.Show(text)}' is not a network in CIDR form (e.g. 10.244.0.0/16: a dotted-quad address with no host bits set)");
            return Parse(fallback);
        }
        List<Cidr> ReadList(string key)
        {
            var list = new List<Cidr>();
            var items = n?.StringList(key);
            if (items?.Count > Limits.MaxCidrsPerList)
            {
                ctx.Error(n!.Join(key), Codes.OutOfBounds, $"{items.Count} networks; at most {Limits.MaxCidrsPerList}");
                return list;
            }
            for (var i = 0; i < (items?.Count ?? 0); i++)
            {
                if (Cidr.TryParse(items![i], out var cidr)) list.Add(cidr!);
                else ctx.Error($"{n!.Join(key)}[{i}]", Codes.MalformedCidr, $"'{Limits.Show(items[i])}' is not a network in CIDR form");
            }
            return list;
        }
        var pod = Read("podCidr", "10.244.0.0/16");
        var svc = Read("serviceCidr", "10.96.0.0/12");
        var node = Read("nodeCidr", "10.0.0.0/16");
        var cni = n?.Choice("cni", SpecNames.Cnis) ?? Cni.Calico;
        var admin = ReadList("adminCidrs");
        var api = ReadList("apiCidrs");
        var hasAdmin = n?.Has("adminCidrs") ?? false;
        var hasApi = n?.Has("apiCidrs") ?? false;
        var ingress = ReadList("ingressCidrs");
        if (!cloud && (n?.Has("ingressCidrs") ?? false)) OtherTarget(ctx, n!.Join("ingressCidrs"), "network.ingressCidrs", Target.Baremetal);
        n?.RejectUnknown();
        if (cloud && !hasAdmin)
        {
            // Secure by default: no SSH from anywhere unless someone wrote it down.
            ctx.Error(n?.Path ?? c.Path, Codes.MissingKey, "missing required key 'adminCidrs': the networks allowed to reach SSH on cloud VMs");
        }
        return new NetworkSpec
        {
            PodCidr = pod,
            ServiceCidr = svc,
            NodeCidr = node,
            Cni = cni,
            AdminCidrs = admin,
            ApiCidrs = hasApi ? api : admin,
            IngressCidrs = ingress,
        };
    }

    private static Cidr Parse(string s) => Cidr.TryParse(s, out var c) ? c! : throw new InvalidOperationException(s);

    private static EtcdSpec ReadEtcd(ReadContext ctx, YamlObject c)
    {
        var e = c.Object("etcd");
        var topology = e?.Choice("topology", SpecNames.Topologies) ?? EtcdTopology.Stacked;
        var count = e?.Int("count", 0, 7, "etcd.count") ?? 0;
        var size = e?.String("size", TextRules.Size);
        var backup = ReadEtcdBackup(e?.Object("backup"));
        e?.RejectUnknown();
        return new EtcdSpec { Topology = topology, Count = count, Size = size, Backup = backup };
    }

    private static EtcdBackupSpec ReadEtcdBackup(YamlObject? b)
    {
        if (b is null) return EtcdBackupSpec.Default;
        var schedule = b.String("schedule", EtcdBackupSpec.CheckSchedule, Codes.InvalidBackupSchedule) ?? EtcdBackupSpec.DefaultSchedule;
        var keep = b.Int("keep", EtcdBackupSpec.MinKeep, EtcdBackupSpec.MaxKeep, "etcd.backup.keep") ?? EtcdBackupSpec.DefaultKeep;
        b.RejectUnknown();
        return new EtcdBackupSpec { Schedule = schedule, Keep = keep };
    }

    private static List<HostSpec> ReadHosts(ReadContext ctx, YamlObject c, Target target, bool targetKnown)
    {
        var hosts = new List<HostSpec>();
        var items = c.List("hosts", required: targetKnown && target == Target.Baremetal);
        if (items is null) return hosts;
        if (target != Target.Baremetal)
        {
            OtherTarget(ctx, c.Join("hosts"), "hosts", target);
            return hosts;
        }
        if (items.Count == 0) ctx.Error(c.Join("hosts"), Codes.NoControlPlane, "'hosts' is empty: a bare-metal cluster needs at least one host with the role 'control-plane'");
        if (items.Count > Limits.MaxNodes)
        {
            ctx.Error(c.Join("hosts"), Codes.OutOfBounds, $"{items.Count} hosts; at most {Limits.MaxNodes} (Kubernetes' tested cluster size)");
            return hosts;
        }
        foreach (var (node, path) in items)
        {
            if (node is not YamlMappingNode m) { ctx.Error(node, path, Codes.WrongType, "expected a mapping with name, address, hostKey, roles"); continue; }
            var h = new YamlObject(ctx, m, path);
            var name = h.String("name", required: true) ?? "";
            if (h.Has("name") && !Names.IsDns1123Label(name))
            {
                ctx.Error(h.Join("name"), Codes.InvalidName, $"host name '{Limits.Show(name)}' must be a DNS-1123 label (it becomes the node name)");
            }
            var address = h.String("address", a => Addresses.IsAddress(a, allowName: true) ? null : AddressRule(allowName: true), Codes.MalformedAddress, required: true) ?? "";
            var internalAddress = h.String("internalAddress", a => Addresses.TryParseIp(a, out _) ? null : AddressRule(allowName: false), Codes.MalformedAddress);
            var port = h.Int("port", 1, 65535, "port") ?? 22;
            var user = h.String("user", TextRules.UserName) ?? "root";
            var pin = ReadPin(ctx, h, "hostKey", $"host '{name}'");
            var roles = h.StringList("roles", required: true) ?? [];
            for (var i = 0; i < roles.Count; i++)
            {
                if (!Roles.All.Contains(roles[i]))
                {
                    ctx.Error($"{h.Join("roles")}[{i}]", Codes.InvalidRole,
                        $"'{roles[i]}' is not a role; roles are {string.Join(", ", Roles.All)}{Suggest.DidYouMean(roles[i], Roles.All)}");
                }
            }
            var pool = h.String("pool", p => Names.IsDns1123Label(p) ? null : "a pool name is a DNS-1123 label");
            var os = h.Choice("os", SpecNames.OsNames);
            h.RejectUnknown();
            hosts.Add(new HostSpec
            {
                Name = name,
                Address = address,
                Port = port,
                User = user,
                HostKey = pin ?? new HostKeyPin { Sha256 = "" },
                Roles = roles,
                Pool = pool,
                InternalAddress = internalAddress,
                Os = os,
            });
        }
        return hosts;
    }

    internal static string AddressRule(bool allowName) =>
        "write a dotted-quad IPv4 address (10.0.0.21)" + (allowName ? ", an IPv6 address without a zone id, or a DNS name (RFC 1123)" : " or an IPv6 address without a zone id") +
        "; shortened, decimal, hexadecimal and zero-padded forms are refused";

    private static HostKeyPin? ReadPin(ReadContext ctx, YamlObject o, string key, string who)
    {
        var text = o.String(key);
        if (text is null)
        {
            ctx.Error(o.Path, Codes.MissingHostKey,
                $"{who} has no pinned host key: add 'hostKey' (run 'infra hosts scan ADDRESS' and check the key out of band); the tool never connects to an unpinned host");
            return null;
        }
        if (HostKeyPin.TryParse(text, out var pin, out var problem)) return pin;
        ctx.Error(o.Join(key), Codes.MalformedHostKey, $"{who}: malformed host key: {problem}");
        return null;
    }

    private static SshSpec ReadSsh(ReadContext ctx, YamlObject c, bool cloud)
    {
        var s = c.Object("ssh");
        var identity = s?.String("identityFile", TextRules.LocalPath);
        BastionSpec? bastion = null;
        var b = s?.Object("bastion");
        if (b is not null)
        {
            var address = b.String("address", a => Addresses.IsAddress(a, allowName: true) ? null : AddressRule(allowName: true), Codes.MalformedAddress, required: true) ?? "";
            var pin = ReadPin(ctx, b, "hostKey", "the bastion");
            bastion = new BastionSpec
            {
                Address = address,
                Port = b.Int("port", 1, 65535, "the bastion's port") ?? 22,
                User = b.String("user", TextRules.UserName) ?? "root",
                HostKey = pin ?? new HostKeyPin { Sha256 = "" },
            };
            b.RejectUnknown();
        }
        var adminUser = s?.String("adminUser", TextRules.UserName);
        if (cloud && adminUser == "root")
        {
            ctx.Error(s!.Join("adminUser"), Codes.InvalidValue, "the cloud admin user cannot be 'root': cloud images refuse root logins over SSH; use an ordinary user (the default 'infra' gets sudo)");
        }
        // Without ssh.adminPublicKey a cloud cluster's admin key is made by the tool and kept with the cluster secrets.
        var adminKey = s?.String("adminPublicKey", SshPublicKeys.Problem, Codes.MalformedPublicKey);
        var connect = s?.Int("connectTimeoutSeconds", 1, Limits.MaxConnectTimeoutSeconds, "connectTimeoutSeconds") ?? 10;
        var command = s?.Int("commandTimeoutSeconds", 1, Limits.MaxCommandTimeoutSeconds, "commandTimeoutSeconds") ?? 900;
        s?.RejectUnknown();
        return new SshSpec
        {
            IdentityFile = identity ?? "~/.ssh/id_ed25519",
            Bastion = bastion,
            AdminUser = adminUser ?? (cloud ? "infra" : "root"),
            AdminPublicKey = adminKey,
            ConnectTimeoutSeconds = connect,
            CommandTimeoutSeconds = command,
        };
    }

    private static PackagesSpec ReadPackages(YamlObject c)
    {
        var p = c.Object("packages");
        var source = p?.Choice("source", SpecNames.Sources) ?? PackageSource.Repository;
        var bundle = p?.String("bundle", TextRules.LocalPath);
        var mirrors = p?.StringMap("mirrors") ?? new SortedDictionary<string, string>();
        var chartMirrors = p?.StringMap("chartMirrors") ?? new SortedDictionary<string, string>();
        p?.RejectUnknown();
        return new PackagesSpec { Source = source, Bundle = bundle, Mirrors = mirrors, ChartMirrors = chartMirrors };
    }

    private static WorkloadsSpec ReadWorkloads(YamlObject c, bool cloud)
    {
        var w = c.Object("workloads");
        if (w?.Raw("ingress") is YamlScalarNode { Value: "nginx" or "ingress-nginx" } retired)
        {
            w.Error(retired, "ingress", Codes.InvalidValue,
                "ingress-nginx was retired in March 2026 and is not offered; use traefik (Ingress and Gateway API) or envoy-gateway (Gateway API)");
        }
        var spec = new WorkloadsSpec
        {
            MetricsServer = w?.Bool("metricsServer") ?? true,
            Ingress = w?.Choice("ingress", SpecNames.Ingresses) ?? IngressKind.Traefik,
            CertManager = w?.Bool("certManager") ?? true,
            Storage = w?.Choice("storage", SpecNames.Storages) ?? (cloud ? StorageKind.Csi : StorageKind.LocalPath),
            Policies = w?.Bool("policies") ?? true,
            Monitoring = ReadMonitoring(w),
        };
        w?.RejectUnknown();
        return spec;
    }

    /// <summary><c>workloads.monitoring</c>: true, false or a mapping of settings (a mapping means on).</summary>
    private static MonitoringSpec ReadMonitoring(YamlObject? w)
    {
        if (w?.Raw("monitoring") is not YamlMappingNode) return (w?.Bool("monitoring") ?? true) ? MonitoringSpec.Default : MonitoringSpec.Off;
        var m = w.Object("monitoring")!;
        var spec = new MonitoringSpec
        {
            Enabled = true,
            Grafana = m.Bool("grafana") ?? false,
            Retention = m.String("retention", MonitoringSpec.CheckRetention) ?? MonitoringSpec.DefaultRetention,
            VolumeSize = m.String("volumeSize", MonitoringSpec.CheckVolumeSize) ?? MonitoringSpec.DefaultVolumeSize,
            Alerts = ReadAlerts(m.Object("alerts")),
        };
        m.RejectUnknown();
        return spec;
    }

    /// <summary>
    /// <c>workloads.monitoring.alerts</c>: receivers by their settings that are not secret. A key that would hold a
    /// secret (a URL, a password) is refused with where the secret goes instead.
    /// </summary>
    private static AlertsSpec ReadAlerts(YamlObject? a)
    {
        if (a is null) return AlertsSpec.None;
        var webhook = false;
        if (a.Raw("webhook") is YamlMappingNode)
        {
            var h = a.Object("webhook")!;
            SecretKey(h, "url", AlertsSpec.WebhookUrlKey);
            h.RejectUnknown();
            webhook = true;
        }
        else webhook = a.Bool("webhook") ?? false;
        SlackAlertSpec? slack = null;
        if (a.Object("slack") is { } s)
        {
            SecretKey(s, "apiUrl", AlertsSpec.SlackApiUrlKey);
            var channel = s.String("channel", TextRules.AlertChannel, required: true);
            s.RejectUnknown();
            if (channel is not null) slack = new SlackAlertSpec(channel);
        }
        EmailAlertSpec? email = null;
        if (a.Object("email") is { } e)
        {
            SecretKey(e, "password", AlertsSpec.EmailPasswordKey);
            var to = e.String("to", TextRules.EmailAddress, required: true);
            var from = e.String("from", TextRules.EmailAddress, required: true);
            var smarthost = e.String("smarthost", TextRules.HostPort, required: true);
            var username = e.String("username", TextRules.AlertUserName);
            e.RejectUnknown();
            if (to is not null && from is not null && smarthost is not null) email = new EmailAlertSpec(to, from, smarthost, username);
        }
        a.RejectUnknown();
        return new AlertsSpec { Webhook = webhook, Slack = slack, Email = email };
    }

    /// <summary>A receiver's secret written into the stack is refused: it belongs in the kept secrets (or Pulumi secret config).</summary>
    private static void SecretKey(YamlObject o, string key, string keptName)
    {
        if (o.Raw(key) is { } node)
        {
            o.Error(node, key, Codes.InvalidValue,
                $"a secret is never written in the stack file in plain text: put it under the key {keptName} of the Secret " +
                $"{AlertsSpec.SecretName} in the namespace {AlertsSpec.SecretNamespace}, which Alertmanager reads as a file");
        }
    }

    private static CloudSpec? ReadCloud(ReadContext ctx, YamlObject c, Target target, IReadOnlyDictionary<string, string> providers)
    {
        var o = c.Object("cloud");
        if (target == Target.Baremetal)
        {
            if (o is not null) OtherTarget(ctx, o.Path, "cloud", target);
            o?.RejectUnknown(["zones", "image", "project"]);
            return null;
        }
        var zones = o?.StringList("zones");
        for (var i = 0; i < (zones?.Count ?? 0); i++)
        {
            if (TextRules.Zone(zones![i]) is { } problem) ctx.Error($"{o!.Join("zones")}[{i}]", Codes.InvalidText, $"'{Limits.Show(zones[i])}': {problem}");
        }
        var image = o?.String("image", i => TextRules.CloudImage(target, i));
        o?.RejectUnknown();
        var region = target switch
        {
            Target.Aws => providers.GetValueOrDefault("aws:region"),
            Target.Gcp => providers.GetValueOrDefault("gcp:region"),
            _ => providers.GetValueOrDefault("azure-native:location"),
        } ?? "";
        return new CloudSpec
        {
            Region = region,
            Zones = zones is { Count: > 0 } ? zones : DefaultZones(target, region),
            Image = image,
            Project = target == Target.Gcp ? providers.GetValueOrDefault("gcp:project") : null,
        };
    }

    private static IReadOnlyList<string> DefaultZones(Target target, string region) => target switch
    {
        Target.Aws => [region + "a", region + "b", region + "c"],
        Target.Gcp => [region + "-b", region + "-c", region + "-d"],
        _ => ["1", "2", "3"],
    };

    private static void OtherTarget(ReadContext ctx, string path, string key, Target target)
    {
        if (ctx.TargetUnknown) return; // the target itself is reported; which keys fit it is unknown
        ctx.Error(path, Codes.OtherTarget, $"'{key}' does not apply to target '{target.Name()}'" +
            (target == Target.Baremetal ? ": it is a cloud setting" : ": it is a bare-metal setting"));
    }
}
