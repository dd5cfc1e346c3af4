namespace Infra.Core.Diagnostics;

public enum Severity { Error, Warning }

/// <summary>A problem found in a stack file, with where it is and which key it concerns.</summary>
public sealed record Diagnostic(
    string File, int Line, int Column, Severity Severity, string Code, string Message, string KeyPath)
{
    /// <summary><c>PATH:LINE:COLUMN: error CODE: message (key.path)</c>, the format compilers use, so editors link it.</summary>
    public override string ToString() =>
        $"{File}:{Line}:{Column}: {(Severity == Severity.Error ? "error" : "warning")} {Code}: {Message}" +
        (KeyPath.Length > 0 ? $" ({KeyPath})" : "");
}

/// <summary>The diagnostic codes; each is documented in the README's stack file reference.</summary>
public static class Codes
{
    public const string YamlSyntax = "INF001";
    public const string UnknownKey = "INF002";
    public const string WrongType = "INF003";
    public const string MissingKey = "INF004";
    public const string InvalidName = "INF005";
    public const string MalformedVersion = "INF006";
    public const string UnsupportedVersion = "INF007";
    public const string EvenControlPlanes = "INF008";
    public const string MalformedCidr = "INF009";
    public const string OverlappingCidrs = "INF010";
    public const string EndpointInCidr = "INF011";
    public const string DuplicateHostName = "INF012";
    public const string DuplicateAddress = "INF013";
    public const string MissingHostKey = "INF014";
    public const string MalformedHostKey = "INF015";
    public const string NoControlPlane = "INF016";
    public const string NegativeCount = "INF017";
    public const string SizeTooSmall = "INF018";
    public const string OtherTarget = "INF019";
    public const string InvalidValue = "INF020";
    public const string CountMismatch = "INF021";
    public const string UnknownPool = "INF022";
    public const string InvalidRole = "INF023";
    public const string MalformedEndpoint = "INF024";
    public const string MissingProviderSetting = "INF025";
    public const string MalformedAddress = "INF026";
    public const string EtcdMembers = "INF027";
    public const string MalformedTaint = "INF028";
    public const string DuplicateName = "INF029";
    public const string WorkloadUnsupported = "INF030";
    /// <summary>A pool label owned by the kubelet or kubeadm (NodeLabelRules.Owned).</summary>
    public const string OwnedNodeLabel = "INF055";
    /// <summary>A cloud OS whose default image cannot apply the user data that pins the VM's host key.</summary>
    public const string NoCloudInitImage = "INF056";
    public const string MalformedChartMirror = "INF050";
    public const string UnsupportedIpFamily = "INF035";
    public const string NetworkSize = "INF036";
    public const string AddressOutsideNetwork = "INF037";
    public const string InvalidLabel = "INF038";
    public const string MalformedPublicKey = "INF039";
    public const string OutOfBounds = "INF040";
    public const string InvalidText = "INF041";
    /// <summary><c>etcd.backup.schedule</c> is not a one-line systemd calendar expression.</summary>
    public const string InvalidBackupSchedule = "INF076";
    public const string InvalidRegistry = "INF042";
    public const string UnknownSize = "INF101";
    public const string NoNetworkPolicy = "INF102";
}
