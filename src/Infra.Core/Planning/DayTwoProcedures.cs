using Infra.Core.NodePrograms;

namespace Infra.Core.Planning;

/// <summary>
/// The day-two procedures a configuration change on a live cluster runs as steps of the node programs, by step id:
/// what <c>apply --dry-run</c> names when such a step's inputs changed.
/// </summary>
public static class DayTwoProcedures
{
    public const string Reconfigure = "reconfigure";
    public const string Relabel = "relabel";

    /// <summary>The procedure a step belongs to; null for a step of no day-two procedure.</summary>
    public static string? Of(string stepId) => stepId switch
    {
        ReconfigureSteps.ControlPlaneStepId => Reconfigure,
        AfterJoinLabels.StepId => Relabel,
        _ => null,
    };

    /// <summary>Why a journaled step runs again: its inputs changed, and the procedure that carries the change when it has one.</summary>
    public static string ChangedReason(string stepId) =>
        Of(stepId) is { } procedure ? $"its inputs changed: {procedure} procedure" : "its inputs changed";
}
