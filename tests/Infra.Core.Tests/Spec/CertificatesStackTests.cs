using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>The stack key certificates.renewBeforeDays: its default, bounds, and bad values refused with their position.</summary>
public class CertificatesStackTests
{
    private static StackReadResult Read(string certificates) =>
        StackFile.Read("stack.yaml", StackReaderTests.BareMetal.Replace("workers:", certificates + "\n    workers:", StringComparison.Ordinal));

    [Trait("Item", "14.1")]
    [Theory]
    [InlineData("")]
    [InlineData("certificates: {}")]
    public void Read_NoRenewBeforeDays_Ninety(string certificates)
    {
        var r = Read(certificates);

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(90, r.Spec!.Certificates.RenewBeforeDays);
    }

    [Trait("Item", "14.1")]
    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(180)]
    public void Read_RenewBeforeDaysInRange_Taken(int days)
    {
        var r = Read($"certificates: {{ renewBeforeDays: {days} }}");

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(days, r.Spec!.Certificates.RenewBeforeDays);
    }

    [Trait("Item", "14.1")]
    [Theory]
    [InlineData("renewBeforeDays: 0", "INF040", "certificates.renewBeforeDays")]
    [InlineData("renewBeforeDays: 181", "INF040", "certificates.renewBeforeDays")]
    [InlineData("renewBeforeDays: -5", "INF017", "certificates.renewBeforeDays")]
    [InlineData("renewBeforeDays: \"90\"", "INF003", "certificates.renewBeforeDays")]
    [InlineData("renewBefore: 90", "INF002", "certificates.renewBefore")]
    public void Read_BadCertificatesValue_RefusedWithPositionAndKey(string entry, string code, string key)
    {
        var r = Read($"certificates:\n      {entry}");

        Assert.False(r.IsValid);
        var d = Assert.Single(r.Diagnostics, d => d.KeyPath.EndsWith(key, StringComparison.Ordinal));
        Assert.Equal(code, d.Code);
        Assert.True(d.Line > 0 && d.Column > 0, d.ToString());
    }
}
