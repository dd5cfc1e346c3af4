using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;

namespace Infra.Ssh.Engine;

/// <summary>
/// Hosts taken out of the stack: the engine reads the cluster's member record on the first control plane, asks Core
/// which members to remove (<see cref="NodeRemovals"/>), drains and deletes each node through the first control
/// plane, resets the host, and writes the record again. The record is what lets a host the stack forgot be reached.
/// </summary>
internal sealed class NodeRemover(HostRun run, Redactor redactor, IProgress<EngineEvent>? progress)
{
    private static readonly string ReadScript = $"set -euo pipefail\nif [ -f {HostPaths.Members} ]; then cat {HostPaths.Members}; fi\n";

    /// <summary>The recorded members (empty when there is no record yet), or why the record cannot be used.</summary>
    public async Task<(IReadOnlyList<RecordedHost> Members, string? Text, string? Problem)> ReadAsync(IHostSession first, string host, CancellationToken ct)
    {
        var r = await first.RunAsync(ReadScript, null, run.Options.CommandTimeout, "read the cluster's members", ct);
        if (!r.Succeeded) return ([], null, $"cannot read {HostPaths.Members} on {host}: exit {r.ExitCode}: {redactor.Redact(r.StderrTail())}");
        if (r.Stdout.Length == 0) return ([], null, null);
        try
        {
            return (ClusterMembers.Parse(r.Stdout, $"{host}:{HostPaths.Members}"), r.Stdout, null);
        }
        catch (FormatException e)
        {
            return ([], r.Stdout, e.Message + " (move the file away to forget the record; hosts it named are then no longer removed)");
        }
    }

    /// <summary>What would run for each removal, for the preview and the dry run.</summary>
    public static HostReport Pending(NodeRemoval removal) => new()
    {
        Host = removal.Member.Name,
        State = HostState.Pending,
        Changes =
        [
            .. removal.FromFirstControlPlane.Select(s => new StepChange(s.Id, s.Phase, "the host is no longer in the stack")),
            .. removal.Reset.Steps.Select(s => new StepChange(s.Id, s.Phase, "the host is no longer in the stack")),
        ],
    };

    /// <summary>
    /// Removes each host in turn: drain (a stacked control plane's etcd member leaves next) and delete through
    /// <paramref name="first"/>, then the host's reset. A step that fails stops that removal (the host stays in the
    /// record); an unreachable host is deleted from the cluster with a warning that its disk was not reset.
    /// </summary>
    public async Task<IReadOnlyList<(NodeRemoval Removal, HostReport Report)>> RemoveAsync(IHostSession first, IReadOnlyList<NodeRemoval> removals, CancellationToken ct)
    {
        var done = new List<(NodeRemoval, HostReport)>();
        foreach (var removal in removals)
        {
            var name = removal.Member.Name;
            var ran = new List<string>();
            StepFailure? failure = null;
            foreach (var step in removal.FromFirstControlPlane)
            {
                progress?.Report(new EngineEvent(name, step.Id));
                // Journaled on the first control plane, for the record; each step is idempotent and runs again on a re-run.
                var r = await first.RunAsync(StepRunner.Script(step), null, run.Options.CommandTimeout, step.Id, ct);
                if (!r.Succeeded)
                {
                    failure = new StepFailure(step.Id, r.ExitCode, redactor.Redact(r.StderrTail()),
                        "the node stays in the cluster and in the record; fix what blocks it (named above) and run apply again");
                    break;
                }
                ran.Add(step.Id);
            }
            if (failure is not null)
            {
                done.Add((removal, new HostReport { Host = name, State = HostState.Failed, Ran = ran, Failure = failure }));
                continue;
            }
            var state = new HostRunState(removal.Reset);
            string? warning = null;
            try
            {
                if (!await run.ConnectAsync(state, ct))
                {
                    warning = $"warning: its node was deleted from the cluster, but the host could not be reached to reset it ({Describe(state.Stop)}); reset it by hand";
                }
                else if (await run.ProbeAsync(state, takeLock: true, ct, label: "lock", checks: false) && await run.RunResetAsync(state, ct))
                {
                    ran.AddRange(state.Ran);
                }
                else
                {
                    ran.AddRange(state.Ran);
                    done.Add((removal, state.Report(ran: true) ?? new HostReport { Host = name, State = HostState.Failed }));
                    continue;
                }
            }
            finally
            {
                await run.UnlockAsync(state);
                if (state.Session is not null) await state.Session.DisposeAsync();
            }
            progress?.Report(new EngineEvent(name, "removed"));
            done.Add((removal, new HostReport { Host = name, State = HostState.Removed, Ran = ran, Message = warning }));
        }
        return done;
    }

    /// <summary>Writes the record (0600) when it differs from <paramref name="previous"/>.</summary>
    public static async Task WriteAsync(IHostSession first, IEnumerable<RecordedHost> members, string? previous, CancellationToken ct)
    {
        var text = ClusterMembers.Render(members);
        if (text == previous) return;
        await first.UploadAsync(HostPaths.Members, System.Text.Encoding.UTF8.GetBytes(text), Convert.ToInt32("600", 8), ct);
    }

    private static string Describe(HostStop? stop) => stop switch
    {
        HostStop.Unreachable u => u.Message,
        null => "unknown",
        _ => stop.ToString(),
    };
}
