using System.Globalization;
using System.Text;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The one way a value is written into a TOML file the tool renders (containerd's config.toml and hosts.toml).
/// </summary>
internal static class Toml
{
    /// <summary>
    /// <paramref name="value"/> as a TOML basic string with its quotation marks (toml.io v1.0.0, "String"): quotation
    /// mark, backslash and the control characters other than tab (U+0000 to U+0008, U+000A to U+001F, U+007F) are
    /// escaped, so no value can end the string or start a new line of TOML. The same form serves quoted keys.
    /// </summary>
    /// <exception cref="ArgumentException">The value holds a lone UTF-16 surrogate (TOML strings are valid UTF-8).</exception>
    public static string BasicString(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (char.IsSurrogate(ch))
            {
                if (!char.IsHighSurrogate(ch) || i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    throw new ArgumentException("a TOML string cannot hold a lone UTF-16 surrogate", nameof(value));
                }
                sb.Append(ch).Append(value[++i]);
                continue;
            }
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append('\t'); break;
                default:
                    if (ch < 0x20 || ch == 0x7F) sb.Append("\\u").Append(((int)ch).ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
