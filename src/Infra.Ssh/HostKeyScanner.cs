using Infra.Core.Spec;
using Renci.SshNet;

namespace Infra.Ssh;

/// <summary>A key a host presented to <see cref="HostKeyScanner"/>.</summary>
public sealed record ScannedHostKey(string Algorithm, string PublicKeyLine, string Fingerprint)
{
    /// <summary>The line to paste into a stack after a person has checked the fingerprint out of band.</summary>
    public string StackLine => $"hostKey: \"{PublicKeyLine}\"";
}

/// <summary>
/// Asks a host for its keys without logging in (for <c>infra hosts scan</c>): one key exchange per key type,
/// each offering only that type's algorithms; the connection is dropped before authentication.
/// </summary>
public static class HostKeyScanner
{
    private static readonly string[][] Families =
    [
        ["ssh-ed25519"],
        ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
        ["ssh-rsa"],
    ];

    public static async Task<IReadOnlyList<ScannedHostKey>> ScanAsync(
        string address, int port = 22, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var name = $"{address}:{port}";
        var found = new List<ScannedHostKey>();
        foreach (var family in Families)
        {
            byte[]? blob = null;
            var info = new ConnectionInfo(address, port, "infra-scan", new NoneAuthenticationMethod("infra-scan"))
            {
                Timeout = timeout ?? TimeSpan.FromSeconds(10),
            };
            HostKeys.Configure(info, family);
            using var client = new SshClient(info);
            client.HostKeyReceived += (_, e) =>
            {
                blob = e.HostKey;
                e.CanTrust = false;
            };
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(info.Timeout);
            try
            {
                await client.ConnectAsync(budget.Token);
            }
            catch (Exception e) when (blob is not null || HostKeys.ServerOffer(e) is not null)
            {
                // Refused on purpose after the key arrived, or the host has no key of this type.
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                throw new SshConnectException(name, $"cannot scan {name}: {(e is OperationCanceledException ? "no answer within the timeout" : e.Message)}", e);
            }
            if (blob is null) continue;
            var type = HostKeys.KeyTypeOf(blob);
            found.Add(new ScannedHostKey(type, $"{type} {Convert.ToBase64String(blob)}", "SHA256:" + HostKeyPin.FingerprintOf(blob)));
        }
        return found;
    }
}
