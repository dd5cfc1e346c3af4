using System.Globalization;
using System.Text.RegularExpressions;

namespace Infra.Core.NodePrograms;

/// <summary>
/// A registry host as an image reference names it (distribution/reference: domain components joined by dots, an
/// optional port), the only form the tool accepts where a registry becomes a folder name.
/// </summary>
internal static partial class RegistryHost
{
    public static bool IsValid(string value)
    {
        if (value.Length is 0 or > 253 + 6) return false;
        var m = Pattern().Match(value);
        if (!m.Success) return false;
        return !m.Groups["port"].Success
            || (int.TryParse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535);
    }

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:(?<port>[0-9]{1,5}))?\z")]
    private static partial Regex Pattern();
}
