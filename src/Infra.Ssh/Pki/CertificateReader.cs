using Infra.Core.Model;
using Infra.Core.Pki;

namespace Infra.Ssh.Pki;

/// <summary>What one host holds, or why it could not be read.</summary>
public sealed record HostCertificates(string Host, IReadOnlyList<HostCertificate> Certificates, IReadOnlyList<UnreadableCertificate> Unreadable, string? Failure);

/// <summary>Reads every certificate file on hosts: one SSH round trip each (<see cref="CertificateLocations.ReadScript"/>), changing nothing.</summary>
public static class CertificateReader
{
    public static async Task<IReadOnlyList<HostCertificates>> ReadAsync(
        IReadOnlyList<PlannedHost> hosts, HostSessionFactory connect, int concurrency, TimeSpan timeout, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var tasks = hosts.Select(async host =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await ReadHostAsync(host, connect, timeout, ct);
            }
            finally
            {
                gate.Release();
            }
        });
        return await Task.WhenAll(tasks);
    }

    private static async Task<HostCertificates> ReadHostAsync(PlannedHost host, HostSessionFactory connect, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await using var session = await connect(host, ct);
            var r = await session.RunAsync(CertificateLocations.ReadScript, null, timeout, "read certificates", ct);
            if (!r.Succeeded) return new(host.Name, [], [], $"reading the certificates failed (exit {r.ExitCode}): {r.StderrTail(3)}");
            var (certificates, unreadable) = CertificateLocations.Parse(host.Name, r.Stdout);
            return new(host.Name, certificates, unreadable, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new(host.Name, [], [], e.Message);
        }
    }
}
