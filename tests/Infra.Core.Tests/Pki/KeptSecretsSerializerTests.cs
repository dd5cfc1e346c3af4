using System.Text;
using Infra.Core.Pki;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

public class KeptSecretsSerializerTests
{
    private static KeptSecrets Cloud()
    {
        var (spec, hosts) = Pki.CloudExternal();
        return ClusterPki.Ensure(spec, hosts.Where(h => h.Name is "cp-1" or "etcd-1" or "general-1").ToList(), null, Pki.Now);
    }

    private static readonly Lazy<KeptSecrets> CloudSecrets = new(Cloud);

    [Fact]
    public void ToFiles_CloudSecrets_UsesTheDocumentedLayout()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value);
        Assert.Equal(
            [
                "ca.crt", "ca.key", "encryption-key", "etcd/ca.crt", "etcd/ca.key", "front-proxy-ca.crt", "front-proxy-ca.key",
                "issued/apiserver-etcd-client.crt", "issued/apiserver-etcd-client.key",
                "issued/etcd-healthcheck-client.crt", "issued/etcd-healthcheck-client.key",
                "issued/etcd-peer/etcd-1.crt", "issued/etcd-peer/etcd-1.key",
                "issued/etcd-server/etcd-1.crt", "issued/etcd-server/etcd-1.key",
                "issued/infra-etcd-client.crt", "issued/infra-etcd-client.key",
                "issued/kubelet-serving/cp-1.crt", "issued/kubelet-serving/cp-1.key",
                "issued/kubelet-serving/general-1.crt", "issued/kubelet-serving/general-1.key",
                "sa.key", "sa.pub",
                "ssh/cp-1/ssh_host_ed25519_key", "ssh/cp-1/ssh_host_ed25519_key.pub",
                "ssh/etcd-1/ssh_host_ed25519_key", "ssh/etcd-1/ssh_host_ed25519_key.pub",
                "ssh/general-1/ssh_host_ed25519_key", "ssh/general-1/ssh_host_ed25519_key.pub",
            ],
            files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(CloudSecrets.Value.EncryptionKey + "\n", Encoding.UTF8.GetString(files["encryption-key"]));
    }

    [Fact]
    public void FromFiles_ToFilesOutput_RoundTripsByteForByte()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value);
        var back = KeptSecretsSerializer.FromFiles(files);
        var again = KeptSecretsSerializer.ToFiles(back);
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), again.Keys.Order(StringComparer.Ordinal));
        Assert.All(files, kv => Assert.Equal(kv.Value, again[kv.Key]));
        Assert.Equal(CloudSecrets.Value.HostKeys["cp-1"], back.HostKeys["cp-1"]);
        Assert.Equal(CloudSecrets.Value.Issued["etcd-peer/etcd-1"], back.Issued["etcd-peer/etcd-1"]);
    }

    [Fact]
    public void FromJson_ToJsonOutput_RoundTripsAndIsStable()
    {
        var json = KeptSecretsSerializer.ToJson(CloudSecrets.Value);
        Assert.StartsWith("{\n  \"format\": \"infra-kept-secrets/1\",\n  \"files\": {\n    \"ca.crt\": \"-----BEGIN CERTIFICATE-----\\n", json, StringComparison.Ordinal);
        var back = KeptSecretsSerializer.FromJson(json);
        Assert.Equal(json, KeptSecretsSerializer.ToJson(back));
    }

    [RealToolFact("openssl")]
    public void FromFiles_SecretsOnDiskReadBack_AreAcceptedByOpenssl()
    {
        using var dir = new TempDir();
        foreach (var (name, bytes) in KeptSecretsSerializer.ToFiles(Pki.StackedSecrets)) dir.Write(name, Encoding.UTF8.GetString(bytes));
        var read = Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir.Path, f).Replace('\\', '/'), File.ReadAllBytes);
        var back = KeptSecretsSerializer.FromFiles(read);
        Assert.Equal(Pki.Serialized(Pki.StackedSecrets), Pki.Serialized(back));
        var output = Tool.Ok("openssl", "verify", "-CAfile", Path.Combine(dir.Path, "etcd/ca.crt"), Path.Combine(dir.Path, "issued/etcd-server/cp-1.crt"));
        Assert.EndsWith(": OK", output.Trim(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        // file to break, replacement content ("" deletes the file), expected reason
        { "ca.crt", "not a certificate\n", "ca.crt: is not a PEM certificate" },
        { "ca.key", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "ca.key: is not a PEM private key (EC or RSA)" },
        { "etcd/ca.key", "@front-proxy-ca.key", "etcd/ca.key: does not belong to etcd/ca.crt" },
        { "sa.pub", "", "sa.pub: is missing" },
        { "sa.pub", "@issued/kubelet-serving/cp-1.crt", "sa.pub: is not a PEM public key of the same type as sa.key" },
        { "encryption-key", "c2hvcnQ=\n", "encryption-key: must hold 32 bytes in base64 on one line" },
        { "issued/etcd-server/etcd-1.key", "", "issued/etcd-server/etcd-1.key: is missing" },
        { "issued/etcd-peer/etcd-1.key", "@issued/etcd-server/etcd-1.key", "issued/etcd-peer/etcd-1.key: does not belong to issued/etcd-peer/etcd-1.crt" },
        { "issued/Bad.crt", "@issued/infra-etcd-client.crt", "issued/Bad.crt: is not part of the layout (issued/<name>.crt or .key, lower-case names)" },
        { "ssh/cp-1/ssh_host_ed25519_key.pub", "@ssh/etcd-1/ssh_host_ed25519_key.pub", "ssh/cp-1/ssh_host_ed25519_key: the private key does not belong to the public key line" },
        { "ssh/cp-1/ssh_host_rsa_key", "x", "ssh/cp-1/ssh_host_rsa_key: is not part of the layout (ssh/<host>/ssh_host_ed25519_key and .pub)" },
        { "notes.txt", "hello", "notes.txt: is not part of the kept-secrets layout" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void FromFiles_MalformedFile_ErrorNamesTheFile(string file, string content, string expected)
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (content.Length == 0) files.Remove(file);
        else files[file] = content.StartsWith('@') ? files[content[1..]] : Encoding.UTF8.GetBytes(content);
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal(expected, e.Message);
        Assert.StartsWith(e.File + ": ", expected, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFiles_LeafInPlaceOfACa_SaysItIsNotACa()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        files["front-proxy-ca.crt"] = files["issued/infra-etcd-client.crt"];
        files["front-proxy-ca.key"] = files["issued/infra-etcd-client.key"];
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal("front-proxy-ca.crt: is not a CA certificate", e.Message);
    }

    [Fact]
    public void FromFiles_LeafSignedByAnotherClustersCa_ErrorNamesTheLeaf()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var other = KeptSecretsSerializer.ToFiles(Pki.StackedSecrets);
        files["issued/kubelet-serving/cp-1.crt"] = other["issued/kubelet-serving/cp-1.crt"];
        files["issued/kubelet-serving/cp-1.key"] = other["issued/kubelet-serving/cp-1.key"];
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal("issued/kubelet-serving/cp-1.crt: is not signed by any of ca.crt, front-proxy-ca.crt, etcd/ca.crt", e.Message);
    }

    [Fact]
    public void FromFiles_NotUtf8_ErrorNamesTheFile()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        files["sa.key"] = [0xff, 0xfe, 0x00];
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal("sa.key: is not UTF-8 text", e.Message);
    }

    [Fact]
    public void FromFiles_MalformedKey_MessageHoldsNoKeyMaterial()
    {
        var files = KeptSecretsSerializer.ToFiles(CloudSecrets.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var key = Encoding.UTF8.GetString(files["ca.key"]);
        files["ca.key"] = Encoding.UTF8.GetBytes(key[..^40] + "\n");
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal("ca.key: is not a PEM private key (EC or RSA)", e.Message);
        Assert.Null(e.InnerException);
    }

    [Theory]
    [InlineData("[]", "(json): is not a JSON object")]
    [InlineData("{", "(json): is not valid JSON")]
    [InlineData("{\"format\":\"other\",\"files\":{}}", "format: must be \"infra-kept-secrets/1\"")]
    [InlineData("{\"format\":\"infra-kept-secrets/1\"}", "files: must be an object of file name to content")]
    [InlineData("{\"format\":\"infra-kept-secrets/1\",\"files\":{\"ca.crt\":1}}", "ca.crt: must be a string")]
    [InlineData("{\"format\":\"infra-kept-secrets/1\",\"files\":{}}", "ca.crt: is missing")]
    public void FromJson_Malformed_ErrorNamesTheEntry(string json, string expected)
    {
        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromJson(json));
        Assert.Equal(expected, e.Message);
    }
}
