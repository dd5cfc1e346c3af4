using Infra.Core.Pki;

namespace Infra.Provider;

/// <summary>
/// The implementations behind the provider's interfaces, from the projects that own them: the SSH engine of
/// Infra.Ssh (converge issue) and Core's PKI (node-programs issue). One place to bind when they land.
/// </summary>
internal static class Bindings
{
    public static INodeEngine NodeEngine() => new Infra.Ssh.ProviderNodeEngine();

    public static IClusterPki Pki() => new CorePki();

    private sealed class CorePki : IClusterPki
    {
        public KeptSecrets Create(string cluster, IReadOnlyList<string> hostKeyHosts) => ClusterPki.Create(cluster, hostKeyHosts);

        public SshHostKey HostKey(string host) => ClusterPki.NewHostKey(host);

        public CertificateAndKey Issue(KeptSecrets authority, string name, string request) => ClusterPki.Issue(authority, name, request);
    }
}
