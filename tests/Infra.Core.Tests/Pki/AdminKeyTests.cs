using Infra.Core.Infrastructure;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Tests.Pki;

/// <summary>Cloud stacks without ssh.adminPublicKey: the tool makes the admin key pair and keeps it with the cluster secrets.</summary>
public class AdminKeyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static ClusterSpec WithoutAdminKey(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        return spec with { Ssh = spec.Ssh with { AdminPublicKey = null } };
    }

    private static KeptSecrets Ensure(ClusterSpec spec, KeptSecrets? existing = null) =>
        ClusterPki.Ensure(spec, HostInventory.Plan(spec), existing, Now);

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Read_CloudStackWithoutAdminPublicKey_Valid()
    {
        var text = File.ReadAllText(Path.Combine(Infra.Core.Tests.NodePrograms.TestPaths.ProjectDir, "..", "..", "stacks", "Pulumi.staging.yaml"));
        var without = string.Join("\n", text.Split('\n').Where(l => !l.TrimStart().StartsWith("adminPublicKey:", StringComparison.Ordinal)));
        Assert.NotEqual(text, without);

        var result = StackFile.Read("Pulumi.staging.yaml", without);

        Assert.Empty(result.Errors);
        Assert.Null(result.Spec!.Ssh.AdminPublicKey);
    }

    [Theory]
    [Trait("Item", "10.new-user")]
    [InlineData(Target.Aws)]
    [InlineData(Target.Azure)]
    [InlineData(Target.Gcp)]
    public void Ensure_CloudWithoutAdminPublicKey_MakesAnEd25519AdminKeyAndKeepsIt(Target target)
    {
        var spec = WithoutAdminKey(target);
        var result = ClusterPki.EnsureWithChanges(spec, HostInventory.Plan(spec), null, Now);

        var key = Assert.IsType<SshHostKey>(result.Secrets.AdminKey);
        Assert.Equal(OpenSshKeys.Ed25519, key.Algorithm);
        Assert.Null(OpenSshKeys.Problem(key));
        Assert.Contains(result.Changes, c => c.Name == "ssh-admin-key");
        Assert.Equal(key, Ensure(spec, result.Secrets).AdminKey);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Ensure_AdminPublicKeyGivenOrBareMetal_MakesNoAdminKey()
    {
        Assert.Null(Ensure(SampleSpecs.Cloud(Target.Aws)).AdminKey);
        var metal = SampleSpecs.BareMetal();
        Assert.Null(Ensure(metal with { Ssh = metal.Ssh with { AdminPublicKey = null } }).AdminKey);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Serializer_AdminKey_KeptAsAdminIdEd25519AndRoundTrips()
    {
        var secrets = Ensure(WithoutAdminKey(Target.Gcp));
        var files = KeptSecretsSerializer.ToFiles(secrets);

        Assert.Contains(KeptSecretsSerializer.AdminKeyFile, files.Keys);
        Assert.Equal("admin/id_ed25519", KeptSecretsSerializer.AdminKeyFile);
        Assert.Equal(secrets.AdminKey!.PublicKeyLine + "\n", System.Text.Encoding.UTF8.GetString(files["admin/id_ed25519.pub"]));
        Assert.Equal(secrets.AdminKey, KeptSecretsSerializer.FromFiles(files).AdminKey);
        Assert.Equal(secrets.AdminKey, KeptSecretsSerializer.FromJson(KeptSecretsSerializer.ToJson(secrets)).AdminKey);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Serializer_AdminPublicHalfMissing_NamesTheFile()
    {
        var files = KeptSecretsSerializer.ToFiles(Ensure(WithoutAdminKey(Target.Aws))).ToDictionary();
        files.Remove("admin/id_ed25519.pub");

        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));

        Assert.Equal("admin/id_ed25519.pub", e.File);
    }

    [Theory]
    [Trait("Item", "10.new-user")]
    [InlineData(Target.Aws)]
    [InlineData(Target.Gcp)]
    public void CloudInit_NoAdminPublicKey_AuthorizesTheKeptAdminKey(Target target)
    {
        var spec = WithoutAdminKey(target);
        var secrets = Ensure(spec);
        var text = ClusterPlanner.Plan(spec, secrets).Nodes.First(p => p.CloudInit is not null).CloudInit!;
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var user = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)stream.Documents.Single().RootNode)["users"]).Single();

        Assert.Equal(secrets.AdminKey!.PublicKeyLine, ((YamlScalarNode)((YamlSequenceNode)user["ssh_authorized_keys"]).Single()).Value);
        // The private half stays out of user data (its first body line is the format's fixed header).
        var body = secrets.AdminKey.PrivateKey.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).Skip(2).ToList();
        Assert.NotEmpty(body);
        Assert.All(body, l => Assert.DoesNotContain(l, text, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Plan_CloudWithoutAdminPublicKeyOrThrowawaySecrets_Builds()
    {
        var plan = ClusterPlanner.Plan(WithoutAdminKey(Target.Azure));

        Assert.All(plan.Nodes, n => Assert.Contains("ssh_authorized_keys", n.CloudInit, StringComparison.Ordinal));
        Assert.Null(CloudPlanner.Plan(plan.Spec, plan.Hosts).Azure!.AdminPublicKey);
    }
}
