using System.Text;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Planning;

/// <summary>The <c>workloads</c> phase: one step per baseline component, run on the first control plane.</summary>
public static class WorkloadSteps
{
    public static IReadOnlyList<Step> Build(WorkloadPlan plan, OsFamily os, WorkloadCommandOptions? options = null)
    {
        options ??= new WorkloadCommandOptions();
        var steps = new List<Step>();
        foreach (var command in WorkloadCommands.Render(plan, options))
        {
            var files = command.Files.Select(f => new HostFile
            {
                Path = $"{options.Directory}/{f.Path}",
                Content = Encoding.UTF8.GetBytes(f.Content),
                Mode = "0600",
            }).ToList();
            var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["script"] = StepHash.OfContent(Encoding.UTF8.GetBytes(command.Script)),
                ["wait"] = StepHash.OfContent(Encoding.UTF8.GetBytes(command.WaitScript)),
            };
            foreach (var f in files) inputs["file:" + f.Path] = StepHash.OfContent(f.Content);
            steps.Add(new Step
            {
                Id = $"workloads.{command.Component}",
                Phase = Phase.Workloads,
                Description = $"apply {command.Component} and wait until it is ready",
                Script = command.Script.TrimEnd('\n') + "\n" + command.WaitScript,
                Check = null,
                Inputs = inputs,
                InputHash = StepHash.Of(inputs),
                Files = files,
                RuntimeInputs = [],
                Os = [os],
            });
        }
        return steps;
    }
}
