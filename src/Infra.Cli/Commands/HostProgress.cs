using System.Diagnostics;
using System.Globalization;
using Infra.Core.Security;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Infra.Cli.Commands;

/// <summary>
/// Per-host progress on stderr. On a terminal, a live table: each host, what it does now and for how long, and
/// its time so far. Elsewhere (CI, a pipe) one plain line per event with the run's elapsed time. Nothing with
/// --output json. Every line passes the redactor.
/// </summary>
internal sealed class HostProgress(CliEnvironment env, Redactor redactor, bool json) : IProgress<EngineEvent>
{
    private sealed class HostLine(TimeSpan started)
    {
        public TimeSpan Started { get; } = started;
        public string What { get; set; } = "";
        public TimeSpan Since { get; set; } = started;
    }

    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Host, HostLine Line)> _hosts = [];
    private Task? _live;
    private volatile bool _stop;

    /// <summary>stderr is a terminal that can redraw in place.</summary>
    public bool Live => !json && env.Err.Profile.Capabilities.Ansi && env.Err.Profile.Capabilities.Interactive;

    public void Report(EngineEvent value)
    {
        if (json) return;
        var what = redactor.Redact(value.What);
        lock (_gate)
        {
            var now = _clock.Elapsed;
            var line = _hosts.FirstOrDefault(h => h.Host == value.Host).Line;
            if (line is null)
            {
                line = new HostLine(now);
                _hosts.Add((value.Host, line));
            }
            line.What = what;
            line.Since = now;
            if (Live) return;
            env.Err.MarkupLine($"[grey]{Seconds(now),6}s[/] {Markup.Escape(value.Host)}: {Markup.Escape(what)}");
        }
    }

    /// <summary>On a terminal, starts redrawing the table (until <see cref="Pause"/>); elsewhere does nothing.</summary>
    public void Resume()
    {
        if (!Live || _live is not null) return;
        _stop = false;
        _live = Task.Run(() => env.Err.Live(Render()).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            while (!_stop)
            {
                ctx.UpdateTarget(Render());
                await Task.Delay(200);
            }
        }));
    }

    /// <summary>Stops redrawing (before a question or the summary is printed).</summary>
    public void Pause()
    {
        if (_live is null) return;
        _stop = true;
        _live.GetAwaiter().GetResult();
        _live = null;
    }

    /// <summary>The table as it stands: hosts in the order they were first heard of.</summary>
    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("host", "doing", "for", "total");
        lock (_gate)
        {
            var now = _clock.Elapsed;
            foreach (var (host, line) in _hosts)
            {
                var colour = line.What.StartsWith("failed", StringComparison.Ordinal) || line.What.StartsWith("blocked", StringComparison.Ordinal) ? "red"
                    : line.What is "converged" or "unchanged" or "reset" ? "green" : "default";
                table.AddRow(Markup.Escape(host), $"[{colour}]{Markup.Escape(line.What)}[/]", Seconds(now - line.Since) + "s", Seconds(now - line.Started) + "s");
            }
        }
        return table;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
