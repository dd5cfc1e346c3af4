using Infra.Provider;
using Pulumi.Experimental.Provider;

// The engine starts this plugin (PulumiPlugin.yaml: runtime dotnet) and talks to it over gRPC.
await Provider.Serve(args, "0.1.0", _ => new KubeadmProvider(Bindings.NodeEngine(), () => DateTimeOffset.UtcNow), CancellationToken.None);
