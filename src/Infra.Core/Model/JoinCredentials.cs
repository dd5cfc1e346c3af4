using System.Security.Cryptography;

namespace Infra.Core.Model;

/// <summary>
/// The short-lived values joins need, made at apply time and never part of a plan: a bootstrap token (TTL
/// <see cref="TokenTtl"/>) and the key that encrypts the control-plane certificates kubeadm uploads for joining control planes.
/// The engine makes them, registers them on the first control plane, passes them to the steps that declare
/// them as runtime inputs (INFRA_JOIN_TOKEN, INFRA_CERTIFICATE_KEY), and deletes them after the joins.
/// </summary>
public sealed record JoinCredentials(string Token, string CertificateKey)
{
    public const string TokenInput = "join-token";
    public const string CertificateKeyInput = "certificate-key";
    public static readonly TimeSpan TokenTtl = TimeSpan.FromMinutes(15);
    /// <summary><see cref="TokenTtl"/> as kubeadm's duration flags and its Bootstrap token ttl field take it.</summary>
    public static readonly string TokenTtlText = $"{(int)TokenTtl.TotalMinutes}m0s";

    public static JoinCredentials Create()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        string Random(int n) => string.Create(n, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
        return new JoinCredentials($"{Random(6)}.{Random(16)}", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>Environment variables for a step that declares these runtime inputs.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(IEnumerable<string> runtimeInputs)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in runtimeInputs)
        {
            if (input == TokenInput) env["INFRA_JOIN_TOKEN"] = Token;
            else if (input == CertificateKeyInput) env["INFRA_CERTIFICATE_KEY"] = CertificateKey;
        }
        return env;
    }

    /// <summary>Run on the first control plane before joins that do not need the certificates: registers the token only.</summary>
    public static readonly string RegisterTokenScript = $"""
        set -euo pipefail
        export KUBECONFIG=/etc/kubernetes/admin.conf
        kubeadm token create "$INFRA_JOIN_TOKEN" --ttl {TokenTtlText} --description "infra join (deleted after use)" >/dev/null

        """;

    /// <summary>Run on the first control plane before joins: registers the token and uploads the certificates.</summary>
    public static readonly string RegisterScript = RegisterTokenScript + """
        kubeadm init phase upload-certs --upload-certs --certificate-key "$INFRA_CERTIFICATE_KEY" >/dev/null
        """;

    /// <summary>
    /// The registration for joins: with <paramref name="certificates"/>, also the encrypted control-plane certificates
    /// (kubeadm-certs), which only joins that declare the certificate-key input need.
    /// </summary>
    public static string RegisterScriptFor(bool certificates) => certificates ? RegisterScript : RegisterTokenScript;

    /// <summary>Run on the first control plane after joins, also when they failed: nothing stays valid.</summary>
    public const string DeleteScript = """
        set -euo pipefail
        export KUBECONFIG=/etc/kubernetes/admin.conf
        kubeadm token delete "${INFRA_JOIN_TOKEN%%.*}" >/dev/null 2>&1 || true
        kubectl -n kube-system delete secret kubeadm-certs --ignore-not-found >/dev/null 2>&1 || true
        """;

    public IReadOnlyDictionary<string, string> Environment =>
        new SortedDictionary<string, string>(StringComparer.Ordinal) { ["INFRA_JOIN_TOKEN"] = Token, ["INFRA_CERTIFICATE_KEY"] = CertificateKey };
}
