namespace Infra.Core.Spec;

/// <summary><c>certificates</c>: when <c>apply</c> renews the leaf certificates on its own.</summary>
public sealed record CertificatesSpec
{
    public const int DefaultRenewBeforeDays = 90;
    public const int MinRenewBeforeDays = 1;
    /// <summary>Half a leaf's one-year life: a certificate renewed by one apply is not due again for six months.</summary>
    public const int MaxRenewBeforeDays = 180;

    public static CertificatesSpec Default { get; } = new() { RenewBeforeDays = DefaultRenewBeforeDays };

    /// <summary><c>apply</c> renews every leaf that expires within this many days.</summary>
    public required int RenewBeforeDays { get; init; }
}
