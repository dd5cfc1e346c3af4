namespace Infra.Provider;

/// <summary>
/// The SSH engine behind <see cref="INodeEngine"/>, from Infra.Ssh (converge issue): one place to bind.
/// </summary>
internal static class Bindings
{
    public static INodeEngine NodeEngine() => new Infra.Ssh.ProviderNodeEngine();
}
