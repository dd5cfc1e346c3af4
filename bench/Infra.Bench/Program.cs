using System.Diagnostics;
using System.Globalization;
using System.Text;
using Infra.Core.Planning;
using YamlDotNet.RepresentationModel;

namespace Infra.Bench;

/// <summary>
/// Benchmarks, one command each (see bench/README.md). Each prints its measurement next to a baseline
/// measured in the same process, and the ratio between them.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var which = args.Length > 0 ? args[0] : "all";
        var benches = new Dictionary<string, Action>(StringComparer.Ordinal)
        {
            ["validate"] = ValidateBench.Run,
            ["plan"] = PlanBench.Run,
            ["engine"] = EngineBench.Run,
            ["scale"] = EngineBench.RunScale,
            ["per-host"] = EngineBench.RunPerHost,
            ["upgrade"] = UpgradeBench.Run,
        };
        if (which == "all")
        {
            // engine includes scale.
            foreach (var b in benches.Where(kv => kv.Key != "scale").Select(kv => kv.Value)) b();
            return 0;
        }
        if (!benches.TryGetValue(which, out var bench))
        {
            Console.Error.WriteLine($"unknown benchmark '{which}'; known: all, {string.Join(", ", benches.Keys)}");
            return 2;
        }
        bench();
        return 0;
    }
}

/// <summary>Shared timing: warm up, then medians of runs that alternate between the measured and the baseline,
/// so that load from elsewhere on the machine hits both alike.</summary>
internal static class Measure
{
    public static (double Subject, double Baseline) MedianMs(Action subject, Action baseline, int runs = 31, int warmup = 5)
    {
        for (var i = 0; i < warmup; i++) { subject(); baseline(); }
        var a = new List<double>();
        var b = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            a.Add(Time(subject));
            b.Add(Time(baseline));
        }
        return (Median(a), Median(b));
    }

    public static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>Validation of a 500-host bare-metal stack vs only parsing its YAML (the floor any reader pays).</summary>
internal static class ValidateBench
{
    public static string Stack(int hosts)
    {
        var sb = new StringBuilder();
        sb.Append("config:\n  infra:cluster:\n    name: big\n    target: baremetal\n    kubernetes: { version: \"1.36.1\" }\n");
        sb.Append("    controlPlane: { endpoint: \"10.1.255.250:6443\", loadBalancer: kube-vip }\n");
        sb.Append("    workers: [ { name: general }, { name: gpu, taints: [\"gpu=true:NoSchedule\"] } ]\n");
        sb.Append("    network: { podCidr: 10.240.0.0/14, serviceCidr: 10.96.0.0/12, nodeCidr: 10.1.0.0/16 }\n    hosts:\n");
        for (var i = 0; i < hosts; i++)
        {
            var role = i < 3 ? "control-plane" : "worker";
            var pool = i < 3 ? "" : i % 2 == 0 ? ", pool: general" : ", pool: gpu";
            sb.Append(CultureInfo.InvariantCulture,
                $"      - {{ name: node-{i}, address: 10.1.{i / 250}.{i % 250 + 1}, hostKey: \"SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU\", roles: [{role}]{pool} }}\n");
        }
        return sb.ToString();
    }

    public static void Run()
    {
        var text = Stack(500);
        var result = StackFile.Read("bench.yaml", text);
        if (!result.IsValid) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        var (validate, parseOnly) = Measure.MedianMs(
            () => StackFile.Read("bench.yaml", text),
            () => new YamlStream().Load(new StringReader(text)));
        Console.WriteLine($"validate: 500-host stack ({text.Length / 1024} KiB): {Measure.F(validate)} ms (median of 31); " +
            $"YAML parse alone {Measure.F(parseOnly)} ms; ratio {Measure.F(validate / parseOnly)}x the parse floor");
    }
}
