namespace Infra.Core.Infrastructure;

/// <summary>
/// The least privileges each cloud's CSI driver documents for self-managed clusters, and nothing else.
/// </summary>
public static class CloudIdentities
{
    private const string Volume = "arn:aws:ec2:*:*:volume/*";
    private const string Snapshot = "arn:aws:ec2:*:*:snapshot/*";
    private const string Instance = "arn:aws:ec2:*:*:instance/*";

    /// <summary>EC2 may assume the nodes' role (through the instance profile).</summary>
    public static IamPolicyDocument AwsNodeTrustPolicy { get; } = new()
    {
        Statements =
        [
            new IamStatement { Effect = "Allow", Actions = ["sts:AssumeRole"], ServicePrincipals = ["ec2.amazonaws.com"] },
        ],
    };

    /// <summary>
    /// The AWS EBS CSI driver's example IAM policy (docs/example-iam-policy.json of kubernetes-sigs/aws-ebs-csi-driver):
    /// volumes and snapshots may be created only with the driver's tags and deleted only when they carry them.
    /// </summary>
    public static IamPolicyDocument AwsEbsCsiPolicy { get; } = new()
    {
        Statements =
        [
            Allow(["ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags",
                "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications", "ec2:DescribeVolumeStatus"], ["*"]),
            Allow(["ec2:CreateSnapshot", "ec2:ModifyVolume"], [Volume]),
            Allow(["ec2:CopyVolumes"], ["arn:aws:ec2:*:*:volume/vol-*"]),
            Allow(["ec2:AttachVolume", "ec2:DetachVolume"], [Volume, Instance]),
            Allow(["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], [Snapshot]),
            Allow(["ec2:CreateTags"], [Volume, Snapshot], "StringEquals", "ec2:CreateAction", "CreateVolume", "CreateSnapshot", "CopyVolumes"),
            Allow(["ec2:DeleteTags"], [Volume, Snapshot]),
            Allow(["ec2:CreateVolume", "ec2:CopyVolumes"], [Volume], "StringLike", "aws:RequestTag/ebs.csi.aws.com/cluster", "true"),
            Allow(["ec2:CreateVolume", "ec2:CopyVolumes"], [Volume], "StringLike", "aws:RequestTag/CSIVolumeName", "*"),
            Allow(["ec2:DeleteVolume"], [Volume], "StringLike", "ec2:ResourceTag/ebs.csi.aws.com/cluster", "true"),
            Allow(["ec2:DeleteVolume"], [Volume], "StringLike", "ec2:ResourceTag/CSIVolumeName", "*"),
            Allow(["ec2:DeleteVolume"], [Volume], "StringLike", "ec2:ResourceTag/kubernetes.io/created-for/pvc/name", "*"),
            Allow(["ec2:CreateSnapshot"], [Snapshot], "StringLike", "aws:RequestTag/CSIVolumeSnapshotName", "*"),
            Allow(["ec2:CreateSnapshot"], [Snapshot], "StringLike", "aws:RequestTag/ebs.csi.aws.com/cluster", "true"),
            Allow(["ec2:DeleteSnapshot"], [Snapshot], "StringLike", "ec2:ResourceTag/CSIVolumeSnapshotName", "*"),
            Allow(["ec2:DeleteSnapshot"], [Snapshot], "StringLike", "ec2:ResourceTag/ebs.csi.aws.com/cluster", "true"),
        ],
    };

    /// <summary>
    /// GCP PD CSI driver (kubernetes-sigs/gcp-compute-persistent-disk-csi-driver, driver-install.md): a custom role
    /// with these permissions, roles/compute.storageAdmin, and roles/iam.serviceAccountUser scoped to the node
    /// service account (the driver's recommended, non project-wide form).
    /// </summary>
    public static IReadOnlyList<string> GcpPdCsiCustomPermissions { get; } =
        ["compute.instances.attachDisk", "compute.instances.detachDisk", "compute.instances.get"];

    public static IReadOnlyList<string> GcpPdCsiProjectRoles { get; } = ["roles/compute.storageAdmin"];

    public const string GcpServiceAccountUserRole = "roles/iam.serviceAccountUser";

    /// <summary>
    /// Azure Disk CSI controller: disks and snapshots, attach/detach through the VM model, operation polling, and
    /// the join/assign actions Azure re-checks on every VM write (NIC, the VMs' user-assigned identity).
    /// Assigned on the cluster's resource group only.
    /// </summary>
    public static IReadOnlyList<string> AzureDiskCsiActions { get; } =
    [
        "Microsoft.Compute/disks/beginGetAccess/action",
        "Microsoft.Compute/disks/delete",
        "Microsoft.Compute/disks/read",
        "Microsoft.Compute/disks/write",
        "Microsoft.Compute/locations/DiskOperations/read",
        "Microsoft.Compute/locations/operations/read",
        "Microsoft.Compute/snapshots/delete",
        "Microsoft.Compute/snapshots/read",
        "Microsoft.Compute/snapshots/write",
        "Microsoft.Compute/virtualMachines/read",
        "Microsoft.Compute/virtualMachines/write",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
        "Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action",
        "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
        "Microsoft.Network/networkInterfaces/join/action",
        "Microsoft.Network/virtualNetworks/subnets/join/action",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ];

    private static IamStatement Allow(IReadOnlyList<string> actions, IReadOnlyList<string> resources) =>
        new() { Effect = "Allow", Actions = actions, Resources = resources };

    private static IamStatement Allow(IReadOnlyList<string> actions, IReadOnlyList<string> resources, string op, string key, params string[] values) =>
        new()
        {
            Effect = "Allow",
            Actions = actions,
            Resources = resources,
            Conditions = new SortedDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal)
            {
                [op] = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { [key] = values },
            },
        };

    /// <summary>
    /// The role definition id a role assignment takes: <c>/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}</c>
    /// (Azure REST API, Role Assignments - Create, <c>properties.roleDefinitionId</c>), from the ARM id of a custom role
    /// defined at any scope of that subscription (a resource group's role definition id carries <c>/resourceGroups/{rg}</c>).
    /// </summary>
    /// <exception cref="FormatException">Not the ARM id of a role definition in a subscription.</exception>
    public static string AzureRoleAssignmentDefinitionId(string roleDefinitionResourceId)
    {
        var parts = roleDefinitionResourceId.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ok = parts.Length >= 6
            && string.Equals(parts[0], "subscriptions", StringComparison.OrdinalIgnoreCase) && Guid.TryParse(parts[1], out _)
            && string.Equals(parts[^4], "providers", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[^3], "Microsoft.Authorization", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[^2], "roleDefinitions", StringComparison.OrdinalIgnoreCase)
            && Guid.TryParse(parts[^1], out _);
        return ok
            ? $"/subscriptions/{parts[1]}/providers/Microsoft.Authorization/roleDefinitions/{parts[^1]}"
            : throw new FormatException($"'{roleDefinitionResourceId}' is not the id of a role definition (/subscriptions/<id>/…/providers/Microsoft.Authorization/roleDefinitions/<guid>)");
    }
}
