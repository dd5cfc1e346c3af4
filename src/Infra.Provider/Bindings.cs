using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;

namespace Infra.Provider;

/// <summary>The SSH engine behind <see cref="INodeEngine"/>, from Infra.Ssh: one place to bind.</summary>
internal static class Bindings
{
    public static INodeEngine NodeEngine() => new SshNodeEngine(new Infra.Ssh.Engine.NodeEngine());
}

/// <summary>Adapts Infra.Ssh's per-host engine to the provider's interface.</summary>
internal sealed class SshNodeEngine(NodeEngine engine) : INodeEngine
{
    public async Task<NodeApplyResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, IReadOnlyList<Step> restarts, WorkerSlot? kubeletSlot,
        NodeConnection connection, CancellationToken ct)
    {
        var r = await engine.ApplyAsync(program, joinVia, connection, ct, restarts, kubeletSlot);
        return new NodeApplyResult { Ran = r.Ran, Skipped = r.Skipped, AdminKubeconfig = r.AdminKubeconfig };
    }

    public Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct) => engine.ResetAsync(program, connection, ct);

    public Task<string?> RemoveAsync(NodeProgram program, PlannedHost firstControlPlane, UpgradeSpec? settings, EtcdTopology etcd, NodeConnection connection, CancellationToken ct) =>
        engine.RemoveAsync(program, firstControlPlane, connection, ct, settings, etcd);

    public Task<IReadOnlyList<string>> UpgradeAsync(NodeProgram program, PlannedHost firstControlPlane, IReadOnlyList<UpgradeAction> actions,
        WorkerSlot? slot, NodeConnection connection, CancellationToken ct) =>
        engine.UpgradeAsync(program, firstControlPlane, actions, connection, ct, slot);

    public Task<IReadOnlyList<string>> RotateEncryptionKeyAsync(IReadOnlyList<ClusterPlan> stages, NodeConnection connection, CancellationToken ct) =>
        engine.RotateEncryptionKeyAsync(stages, connection, ct);

    public Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct) =>
        engine.JournalAsync(host, connection, ct);
}
