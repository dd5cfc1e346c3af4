using System.Security.Cryptography.X509Certificates;
using Infra.Core.Pki;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>Commands get their environment and clock through their constructors, one set per run.</summary>
public class TypeRegistrarTests
{
    [Fact]
    [Trait("Item", "12.5")]
    public void SecretsInit_ClockGivenToTheRun_CertificatesDatedByIt()
    {
        using var tmp = new TempDir();
        var then = new DateTimeOffset(2032, 5, 6, 7, 8, 9, TimeSpan.Zero);

        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", tmp.File("secrets")], clock: new FixedClock(then));

        Assert.Equal(0, r.ExitCode);
        using var ca = X509Certificate2.CreateFromPem(SecretsFolder.Load(tmp.File("secrets"))!.ClusterCa.CertificatePem);
        Assert.Equal(then + ClusterPki.CaLifetime, new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
    }

    [Fact]
    [Trait("Item", "12.5")]
    public void Run_ManyRunsInParallelInOneProcess_EachCapturesOnlyItsOwnOutput()
    {
        using var tmp = new TempDir();
        var files = Enumerable.Range(0, 8).Select(i => tmp.File($"Pulumi.s{i}.yaml")).ToList();
        foreach (var f in files) File.Copy(Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml"), f);

        var results = new CliRunner.Result[files.Count];
        Parallel.For(0, files.Count, i => results[i] = CliRunner.Run(tmp.Path, ["validate", "--file", files[i]]));

        for (var i = 0; i < files.Count; i++)
        {
            Assert.Equal(0, results[i].ExitCode);
            var own = Path.GetFileName(files[i]);
            Assert.Contains(own, results[i].Out, StringComparison.Ordinal);
            Assert.All(files.Select(Path.GetFileName).Where(f => f != own), other => Assert.DoesNotContain(other!, results[i].Out + results[i].Err, StringComparison.Ordinal));
        }
    }
}
