using Infra.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Spec;

/// <summary>
/// Parses a stack or inventory file with bounds: its size (<see cref="Limits.MaxFileBytes"/>) and its nesting
/// (<see cref="Limits.MaxNestingDepth"/>, checked on the parser's flat event stream before any tree is built, so deep
/// nesting cannot overflow the stack). Every parse problem becomes one INF001 with line, column and words.
/// </summary>
internal static class YamlLoader
{
    public static YamlStream? Load(ReadContext ctx, string text)
    {
        if (text.Length > Limits.MaxFileBytes)
        {
            ctx.Error("", Codes.OutOfBounds, $"the file holds {text.Length} characters; a stack or inventory file is at most {Limits.MaxFileBytes / (1024 * 1024)} MiB");
            return null;
        }
        // Where each open '[' or '{' started: an unclosed one is reported there, not where the file ends.
        var open = new Stack<(Mark Start, bool Flow)>();
        var parser = new BoundedParser(new Parser(new StringReader(text)), open);
        try
        {
            var yaml = new YamlStream();
            yaml.Load(parser);
            return yaml;
        }
        catch (TooDeepException e)
        {
            Syntax(ctx, e.At, $"the structure is nested deeper than {Limits.MaxNestingDepth} levels of lists and mappings");
            return null;
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            var at = e.Start;
            var unclosed = open.Where(o => o.Flow).Select(o => (Mark?)o.Start).FirstOrDefault();
            if (unclosed is { } start && (message.Contains("flow ", StringComparison.Ordinal) || message.Contains("node content", StringComparison.Ordinal)))
            {
                at = start;
                message = "unclosed";
            }
            Syntax(ctx, at, InWords(message), Lines(text));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // The parser gave up without a position of its own: report the innermost unclosed '[' or '{', else where it stopped.
            var unclosed = open.Where(o => o.Flow).Select(o => (Mark?)o.Start).FirstOrDefault();
            Syntax(ctx, unclosed ?? parser.Last, unclosed is null ? "the file ends inside an unfinished structure (an unclosed '[', '{' or quote?)" : InWords("unclosed"), Lines(text));
        }
        return null;
    }

    /// <summary>
    /// The parser's events as the tree is built from them, in one pass: nesting past the bound stops the load before the
    /// tree builder's recursion can go deep.
    /// </summary>
    private sealed class BoundedParser(IParser inner, Stack<(Mark Start, bool Flow)> open) : IParser
    {
        public Mark Last { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            var e = inner.Current!;
            Last = e.End;
            if (e is MappingStart or SequenceStart)
            {
                open.Push((e.Start, e is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow }));
                if (open.Count > Limits.MaxNestingDepth) throw new TooDeepException(e.Start);
            }
            else if (e is MappingEnd or SequenceEnd)
            {
                open.Pop();
            }
            return true;
        }
    }

    private sealed class TooDeepException(Mark at) : Exception
    {
        public Mark At { get; } = at;
    }

    private static int Lines(string text) => text.Count(c => c == '\n') + (text.EndsWith('\n') ? 0 : 1);

    private static void Syntax(ReadContext ctx, Mark at, string message, int lines = int.MaxValue)
    {
        // At the end of the stream the parser's position is one line past a file without a final line break.
        var line = Math.Clamp((int)at.Line, 1, Math.Max(1, lines));
        var column = line == at.Line ? Math.Max(1, (int)at.Column) : 1;
        ctx.Diagnostics.Add(new Diagnostic(ctx.File, line, column, Severity.Error, Codes.YamlSyntax, $"malformed YAML: {message}", ""));
    }

    /// <summary>The parser's messages, said in words a stack's author can act on.</summary>
    internal static string InWords(string message)
    {
        // YamlDotNet prefixes messages with its own "(Line: …)" position; we print ours.
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line", StringComparison.Ordinal) && cut > 0) message = message[(cut + 3)..];
        bool Has(string s) => message.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (message == "unclosed") return "this '[' or '{' is never closed (or a ',' is missing between its entries)";
        if (Has("duplicate key")) return "a key is written twice in the same mapping";
        if (Has("anchor") && Has("not exist")) return "an alias (*name) names no anchor (&name) defined before it";
        if (Has("expected node content")) return "a value is missing where one is expected (an unclosed '[' or '{', or a stray ',')";
        if (Has("document end")) return "text after the end of the document (a stray ']' or '}'?)";
        if (Has("plain scalar") && Has("invalid mapping")) return "an unquoted value holds ': ': quote the value";
        if (Has("simple key") && Has("expected ':'")) return "this line is not 'key: value' nor a list item: a missing ':' or a wrong indentation";
        if (Has("mapping values are not allowed")) return "a ':' where no mapping can start: check this line's indentation, or quote a value that holds ': '";
        if (Has("block mapping") && Has("did not find expected key")) return "this line does not continue the mapping above it: check its indentation (or a stray ']' or '}')";
        if (Has("block collection") || (Has("block sequence") && Has("expected"))) return "this line's indentation does not line up with the list items above it";
        if (Has("flow mapping")) return "an unclosed '{' or a missing ',' between entries";
        if (Has("flow sequence")) return "an unclosed '[' or a missing ',' between items";
        if (Has("quoted scalar")) return "an unclosed quote";
        if (Has("end of stream")) return "the file ends inside an unfinished structure (an unclosed '[', '{' or quote?)";
        if (Has("tab")) return "a tab character where YAML needs spaces for indentation";
        return Limits.Show(message.TrimEnd('.'));
    }
}
