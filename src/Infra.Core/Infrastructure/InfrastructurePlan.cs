using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>
/// What a firewall rule applies to or comes from. Each VM carries the network tag (GCP), security group (AWS) or
/// application security group (Azure) of every group it belongs to; <see cref="LoadBalancer"/> is the API load
/// balancer's own security group (AWS only).
/// </summary>
public enum Peer { AllVms, Nodes, ControlPlanes, Etcd, LoadBalancer }

/// <summary>IP protocols of rules; <see cref="Any"/> only in Azure's final deny.</summary>
public enum FirewallProtocol { Tcp, Udp, Icmp, Any }

public enum FirewallAction { Allow, Deny }

/// <summary>Where the traffic of a rule comes from.</summary>
public enum SourceKind
{
    /// <summary>The CIDRs (or, on Azure, service tags) in <see cref="FirewallRule.SourceRanges"/>.</summary>
    Ranges,
    /// <summary>The private addresses of the VMs of <see cref="FirewallRule.SourceGroup"/>.</summary>
    Group,
    /// <summary>The public addresses of the VMs of <see cref="FirewallRule.SourceGroup"/> (known once they exist).</summary>
    GroupPublicAddresses,
}

/// <summary>The cloud's infrastructure for one cluster: everything decided, nothing created.</summary>
public sealed record InfrastructurePlan
{
    public required Target Target { get; init; }
    public required string Cluster { get; init; }
    public required string Region { get; init; }
    public required NetworkPlan Network { get; init; }
    public required IReadOnlyList<SubnetPlan> Subnets { get; init; }
    /// <summary>Resource names of the groups VMs belong to (security groups, network tags, application security groups).</summary>
    public required IReadOnlyList<GroupPlan> Groups { get; init; }
    public required IReadOnlyList<FirewallRule> Firewall { get; init; }
    public required LoadBalancerPlan LoadBalancer { get; init; }
    public required IReadOnlyList<VmPlan> Vms { get; init; }
    /// <summary>Tags (AWS, Azure) or labels (GCP) on every resource that takes them.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public AwsPlan? Aws { get; init; }
    public GcpPlan? Gcp { get; init; }
    public AzurePlan? Azure { get; init; }
}

public sealed record NetworkPlan
{
    public required string Name { get; init; }
    public required string Cidr { get; init; }
}

public sealed record SubnetPlan
{
    public required string Name { get; init; }
    public required string Zone { get; init; }
    public required string Cidr { get; init; }
}

public sealed record GroupPlan
{
    public required Peer Group { get; init; }
    public required string Name { get; init; }
}

/// <summary>One inbound allowance (or, on Azure, the final deny). Nothing is open that no rule names.</summary>
public sealed record FirewallRule
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>Azure NSG priority (lower first); unique within the plan.</summary>
    public required int Priority { get; init; }
    public required FirewallAction Action { get; init; }
    public required FirewallProtocol Protocol { get; init; }
    /// <summary>Null for protocols without ports (ICMP) and for the deny-all rule.</summary>
    public PortRange? Ports { get; init; }
    public required SourceKind SourceKind { get; init; }
    public required IReadOnlyList<string> SourceRanges { get; init; }
    public Peer? SourceGroup { get; init; }
    public required Peer Target { get; init; }
}

public sealed record PortRange(int From, int To)
{
    public static PortRange Single(int port) => new(port, port);
    public override string ToString() => From == To ? $"{From}" : $"{From}-{To}";
}

/// <summary>The TCP load balancer in front of the API servers.</summary>
public sealed record LoadBalancerPlan
{
    public required string Name { get; init; }
    /// <summary>AWS target group name (32 characters at most); the backend pool or backend service elsewhere.</summary>
    public required string BackendName { get; init; }
    public required int Port { get; init; }
    /// <summary>VM names (<see cref="VmPlan.Name"/>) behind the balancer, in plan order.</summary>
    public required IReadOnlyList<string> Targets { get; init; }
    public required HealthCheckPlan HealthCheck { get; init; }
    /// <summary>Spread across every zone's subnet, and balance across zones.</summary>
    public required bool CrossZone { get; init; }
    /// <summary>
    /// AWS: false, so that a control plane reaching the API through the balancer is not routed to itself with its
    /// own address as source (NLB hairpin), and the balancer's security group enforces the API CIDRs.
    /// </summary>
    public required bool PreserveClientIp { get; init; }
}

public sealed record HealthCheckPlan
{
    /// <summary>HTTPS without certificate verification: /readyz answers anonymous requests.</summary>
    public required string Protocol { get; init; }
    public required int Port { get; init; }
    public required string Path { get; init; }
    public required int IntervalSeconds { get; init; }
    public required int TimeoutSeconds { get; init; }
    public required int HealthyThreshold { get; init; }
    public required int UnhealthyThreshold { get; init; }
}

public sealed record VmPlan
{
    /// <summary>Cloud resource name and the machine's hostname, e.g. "prod-cp-1".</summary>
    public required string Name { get; init; }
    /// <summary>Name in the host inventory and the Kubernetes node name, e.g. "cp-1".</summary>
    public required string Host { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public string? Pool { get; init; }
    public required string Zone { get; init; }
    /// <summary>Name of the subnet (<see cref="SubnetPlan.Name"/>) of its zone.</summary>
    public required string Subnet { get; init; }
    public required string Size { get; init; }
    public required int DiskGb { get; init; }
    public required string DiskType { get; init; }
    public required ImagePlan Image { get; init; }
    public required IReadOnlyList<Peer> Groups { get; init; }
    /// <summary>A public address for SSH from the admin CIDRs and for outbound traffic (no NAT gateway is planned).</summary>
    public required bool PublicIp { get; init; }
    public required bool LoadBalancerTarget { get; init; }
    /// <summary>Carries the cloud identity of the CSI driver (instance profile, service account, managed identity).</summary>
    public required bool CloudIdentity { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public enum ImageKind
{
    /// <summary>AWS: the newest AMI of <see cref="ImagePlan.Owner"/> whose name matches <see cref="ImagePlan.Reference"/>.</summary>
    AwsAmiLookup,
    /// <summary>AWS: a fixed AMI id the user gave.</summary>
    AwsAmi,
    /// <summary>GCP: an image or image family, "project/family" or a self link.</summary>
    GcpImage,
    /// <summary>Azure: publisher:offer:sku:version.</summary>
    AzureUrn,
}

public sealed record ImagePlan
{
    public required ImageKind Kind { get; init; }
    public required string Reference { get; init; }
    /// <summary>AWS account that publishes the image (<see cref="ImageKind.AwsAmiLookup"/> only).</summary>
    public string? Owner { get; init; }
    /// <summary>
    /// The reference names a moving target (newest AMI, image family, "latest"): a newer image must not replace
    /// running nodes, so the program ignores later changes of the resolved image.
    /// </summary>
    public required bool Floating { get; init; }
}

/// <summary>AWS-only decisions.</summary>
public sealed record AwsPlan
{
    /// <summary>IMDSv2 only ("required").</summary>
    public required string MetadataHttpTokens { get; init; }
    /// <summary>2: pods (the EBS CSI controller) sit one hop behind the instance.</summary>
    public required int MetadataHopLimit { get; init; }
    public required string MetadataInstanceTags { get; init; }
    public required bool EncryptedVolumes { get; init; }
    /// <summary>Null when the cluster does not use the cloud's CSI driver.</summary>
    public AwsIdentityPlan? Identity { get; init; }
}

public sealed record AwsIdentityPlan
{
    public required string RoleName { get; init; }
    public required string InstanceProfileName { get; init; }
    public required string PolicyName { get; init; }
    public required IamPolicyDocument AssumeRolePolicy { get; init; }
    public required IamPolicyDocument Policy { get; init; }
}

public sealed record IamPolicyDocument
{
    public required IReadOnlyList<IamStatement> Statements { get; init; }
}

public sealed record IamStatement
{
    public required string Effect { get; init; }
    public required IReadOnlyList<string> Actions { get; init; }
    public IReadOnlyList<string> Resources { get; init; } = [];
    /// <summary>Trust policies: service principals allowed to assume the role.</summary>
    public IReadOnlyList<string> ServicePrincipals { get; init; } = [];
    /// <summary>operator → condition key → values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> Conditions { get; init; } =
        new SortedDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal);
}

/// <summary>GCP-only decisions.</summary>
public sealed record GcpPlan
{
    public required string Project { get; init; }
    /// <summary>Instance metadata: project SSH keys blocked, legacy metadata endpoints off, OS Login off (keys come from cloud-init).</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required bool ShieldedVm { get; init; }
    /// <summary>The health checkers' source ranges of an external passthrough network load balancer.</summary>
    public required IReadOnlyList<string> HealthCheckRanges { get; init; }
    public GcpIdentityPlan? Identity { get; init; }
}

public sealed record GcpIdentityPlan
{
    /// <summary>Service account id: 6 to 30 characters.</summary>
    public required string AccountId { get; init; }
    /// <summary>Custom role id: letters, digits, '_' and '.' only.</summary>
    public required string CustomRoleId { get; init; }
    public required IReadOnlyList<string> CustomRolePermissions { get; init; }
    public required IReadOnlyList<string> ProjectRoles { get; init; }
    /// <summary>roles/iam.serviceAccountUser granted on the nodes' own service account only, not project-wide.</summary>
    public required string ServiceAccountUserRole { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
}

/// <summary>Azure-only decisions.</summary>
public sealed record AzurePlan
{
    public required string ResourceGroup { get; init; }
    public required string SecurityGroupName { get; init; }
    public required string PublicIpName { get; init; }
    public required bool DisablePasswordAuthentication { get; init; }
    /// <summary>The admin user and key Azure puts on every VM (it refuses a Linux VM without a key when passwords are off).</summary>
    public required string AdminUsername { get; init; }
    /// <summary>The stack's <c>ssh.adminPublicKey</c>; null: the admin key the tool made and keeps (known once the kept secrets exist).</summary>
    public string? AdminPublicKey { get; init; }
    public AzureIdentityPlan? Identity { get; init; }
}

public sealed record AzureIdentityPlan
{
    public required string IdentityName { get; init; }
    public required string RoleName { get; init; }
    /// <summary>Actions of a custom role assigned on the cluster's resource group only.</summary>
    public required IReadOnlyList<string> RoleActions { get; init; }
}
