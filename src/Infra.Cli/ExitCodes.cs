namespace Infra.Cli;

/// <summary>Exit codes of every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Some host failed, or the user declined.</summary>
    public const int Failed = 1;
    /// <summary>Bad input: nothing was changed.</summary>
    public const int BadInput = 2;
}
