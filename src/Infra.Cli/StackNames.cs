namespace Infra.Cli;

/// <summary>
/// Stack names become file and folder names (Pulumi.NAME.yaml, the secrets folder, NAME.kubeconfig): they are
/// DNS-label-like, so that no name can reach outside its folder.
/// </summary>
public static class StackNames
{
    public const int MaxLength = 63;

    public const string Rule = "1 to 63 letters, digits and '-', starting and ending with a letter or digit";

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public static void Check(string name, string where)
    {
        if (!IsValid(name))
        {
            throw new BadInputException($"{where}: '{Shorten(name)}' is not a stack name: a stack name is {Rule}");
        }
    }

    /// <summary>A user's value in a message: at most 80 characters, control characters shown as '?'.</summary>
    public static string Shorten(string value)
    {
        var clean = new string([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 80 ? clean + "…" : clean;
    }
}
