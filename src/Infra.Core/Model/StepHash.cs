using System.Security.Cryptography;
using System.Text;

namespace Infra.Core.Model;

/// <summary>The input hash of a step: SHA-256 over its inputs sorted by name, so the order they were added in never matters.</summary>
public static class StepHash
{
    public static string Of(IReadOnlyDictionary<string, string> inputs)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(k.Length).Append(':').Append(k).Append('=').Append(v.Length).Append(':').Append(v).Append('\n');
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public static string OfContent(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
