using System.Net;
using Infra.Core.Diagnostics;
using Infra.Core.Kubeadm;
using YamlDotNet.Core;
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
public static class StackReader
{
    public const string ClusterKey = "infra:cluster";
    private const string Root = ClusterKey;

    private static readonly Dictionary<string, Target> Targets = new()
    {
        ["baremetal"] = Target.Baremetal,
        ["aws"] = Target.Aws,
        ["azure"] = Target.Azure,
        ["gcp"] = Target.Gcp,
    };
    private static readonly Dictionary<string, EtcdTopology> Topologies = new()
    {
        ["stacked"] = EtcdTopology.Stacked,
        ["external"] = EtcdTopology.External,
    };
    private static readonly Dictionary<string, LoadBalancerKind> LoadBalancers = new()
    {
        ["external"] = LoadBalancerKind.External,
        ["kube-vip"] = LoadBalancerKind.KubeVip,
    };
    private static readonly Dictionary<string, PackageSource> Sources = new()
    {
        ["repository"] = PackageSource.Repository,
        ["bundle"] = PackageSource.Bundle,
        ["preinstalled"] = PackageSource.Preinstalled,
    };
    private static readonly Dictionary<string, Cni> Cnis = new()
    {
        ["calico"] = Cni.Calico,
        ["cilium"] = Cni.Cilium,
        ["flannel"] = Cni.Flannel,
    };
    private static readonly Dictionary<string, IngressKind> Ingresses = new()
    {
        ["traefik"] = IngressKind.Traefik,
        ["envoy-gateway"] = IngressKind.EnvoyGateway,
        ["none"] = IngressKind.None,
    };
    private static readonly Dictionary<string, StorageKind> Storages = new()
    {
        ["local-path"] = StorageKind.LocalPath,
        ["csi"] = StorageKind.Csi,
        ["none"] = StorageKind.None,
    };
    internal static readonly Dictionary<string, OsFamily> OsNames = new()
    {
        ["debian-12"] = OsFamily.Debian12,
        ["ubuntu-22.04"] = OsFamily.Ubuntu2204,
        ["ubuntu-24.04"] = OsFamily.Ubuntu2404,
    };

    /// <summary>The provider settings each cloud target needs, in the provider's own namespace.</summary>
    public static IReadOnlyList<string> RequiredProviderKeys(Target target) => target switch
    {
        Target.Aws => ["aws:region"],
        Target.Gcp => ["gcp:project", "gcp:region"],
        Target.Azure => ["azure-native:location"],
        _ => [],
    };

    public static StackReadResult Read(string file, string text)
    {
        var ctx = new ReadContext(file);
        var providers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        ClusterSpec? spec = null;
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes messages with its own "(Line: …)" position; we print ours.
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line", StringComparison.Ordinal) && cut > 0) message = message[(cut + 3)..];
            ctx.Diagnostics.Add(new Diagnostic(file, (int)e.Start.Line, (int)e.Start.Column, Severity.Error,
                Codes.YamlSyntax, $"malformed YAML: {message}", ""));
            return Result(ctx, null, providers);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode top)
        {
            ctx.Error("", Codes.MissingKey, "the stack file must be a mapping with a 'config' key");
            return Result(ctx, null, providers);
        }
        if (yaml.Documents.Count > 1) ctx.Error("", Codes.YamlSyntax, "a stack file holds one YAML document");

        var root = new YamlObject(ctx, top, "");
        var config = root.Object("config", required: true);
        root.Raw("secretsprovider");
        root.Raw("encryptionsalt");
        root.Raw("environment");
        root.RejectUnknown();
        if (config is null) return Result(ctx, null, providers);

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
                    YamlScalarNode s => s.Value ?? "",
                    YamlMappingNode m when m.Children.ContainsKey("secure") => "[secret]",
                    _ => YamlObject.Describe(node),
                };
            }
        }
        if (!config.Has(ClusterKey) && !config.Has("cluster")) config.Object(ClusterKey, required: true);
        config.RejectUnknown([ClusterKey]);

        if (cluster is not null) spec = ReadCluster(ctx, cluster, providers);
        if (spec is not null) spec = StackValidator.Validate(spec, ctx, providers);
        return Result(ctx, ctx.Diagnostics.Any(d => d.Severity == Severity.Error) ? null : spec, providers);
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
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            ctx.Diagnostics.Add(new Diagnostic(file, (int)e.Start.Line, (int)e.Start.Column, Severity.Error, Codes.YamlSyntax, $"malformed inventory: {e.Message}", ""));
            return (null, null, ctx.Diagnostics);
        }
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
            ctx.Error("endpoint", Codes.MalformedEndpoint, $"'{text2}' is not host:port");
        }
        root.RejectUnknown();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < hosts.Count; i++)
        {
            if (!names.Add(hosts[i].Name)) ctx.Error($"hosts[{i}].name", Codes.DuplicateHostName, $"host name '{hosts[i].Name}' appears twice");
        }
        return ctx.Diagnostics.Any(d => d.Severity == Severity.Error) ? (null, null, ctx.Diagnostics) : (hosts, endpoint, ctx.Diagnostics);
    }

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
    private static ClusterSpec? ReadCluster(ReadContext ctx, YamlObject c, IReadOnlyDictionary<string, string> providers)
    {
        var name = c.String("name", required: true) ?? "invalid";
        if (c.Has("name") && !Names.IsDns1123Label(name))
        {
            ctx.Error(c.Join("name"), Codes.InvalidName,
                $"cluster name '{name}' must be a DNS-1123 label: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit");
        }
        var targetRead = c.Choice("target", Targets, required: true);
        var target = targetRead ?? Target.Baremetal;
        var cloud = target != Target.Baremetal;

        var os = c.Choice("os", OsNames) ?? Infrastructure.CloudImages.DefaultOs(target);
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
        if (cloudSpec is { Image: null } && !Infrastructure.CloudImages.DefaultImageAppliesUserData(target, os))
        {
            ctx.Error(c.Join("os"), Codes.NoCloudInitImage,
                $"the default {target.ToString().ToLowerInvariant()} image for os '{c.String("os")}' has no cloud-init, so the VM's pinned host key would never be installed: " +
                "use os 'ubuntu-24.04' (the default on gcp) or 'ubuntu-22.04', or name an image with cloud-init in cloud.image");
        }
        c.RejectUnknown();

        if (targetRead is null) return null;
        return new ClusterSpec
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
        };
    }

    private static KubernetesSpec ReadKubernetes(ReadContext ctx, YamlObject c)
    {
        var k = c.Object("kubernetes", required: true);
        var version = new KubernetesVersion(0, 0, 0);
        string? repo = null, domain = null;
        if (k is not null)
        {
            var text = k.String("version", required: true);
            if (text is not null)
            {
                if (!KubernetesVersion.TryParse(text, out var v))
                {
                    ctx.Error(k.Join("version"), Codes.MalformedVersion,
                        $"'{text}' is not a Kubernetes version; write MAJOR.MINOR.PATCH, e.g. \"1.36.1\" (quoted, so YAML keeps it a string)");
                }
                else
                {
                    version = v!;
                }
            }
            repo = k.String("imageRepository");
            domain = k.String("dnsDomain");
            if (domain is not null && !Names.IsDnsName(domain))
            {
                ctx.Error(k.Join("dnsDomain"), Codes.InvalidName, $"'{domain}' is not a DNS domain");
            }
            k.RejectUnknown();
        }
        return new KubernetesSpec { Version = version, ImageRepository = repo ?? "registry.k8s.io", DnsDomain = domain ?? "cluster.local" };
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
            count = NonNegative(ctx, cp, "count", "controlPlane.count");
            var text = cp.String("endpoint");
            if (text is not null)
            {
                if (target != Target.Baremetal) OtherTarget(ctx, cp.Join("endpoint"), "controlPlane.endpoint", target);
                else if (!Endpoint.TryParse(text, out endpoint))
                {
                    ctx.Error(cp.Join("endpoint"), Codes.MalformedEndpoint, $"'{text}' is not host:port (e.g. 10.0.0.11:6443)");
                }
            }
            lb = cp.Choice("loadBalancer", LoadBalancers);
            if (lb is not null && target != Target.Baremetal) OtherTarget(ctx, cp.Join("loadBalancer"), "controlPlane.loadBalancer", target);
            size = cp.String("size");
            if (size is not null && target == Target.Baremetal) OtherTarget(ctx, cp.Join("size"), "controlPlane.size", target);
            disk = cp.Int("diskGb");
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
        foreach (var (node, path) in c.List("workers") ?? [])
        {
            if (node is not YamlMappingNode m) { ctx.Error(node, path, Codes.WrongType, "expected a mapping with name, count, size"); continue; }
            var w = new YamlObject(ctx, m, path);
            var name = w.String("name", required: true) ?? "";
            if (w.Has("name") && !Names.IsDns1123Label(name))
            {
                ctx.Error(w.Join("name"), Codes.InvalidName, $"pool name '{name}' must be a DNS-1123 label");
            }
            var count = NonNegative(ctx, w, "count", $"worker pool '{name}' count");
            var size = w.String("size");
            if (size is not null && target == Target.Baremetal) OtherTarget(ctx, w.Join("size"), "workers[].size", target);
            var disk = w.Int("diskGb");
            var labels = w.StringMap("labels") ?? new SortedDictionary<string, string>();
            RefuseOwnedLabels(ctx, w);
            var taints = new List<Taint>();
            foreach (var t in w.StringList("taints") ?? [])
            {
                if (TryParseTaint(t, out var taint)) taints.Add(taint!);
                else ctx.Error(w.Join("taints"), Codes.MalformedTaint, $"'{t}' is not a taint; write key[=value]:NoSchedule|PreferNoSchedule|NoExecute");
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

    /// <summary>A count; a negative one is reported and read as 0 (absent stays null: derived later).</summary>
    private static int? NonNegative(ReadContext ctx, YamlObject o, string key, string what)
    {
        var n = o.Int(key);
        if (n is >= 0 or null) return n;
        ctx.Error(o.Join(key), Codes.NegativeCount, $"{what} is {n}: counts cannot be negative");
        return 0;
    }

    internal static bool TryParseTaint(string text, out Taint? taint)
    {
        taint = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        var effect = text[(colon + 1)..];
        if (effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute")) return false;
        var kv = text[..colon];
        var eq = kv.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? kv : kv[..eq];
        var value = eq < 0 ? null : kv[(eq + 1)..];
        if (key.Length == 0 || !key.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or '_' or '/')) return false;
        taint = new Taint(key, value, effect);
        return true;
    }

    private static NetworkSpec ReadNetwork(ReadContext ctx, YamlObject c, bool cloud)
    {
        var n = c.Object("network");
        Cidr Read(string key, string fallback)
        {
            var text = n?.String(key);
            if (text is null) return Parse(fallback);
            if (Cidr.TryParse(text, out var cidr)) return cidr!;
            ctx.Error(n!.Join(key), Codes.MalformedCidr, $"'{text}' is not a network in CIDR form (e.g. 10.244.0.0/16, with no host bits set)");
            return Parse(fallback);
        }
        List<Cidr> ReadList(string key)
        {
            var list = new List<Cidr>();
            var items = n?.StringList(key);
            for (var i = 0; i < (items?.Count ?? 0); i++)
            {
                if (Cidr.TryParse(items![i], out var cidr)) list.Add(cidr!);
                else ctx.Error($"{n!.Join(key)}[{i}]", Codes.MalformedCidr, $"'{items[i]}' is not a network in CIDR form");
            }
            return list;
        }
        var pod = Read("podCidr", "10.244.0.0/16");
        var svc = Read("serviceCidr", "10.96.0.0/12");
        var node = Read("nodeCidr", "10.0.0.0/16");
        var cni = n?.Choice("cni", Cnis) ?? Cni.Calico;
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
        var topology = e?.Choice("topology", Topologies) ?? EtcdTopology.Stacked;
        var count = e is null ? 0 : NonNegative(ctx, e, "count", "etcd.count") ?? 0;
        var size = e?.String("size");
        e?.RejectUnknown();
        return new EtcdSpec { Topology = topology, Count = count, Size = size };
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
        foreach (var (node, path) in items)
        {
            if (node is not YamlMappingNode m) { ctx.Error(node, path, Codes.WrongType, "expected a mapping with name, address, hostKey, roles"); continue; }
            var h = new YamlObject(ctx, m, path);
            var name = h.String("name", required: true) ?? "";
            if (h.Has("name") && !Names.IsDns1123Label(name))
            {
                ctx.Error(h.Join("name"), Codes.InvalidName, $"host name '{name}' must be a DNS-1123 label (it becomes the node name)");
            }
            var address = h.String("address", required: true) ?? "";
            if (h.Has("address") && !IPAddress.TryParse(address, out _) && !Names.IsDnsName(address))
            {
                ctx.Error(h.Join("address"), Codes.MalformedAddress, $"'{address}' is neither an IP address nor a DNS name");
            }
            var internalAddress = h.String("internalAddress");
            if (internalAddress is not null && !IPAddress.TryParse(internalAddress, out _))
            {
                ctx.Error(h.Join("internalAddress"), Codes.MalformedAddress, $"'{internalAddress}' is not an IP address");
            }
            var port = h.Int("port") ?? 22;
            if (port is < 1 or > 65535) ctx.Error(h.Join("port"), Codes.InvalidValue, $"port {port} is outside 1–65535");
            var user = h.String("user") ?? "root";
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
            var pool = h.String("pool");
            var os = h.Choice("os", OsNames);
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
        var identity = s?.String("identityFile");
        BastionSpec? bastion = null;
        var b = s?.Object("bastion");
        if (b is not null)
        {
            var address = b.String("address", required: true) ?? "";
            var pin = ReadPin(ctx, b, "hostKey", "the bastion");
            bastion = new BastionSpec
            {
                Address = address,
                Port = b.Int("port") ?? 22,
                User = b.String("user") ?? "root",
                HostKey = pin ?? new HostKeyPin { Sha256 = "" },
            };
            b.RejectUnknown();
        }
        var adminUser = s?.String("adminUser");
        var adminKey = s?.String("adminPublicKey");
        // Without ssh.adminPublicKey a cloud cluster's admin key is made by the tool and kept with the cluster secrets.
        if (adminKey is not null && !HostKeyPin.TryParse(adminKey, out _, out var problem))
        {
            ctx.Error(s!.Join("adminPublicKey"), Codes.MalformedHostKey, $"malformed public key: {problem}");
        }
        var connect = s?.Int("connectTimeoutSeconds") ?? 10;
        var command = s?.Int("commandTimeoutSeconds") ?? 900;
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
        var source = p?.Choice("source", Sources) ?? PackageSource.Repository;
        var bundle = p?.String("bundle");
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
            Ingress = w?.Choice("ingress", Ingresses) ?? IngressKind.Traefik,
            CertManager = w?.Bool("certManager") ?? true,
            Storage = w?.Choice("storage", Storages) ?? (cloud ? StorageKind.Csi : StorageKind.LocalPath),
            Policies = w?.Bool("policies") ?? true,
        };
        w?.RejectUnknown();
        return spec;
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
        var image = o?.String("image");
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

    private static void OtherTarget(ReadContext ctx, string path, string key, Target target) =>
        ctx.Error(path, Codes.OtherTarget, $"'{key}' does not apply to target '{target.ToString().ToLowerInvariant()}'" +
            (target == Target.Baremetal ? ": it is a cloud setting" : ": it is a bare-metal setting"));
}
